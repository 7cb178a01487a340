#!/usr/bin/env bash
# Makes this machine able to run `npm test`: installs the Debian/Ubuntu packages the tests
# drive when any is missing, and starts MariaDB and Redis when they do not answer.
# `npm test` runs it first (its `pretest` step) and so does .ci/run, so a fresh machine needs
# nothing else. When everything is there it only checks files and pings the two servers:
# no apt-get update, well under a second.
#
# Not root and something is missing: prints the exact command to run and stops (exit 1).
# TEST_MYSQL_URL / TEST_REDIS_URL set: those servers are yours; they are not started here.
set -euo pipefail

say() { printf 'test-machine: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

distro=$(. /etc/os-release 2>/dev/null && echo "${ID:-unknown}") || distro=unknown
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
wordpress=${APPOINTEASE_WP_SOURCE:-/usr/share/wordpress}

# ---- 1. packages: what each test needs, by the file or module that proves it is there ----
missing=()
[ -x /usr/sbin/mariadbd ] || [ -n "${TEST_MYSQL_URL:-}" ] || missing+=(mariadb-server)
command -v mariadb >/dev/null 2>&1 && command -v mysql >/dev/null 2>&1 || missing+=(mariadb-client)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# Browser tests (widget, wp-admin, WordPress end to end) drive the distribution's Chromium.
if [ ! -x "$chromium" ]; then
  if [ "$distro" = ubuntu ]; then
    # Ubuntu has no Chromium .deb, only a snap: nothing apt could do here.
    fail "Chromium is missing at $chromium. Ubuntu ships it as a snap: 'sudo snap install chromium', then run the tests with CHROMIUM_PATH=/snap/bin/chromium."
  fi
  missing+=(chromium)
fi
# The bridge's tests run WordPress under PHP: mysqli for its database, the XML extensions
# for the PHP coding-standard check.
if command -v php >/dev/null 2>&1; then
  # shellcheck disable=SC2016
  php_missing=$(php -r 'foreach (["mysqli" => "php-mysql", "dom" => "php-xml", "xmlwriter" => "php-xml", "simplexml" => "php-xml"] as $ext => $pkg) if (!extension_loaded($ext)) echo $pkg, "\n";' | sort -u)
  for p in $php_missing; do missing+=("$p"); done
else
  missing+=(php-cli php-mysql php-xml)
fi
[ -f "$wordpress/wp-settings.php" ] || missing+=(wordpress)
# The deployment end-to-end test puts the sidecar behind a real nginx, as docs/deploy.md does.
[ -x /usr/sbin/nginx ] || missing+=(nginx)

install_packages() {
  # `nginx` above stands for Debian's small build where the distribution still has it.
  local pkgs=() p
  for p in "$@"; do
    if [ "$p" = nginx ] && apt-cache show nginx-light >/dev/null 2>&1; then p=nginx-light; fi
    pkgs+=("$p")
  done
  say "installing: ${pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
}

installed_mariadb=false
if [ ${#missing[@]} -gt 0 ]; then
  if ! is_root; then
    hint=${missing[*]}
    [ "$distro" = debian ] && hint=${hint/nginx/nginx-light}
    fail "missing packages for the tests: ${missing[*]}.
  Install them (once) with:
    sudo apt-get update && sudo apt-get install -y $hint
  then run the tests again."
  fi
  # Offline, the package lists already on the machine may still do.
  apt-get update -qq || say "apt-get update failed; trying with the package lists at hand"
  install_packages "${missing[@]}"
  [[ " ${missing[*]} " == *" mariadb-server "* ]] && installed_mariadb=true
fi

# ---- 2. services: start MariaDB and Redis on 127.0.0.1 when they do not answer ----
wait_for() { # seconds, command...
  local n=$1; shift
  for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  return 1
}
mariadb_alive() { mariadb-admin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping; }   # 0 even when access is denied
mariadb_root() { mariadb --protocol=tcp -h127.0.0.1 -P3306 -uroot -e 'SELECT 1'; }
redis_alive() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if [ -z "${TEST_MYSQL_URL:-}" ] && ! mariadb_root >/dev/null 2>&1; then
  if ! mariadb_alive >/dev/null 2>&1; then
    is_root || fail "MariaDB does not answer on 127.0.0.1:3306. Start it with: sudo service mariadb start"
    say "starting MariaDB"
    install -d -o mysql -g mysql /run/mysqld 2>/dev/null || true
    if [ -d /run/systemd/system ]; then
      systemctl start mariadb || true
    elif [ -x /etc/init.d/mariadb ]; then
      /etc/init.d/mariadb start >/dev/null 2>&1 || true
    fi
    mariadb_alive >/dev/null 2>&1 || start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_for 60 mariadb_alive || fail "MariaDB did not start (see its error log, usually /var/log/mysql/error.log)"
  fi
  if ! mariadb_root >/dev/null 2>&1; then
    # A freshly installed MariaDB lets root in only through the Unix socket. The tests
    # connect as root without a password over TCP, like the machines they run on; only a
    # server this script installed itself is changed to allow that.
    grant="ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')"
    if $installed_mariadb && is_root; then
      mariadb -uroot -e "$grant"
    fi
    mariadb_root >/dev/null 2>&1 || fail "MariaDB answers, but the tests cannot log in as root without a password on 127.0.0.1.
  Either allow it (a test machine only):  sudo mariadb -e \"$grant\"
  or point the tests at an account of yours: TEST_MYSQL_URL=mysql://user:pass@127.0.0.1:3306 and
  APPOINTEASE_TEST_MYSQL_USER / APPOINTEASE_TEST_MYSQL_PASSWORD (it needs CREATE and DROP DATABASE)."
  fi
fi

if [ -z "${TEST_REDIS_URL:-}" ] && ! redis_alive; then
  say "starting Redis (127.0.0.1:6379, nothing kept on disk)"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir "${TMPDIR:-/tmp}" >/dev/null
  wait_for 30 redis_alive || fail "Redis did not start on 127.0.0.1:6379"
fi

# The lock scripts use ZADD … LT/GT (Redis 6.2). Ubuntu 22.04's redis-server is 6.0.
redis_version=$(redis-server --version | sed -n 's/.* v=\([0-9]*\.[0-9]*\).*/\1/p')
case "$redis_version" in
  [0-5].*|6.[01]) fail "redis-server $redis_version is too old: AppointEase needs Redis 6.2 or newer (ZADD … LT)." ;;
esac

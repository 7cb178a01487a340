// A real, throw-away WordPress for the bridge's tests: Debian's `wordpress` package
// (hard-linked into a temp dir so each test gets its own wp-config.php and wp-content),
// its own database on the local MariaDB, and this repo's wp-bridge/ symlinked in as the
// plugin. Nothing here mocks WordPress: the plugin runs under the real core.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const PLUGIN_DIR = join(REPO_ROOT, 'wp-bridge');
export const WORDPRESS_SOURCE = process.env.APPOINTEASE_WP_SOURCE ?? '/usr/share/wordpress';
const MYSQL_HOST = process.env.APPOINTEASE_TEST_MYSQL_HOST ?? '127.0.0.1';
const MYSQL_PORT = Number(process.env.APPOINTEASE_TEST_MYSQL_PORT ?? 3306);
const MYSQL_USER = process.env.APPOINTEASE_TEST_MYSQL_USER ?? 'root';
const MYSQL_PASSWORD = process.env.APPOINTEASE_TEST_MYSQL_PASSWORD ?? '';

/**
 * The original AppointEase plugin, as the team keeps it (unchanged, GPL, not part of this
 * repository): $APPOINTEASE_ORIGINAL_PLUGIN, else ../shared/fixtures/appointease-original
 * beside the repository (a clean clone in CI may live elsewhere), else the machine's copy.
 */
export function originalPluginCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.APPOINTEASE_ORIGINAL_PLUGIN, resolve(REPO_ROOT, '../shared/fixtures/appointease-original'), '/work/shared/fixtures/appointease-original'].filter(
    (d): d is string => !!d,
  );
}

export function findOriginalPlugin(env: NodeJS.ProcessEnv = process.env): string | null {
  return originalPluginCandidates(env).find((d) => existsSync(join(d, 'booking-plugin.php'))) ?? null;
}

/** Why the WordPress tests cannot run here, or null when they can. */
export function missingPrerequisite(): string | null {
  const php = spawnSync('php', ['-r', 'echo extension_loaded("mysqli") ? "y" : "n";'], { encoding: 'utf8' });
  if (php.error) return 'php is not installed (apt-get install php-cli php-mysql)';
  if (php.stdout !== 'y') return 'the PHP mysqli extension is missing (apt-get install php-mysql)';
  if (!existsSync(join(WORDPRESS_SOURCE, 'wp-includes/version.php'))) {
    return `WordPress is not installed at ${WORDPRESS_SOURCE} (apt-get install wordpress)`;
  }
  return null;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

export function mysql(sql: string): string {
  const args = ['-h', MYSQL_HOST, '-P', String(MYSQL_PORT), '-u', MYSQL_USER, '--batch', '--skip-column-names', '-e', sql];
  const result = spawnSync('mysql', args, {
    encoding: 'utf8',
    env: { ...process.env, MYSQL_PWD: MYSQL_PASSWORD },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`mysql failed: ${result.stderr}`);
  return result.stdout;
}

function phpString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface WordPressOptions {
  /** Short label that ends up in the database name. */
  label: string;
  /** Table prefix; a non-default one proves the plugin honours $wpdb->prefix. */
  tablePrefix?: string;
  /** wp-config.php constants, e.g. APPOINTEASE_SIDECAR_URL. */
  constants?: Record<string, string>;
  /** Skip activating the plugin (schema tests activate it themselves). */
  activate?: boolean;
  /** The site's URL when a proxy serves it (nginx in front of `php -S`); default: php -S itself. */
  publicUrl?: (backendPort: number) => string;
  /**
   * Install the original AppointEase plugin (findOriginalPlugin()) as wp-content/plugins/appointease,
   * not activated. Copied, not linked: it writes a logs/ folder beside its own files.
   */
  originalPlugin?: string;
}

export interface InstalledSite {
  adminId: number;
  subscriberId: number;
  pageId: number;
}

export class WordPress {
  readonly dir: string;
  readonly dbName: string;
  readonly port: number;
  readonly url: string;
  readonly prefix: string;
  readonly mailLog: string;
  readonly debugLog: string;
  site!: InstalledSite;
  private server: ChildProcess | null = null;

  private constructor(dir: string, dbName: string, port: number, prefix: string, url = `http://127.0.0.1:${port}`) {
    this.dir = dir;
    this.dbName = dbName;
    this.port = port;
    this.url = url;
    this.prefix = prefix;
    this.mailLog = join(dir, 'mail.jsonl');
    this.debugLog = join(dir, 'debug.log');
  }

  static async create(options: WordPressOptions): Promise<WordPress> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), `appointease-wp-${options.label}-`));
    const dbName = `appointease_wp_${options.label.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
    const wp = new WordPress(dir, dbName, port, options.tablePrefix ?? 'wp_', options.publicUrl?.(port));
    wp.layOut(options.constants ?? {}, options.originalPlugin);
    mysql(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    try {
      wp.site = wp.install(options.activate ?? true);
    } catch (error) {
      await wp.destroy();
      throw error;
    }
    return wp;
  }

  private layOut(constants: Record<string, string>, originalPlugin?: string): void {
    // Hard links keep __FILE__ inside the temp dir (a symlink would resolve back to
    // /usr/share/wordpress and load Debian's wp-config.php); copying is the fallback
    // when /tmp is another filesystem.
    for (const entry of readdirSync(WORDPRESS_SOURCE)) {
      if (entry === 'wp-content' || entry === 'wp-config.php') continue;
      const from = join(WORDPRESS_SOURCE, entry);
      const linked = spawnSync('cp', ['-al', from, this.dir]);
      if (linked.status !== 0) {
        const copied = spawnSync('cp', ['-a', from, this.dir]);
        if (copied.status !== 0) throw new Error(`cannot copy ${from}: ${copied.stderr}`);
      }
    }
    // Debian replaces bundled libraries (underscore, jQuery plugins, getID3…) with relative
    // symlinks into /usr/share; relative to the temp dir they would dangle, so point them
    // at their real targets.
    const links = spawnSync('find', [this.dir, '-type', 'l'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const link of links) {
      const source = join(WORDPRESS_SOURCE, relative(this.dir, link));
      if (!existsSync(source)) continue;
      rmSync(link);
      symlinkSync(realpathSync(source), link);
    }
    const content = join(this.dir, 'wp-content');
    for (const sub of ['plugins', 'themes', 'mu-plugins', 'uploads']) mkdirSync(join(content, sub), { recursive: true });
    symlinkSync(PLUGIN_DIR, join(content, 'plugins', 'appointease-bridge'));
    if (originalPlugin) {
      const copied = spawnSync('cp', ['-R', originalPlugin, join(content, 'plugins', 'appointease')]);
      if (copied.status !== 0) throw new Error(`cannot copy the original plugin: ${copied.stderr}`);
      spawnSync('chmod', ['-R', 'u+w', join(content, 'plugins', 'appointease')]);
    }
    for (const theme of readdirSync(join(WORDPRESS_SOURCE, 'wp-content/themes'))) {
      symlinkSync(join(WORDPRESS_SOURCE, 'wp-content/themes', theme), join(content, 'themes', theme));
    }
    const fixtures = join(REPO_ROOT, 'test/bridge/fixtures/mu-plugins');
    for (const file of readdirSync(fixtures)) symlinkSync(join(fixtures, file), join(content, 'mu-plugins', file));

    const defines = Object.entries({
      DB_NAME: this.dbName,
      DB_USER: MYSQL_USER,
      DB_PASSWORD: MYSQL_PASSWORD,
      DB_HOST: `${MYSQL_HOST}:${MYSQL_PORT}`,
      DB_CHARSET: 'utf8mb4',
      DB_COLLATE: '',
      WP_HOME: this.url,
      WP_SITEURL: this.url,
      APPOINTEASE_TEST_MAIL_LOG: this.mailLog,
      ...Object.fromEntries(
        ['AUTH', 'SECURE_AUTH', 'LOGGED_IN', 'NONCE'].flatMap((k) => [
          [`${k}_KEY`, randomBytes(24).toString('hex')],
          [`${k}_SALT`, randomBytes(24).toString('hex')],
        ]),
      ),
      ...constants,
    })
      .map(([name, value]) => `define( '${name}', ${phpString(value)} );`)
      .join('\n');
    writeFileSync(
      join(this.dir, 'wp-config.php'),
      `<?php
${defines}
$table_prefix = ${phpString(this.prefix)};
// Warnings go to a log the tests read: a PHP warning from the plugin is a failure.
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', ${phpString(this.debugLog)} );
define( 'WP_DEBUG_DISPLAY', false );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_ACCESSIBLE_HOSTS', '127.0.0.1,localhost' );
define( 'ABSPATH', __DIR__ . '/' );
require_once ABSPATH . 'wp-settings.php';
`,
    );
  }

  private install(activate: boolean): InstalledSite {
    const out = this.php(
      `
      require_once ABSPATH . 'wp-admin/includes/upgrade.php';
      require_once ABSPATH . 'wp-admin/includes/plugin.php';
      $installed = wp_install( 'AppointEase Test', 'admin', 'admin@example.com', false, '', 'admin-pass' );
      ${
        activate
          ? `$activated = activate_plugin( 'appointease-bridge/appointease-bridge.php' );
      if ( is_wp_error( $activated ) ) { fwrite( STDERR, $activated->get_error_message() ); exit( 1 ); }`
          : ''
      }
      $subscriber = wp_insert_user( array( 'user_login' => 'subscriber', 'user_pass' => 'subscriber-pass', 'user_email' => 'subscriber@example.com', 'role' => 'subscriber' ) );
      $page = wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish', 'post_title' => 'Book', 'post_content' => '[appointease service="1" employee="1"]' ) );
      echo wp_json_encode( array( 'adminId' => (int) $installed['user_id'], 'subscriberId' => (int) $subscriber, 'pageId' => (int) $page ) );
      `,
      { installing: true },
    );
    return JSON.parse(out) as InstalledSite;
  }

  /** Runs PHP with WordPress loaded; returns stdout. Throws on a non-zero exit. */
  php(code: string, options: { installing?: boolean } = {}): string {
    const file = join(this.dir, `appointease-test-${randomBytes(4).toString('hex')}.php`);
    writeFileSync(
      file,
      `<?php
${options.installing ? "define( 'WP_INSTALLING', true );" : ''}
$_SERVER['HTTP_HOST'] = '${new URL(this.url).host}';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
require __DIR__ . '/wp-load.php';
${code}
`,
    );
    try {
      const result = spawnSync('php', [file], { cwd: this.dir, encoding: 'utf8', timeout: 60_000 });
      if (result.status !== 0) throw new Error(`php exited ${result.status}: ${result.stderr}\n${result.stdout}`);
      return result.stdout;
    } finally {
      rmSync(file, { force: true });
    }
  }

  /**
   * Like php() but without blocking Node's event loop, for PHP that calls back into a
   * server living in this test process (spawnSync would deadlock it).
   */
  phpAsync(code: string): Promise<string> {
    const file = join(this.dir, `appointease-test-${randomBytes(4).toString('hex')}.php`);
    writeFileSync(file, `<?php\n$_SERVER['HTTP_HOST'] = '${new URL(this.url).host}';\nrequire __DIR__ . '/wp-load.php';\n${code}\n`);
    return new Promise((ok, fail) => {
      execFile('php', [file], { cwd: this.dir, timeout: 60_000 }, (error, stdout, stderr) => {
        rmSync(file, { force: true });
        if (error) fail(new Error(`php failed: ${stderr}\n${stdout}`));
        else ok(stdout);
      });
    });
  }

  /** Like php(), for code that echoes one JSON value. */
  phpJson<T = unknown>(code: string): T {
    const out = this.php(code);
    try {
      return JSON.parse(out) as T;
    } catch {
      throw new Error(`not JSON: ${out}`);
    }
  }

  /** Serves the site with PHP's built-in server (a few workers: pages load scripts and REST in parallel). */
  async serve(): Promise<void> {
    if (this.server) return;
    const server = spawn('php', ['-S', `127.0.0.1:${this.port}`, '-t', this.dir], {
      cwd: this.dir,
      env: { ...process.env, PHP_CLI_SERVER_WORKERS: '3' },
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group: with workers, SIGTERM to the parent alone leaves the
      // worker processes running, so destroy() signals the whole group.
      detached: true,
    });
    this.server = server;
    server.stderr?.resume();
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/wp-login.php`, { redirect: 'manual' });
        if (response.status < 500) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('php -S did not start');
  }

  /** Mails captured by the test mu-plugin (the real PHPMailer ran up to the transport). */
  mails(): Array<{ to: string[]; subject: string; mime: string; contentType: string }> {
    if (!existsSync(this.mailLog)) return [];
    return readFileSync(this.mailLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  /** Lines of debug.log that come from the plugin. */
  pluginWarnings(): string[] {
    if (!existsSync(this.debugLog)) return [];
    return readFileSync(this.debugLog, 'utf8')
      .split('\n')
      .filter((line) => line.includes('/plugins/appointease-bridge/') || line.includes(PLUGIN_DIR));
  }

  /** Logs in through wp-login.php like a browser; returns the Cookie header value. */
  async login(user: string, password: string): Promise<string> {
    const response = await fetch(`${this.url}/wp-login.php`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'wordpress_test_cookie=WP%20Cookie%20check' },
      body: new URLSearchParams({ log: user, pwd: password, testcookie: '1', redirect_to: `${this.url}/wp-admin/` }),
    });
    const cookies = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .filter((c) => !c.endsWith('=deleted') && /^wordpress_/.test(c));
    if (response.status !== 302 || !cookies.some((c) => c.startsWith('wordpress_logged_in_'))) {
      throw new Error(`login as ${user} failed (${response.status})`);
    }
    return cookies.join('; ');
  }

  /** A wp_rest nonce for the session in a Cookie header (what wp_create_nonce gives the page). */
  restNonce(cookieHeader: string): string {
    return this.php(
      `
      $jar = array();
      foreach ( explode( '; ', ${phpString(cookieHeader)} ) as $pair ) {
        list( $k, $v ) = explode( '=', $pair, 2 );
        $jar[ $k ] = urldecode( $v );
      }
      $_COOKIE[ LOGGED_IN_COOKIE ] = $jar[ LOGGED_IN_COOKIE ];
      wp_set_current_user( wp_validate_auth_cookie( $jar[ LOGGED_IN_COOKIE ], 'logged_in' ) );
      echo wp_create_nonce( 'wp_rest' );
    `,
    ).trim();
  }

  async destroy(): Promise<void> {
    if (this.server) {
      const server = this.server;
      this.server = null;
      const exited = new Promise((r) => server.once('exit', r));
      try {
        if (server.pid) process.kill(-server.pid, 'SIGTERM');
      } catch {
        server.kill('SIGTERM');
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    }
    try {
      mysql(`DROP DATABASE IF EXISTS \`${this.dbName}\``);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Runs `php -l`; resolves with [exit code, output]. */
export function phpLint(file: string): Promise<[number, string]> {
  return new Promise((ok) => {
    execFile('php', ['-l', file], (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      ok([code, `${stdout}${stderr}`]);
    });
  });
}

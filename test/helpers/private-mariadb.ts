import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort, killAndWait } from './services';

/**
 * A private MariaDB server for tests and benches that must break the
 * database (kill and restart it) or count every statement it receives —
 * neither may happen to the shared server on 3306.
 *
 * `mariadb-install-db` into a temporary directory, then `mariadbd` on a free
 * loopback port with its socket in that directory, `--skip-grant-tables`
 * (root, no password, no grant checks: it listens on 127.0.0.1 only and
 * lives as long as the test). `stop()` kills it and removes the directory;
 * `kill()` + `start()` restart it on the same data and port.
 */
export interface PrivateMariaDb {
  port: number;
  /** The server's unix socket (inside its temporary directory). */
  socket: string;
  /** `mysql://root@127.0.0.1:<port>`; append `/<database>`. */
  rootUrl: string;
  running(): boolean;
  /** SIGKILL by default: a crash, with InnoDB's recovery on the next start. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets but answers nothing (a hung host, a network cut); `resume()` with SIGCONT. */
  pause(): void;
  resume(): void;
}

export interface PrivateMariaDbOptions {
  /**
   * false: no fsync per commit (`innodb_flush_log_at_trx_commit=2`), for
   * benches that count statements. Leave true where a test kills the server
   * and expects every acknowledged commit back.
   */
  durable?: boolean;
  /** Extra `mariadbd` options, e.g. `--general-log=1`. */
  args?: string[];
}

export async function startPrivateMariaDb(options: PrivateMariaDbOptions = {}): Promise<PrivateMariaDb> {
  const dir = mkdtempSync(join(tmpdir(), 'ae-mariadb-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const port = await freePort();
  let child: ChildProcess | undefined;

  const install = spawnSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${datadir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (Debian's mariadb-server provides it and mariadbd): ${install.stderr || install.error?.message}`);
  }

  const args = [
    '--no-defaults',
    '--user=root',
    `--datadir=${datadir}`,
    `--socket=${socket}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${join(dir, 'error.log')}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--skip-grant-tables',
    '--skip-name-resolve',
    '--skip-log-bin',
    // As Debian's server configuration: the WordPress tables' character set.
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    '--innodb-buffer-pool-size=64M',
    '--max-connections=200',
    ...(options.durable === false ? ['--innodb-flush-log-at-trx-commit=2'] : []),
    ...(options.args ?? []),
  ];

  const server: PrivateMariaDb = {
    port,
    socket,
    rootUrl: `mysql://root@127.0.0.1:${port}`,
    running: () => !!child && child.exitCode === null && child.signalCode === null,
    async start() {
      const proc = spawn('mariadbd', args, { stdio: 'ignore' });
      child = proc;
      const exited = new Promise<never>((_, reject) => proc.once('exit', (code, signal) => reject(new Error(`mariadbd exited (${code ?? signal}); see ${join(dir, 'error.log')}`))));
      exited.catch(() => {});
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          const c = await Promise.race([mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1_000 }), exited]);
          await c.end();
          return;
        } catch (err) {
          if (proc.exitCode !== null || proc.signalCode !== null) throw err;
          if (Date.now() > deadline) throw new Error(`private mariadbd did not answer within 60 s: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async kill(signal = 'SIGKILL') {
      const c = child;
      child = undefined;
      await killAndWait(c, signal);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async stop() {
      await server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

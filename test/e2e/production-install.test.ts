// Issue 17 item 1: a fresh clone installed the way docs/deploy.md says
// (`NODE_ENV=production npm ci`), with no dev dependency, no compiler at run time,
// migrated with nothing but DATABASE_URL, started with `npm start`, and stopped by
// signalling that PID: nothing may be left running.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, freePort, uniquePrefix, deletePrefix, type TestDatabase } from '../helpers/services';

const REPO = join(import.meta.dirname, '../..');

/** What a clone of this tree would hold: tracked files and new ones not ignored, as they are now. */
function cloneWorkingTree(into: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(REPO, f))) continue; // deleted, not yet committed
    mkdirSync(dirname(join(into, f)), { recursive: true });
    cpSync(join(REPO, f), join(into, f));
  }
}

/** PIDs of the processes working in `dir` (what `npm start` started there). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`) === dir;
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

describe('a production install from a fresh clone', () => {
  let dir: string;
  let db: TestDatabase;
  const prefix = uniquePrefix();
  let install: ReturnType<typeof spawnSync>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'appointease-production-'));
    cloneWorkingTree(dir);
    db = await createTestDatabase({ migrated: false });
    install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, env: { ...process.env, NODE_ENV: 'production' }, encoding: 'utf8', timeout: 300_000 });
  }, 330_000);

  afterAll(async () => {
    await db?.drop();
    await deletePrefix(prefix);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs with NODE_ENV=production npm ci: no dev dependency, the server built by prepare', () => {
    expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
    for (const devOnly of ['vite', 'vitest', 'tsx', 'typescript', 'preact', 'playwright-core']) {
      expect(existsSync(join(dir, 'node_modules', devOnly)), devOnly).toBe(false);
    }
    expect(existsSync(join(dir, 'server/dist/index.js'))).toBe(true);
    expect(existsSync(join(dir, 'server/dist/migrate.js'))).toBe(true);
    expect(existsSync(join(dir, 'widget/dist/appointease-booking.js'))).toBe(true);
  });

  it('migrates with nothing but DATABASE_URL (npm run migrate)', () => {
    const r = spawnSync('npm', ['run', '--silent', 'migrate'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', DATABASE_URL: db.url },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^Created \(\d+ tables\):\n {2}wp_appointments$/m);
  });

  it('serves with npm start, and a SIGTERM to that PID stops everything it started', async () => {
    const port = await freePort();
    const child = spawn('npm', ['start'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: db.url,
        REDIS_KEY_PREFIX: prefix,
        APPOINTEASE_SECRET: randomBytes(32).toString('hex'),
        MAIL_TRANSPORT: 'smtp://127.0.0.1:2525',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let health: Response | undefined;
    for (let i = 0; i < 150 && !health; i++) {
      health = await fetch(`http://127.0.0.1:${port}/appointease/v1/health`).catch(() => undefined);
      if (!health) await new Promise((r) => setTimeout(r, 200));
    }
    expect(health?.status, out).toBe(200);
    // NODE_ENV=production runs one worker per core (WORKERS): each names itself host:port/wN.
    expect(await health!.json()).toMatchObject({ status: 'ok', instance: expect.stringMatching(new RegExp(`:${port}(/w\\d+)?$`)) });
    expect((await fetch(`http://127.0.0.1:${port}/appointease/v1/widget.js`)).status).toBe(200);
    // The processes of this install: npm and the built server, no compiler.
    const running = processesIn(dir).map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim());
    expect(running).toContain('node --max-semi-space-size=4 --heap-growing-percent=50 server/dist/index.js');
    expect(running.join('\n')).not.toMatch(/tsx|esbuild/);
    expect(out).not.toMatch(/older than server\/src/);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Nothing of this install is still running, and the port is free again.
    await new Promise((r) => setTimeout(r, 300));
    const left = processesIn(dir);
    expect(left).toEqual([]);
    expect(await fetch(`http://127.0.0.1:${port}/appointease/v1/health`).catch(() => 'refused')).toBe('refused');
    expect(out).toContain('shutting down');
  }, 60_000);
});

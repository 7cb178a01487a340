import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, freePort, uniquePrefix, type TestDatabase } from '../helpers/services';

const ROOT = new URL('../../', import.meta.url);
/** What `npm start` runs (server/dist, built by `npm ci` and by `npm test`'s pretest step). */
const BUILT = new URL('../../server/dist/index.js', import.meta.url).pathname;
const BUILT_MIGRATE = new URL('../../server/dist/migrate.js', import.meta.url).pathname;

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [BUILT], { cwd: ROOT, env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

/** `npm start` as a process: no build step, one-line config errors, graceful shutdown. */
describe('the sidecar process', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error('server/dist is missing: run `npm run build:server` (npm test does it first)');
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('stops with one line naming the variable on a bad value', async () => {
    const p = run({ NODE_ENV: 'test', LOCK_TTL_SECONDS: 'soon' });
    expect(await p.exited).toBe(1);
    expect(p.output().trim()).toMatch(/^Invalid LOCK_TTL_SECONDS: [^\n]+$/);
  });

  it('refuses to start in production without a secret', async () => {
    const p = run({ NODE_ENV: 'production', MAIL_TRANSPORT: 'smtp://127.0.0.1:2525' });
    expect(await p.exited).toBe(1);
    expect(p.output().trim()).toMatch(/^Invalid APPOINTEASE_SECRET: /);
  });

  it('migrates with only DATABASE_URL: no secret, and mail settings it never uses are not checked', async () => {
    const child = spawn(process.execPath, [BUILT_MIGRATE], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, NODE_ENV: 'production', MAIL_TRANSPORT: 'log', PORT: 'not-a-port', DATABASE_URL: db.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/Schema is up to date|created table/);
  });

  it('serves, then shuts down cleanly on SIGTERM', async () => {
    const port = await freePort();
    const p = run({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(port),
      DATABASE_URL: db.url,
      REDIS_KEY_PREFIX: uniquePrefix(),
      APPOINTEASE_SECRET: 'x'.repeat(40),
      // A typo and a name that is not ours: the sidecar says so at start.
      REDIS_URl: 'redis://127.0.0.1:6399',
      APPOINTEASE_SIDECAR_URL: 'https://example.com',
    });
    const deadline = Date.now() + 15_000;
    let health: Response | undefined;
    while (Date.now() < deadline) {
      try {
        health = await fetch(`http://127.0.0.1:${port}/appointease/v1/health`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(health?.status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('shutting down');
    expect(p.output()).not.toMatch(/older than server\/src/);
    const lines = p.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'REDIS_URl is not a setting AppointEase knows: did you mean REDIS_URL? (it is ignored)' }));
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'APPOINTEASE_SIDECAR_URL is not a setting AppointEase knows (it is ignored)' }),
    );
  });
});

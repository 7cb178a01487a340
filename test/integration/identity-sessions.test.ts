import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStore } from '../../server/src/stores/session-store';
import { createTestDatabase, startPrivateRedis, uniquePrefix, type PrivateRedis, type TestDatabase } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Sessions across Redis outages, with a private redis-server that the test
 * kills and restarts, and two sidecar instances sharing MySQL and Redis.
 */
describe('customer sessions across Redis outages', () => {
  let redis: PrivateRedis;
  let db: TestDatabase;
  let prefix: string;
  let a: TestSidecar;
  let b: TestSidecar;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    db = await createTestDatabase();
    prefix = uniquePrefix();
    const env = { REDIS_URL: redis.url };
    a = await startSidecar({ env, db, prefix });
    b = await startSidecar({ env, db, prefix });
  });
  afterAll(async () => {
    await a?.stop().catch(() => {});
    await b?.stop();
    await redis?.stop();
    await db?.drop();
  });

  const bothUp = () => until(() => a.deps.guard.up && b.deps.guard.up, 'both breakers closed');
  const bothDown = () => until(() => a.deps.guard.state === 'down' && b.deps.guard.state === 'down', 'both breakers open');

  it('a session opened while Redis is down keeps working after Redis returns', async () => {
    await redis.stop();
    await bothDown();
    const { token } = await a.deps.sessions.create('outage@example.com');
    expect(await b.deps.sessions.get(token)).toMatchObject({ email: 'outage@example.com' });

    await redis.start();
    await bothUp();
    // Redis has never heard of it; MySQL has. (Before the fix this logged the customer out.)
    expect(await a.deps.sessions.get(token)).toMatchObject({ email: 'outage@example.com' });
    expect((await a.api('/session', { token })).status).toBe(200);
    expect((await b.api('/session', { token })).status).toBe(200);
  });

  it('a revocation made during an outage holds on every instance after recovery, even if the revoking instance is gone', async () => {
    const { token } = await a.deps.sessions.create('revoked@example.com');
    expect((await b.api('/session', { token })).status).toBe(200); // served from Redis
    const key = `${prefix}session:${SessionStore.hash(token)}`;
    const admin = new Redis(redis.url);
    expect(await admin.exists(key)).toBe(1);

    // An unresponsive Redis that keeps its data (a partition, a stalled server): commands time out.
    const pid = Number(/process_id:(\d+)/.exec(await admin.info('server'))![1]);
    process.kill(pid, 'SIGSTOP');
    try {
      expect((await a.api('/session', { token, method: 'DELETE' })).status).toBe(204);
      expect((await a.api('/session', { token })).status).toBe(401);
      expect((await b.api('/session', { token })).status).toBe(401);
      await bothDown();
      await a.stop(); // its in-memory list of pending revocations dies with it
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // The key is still in Redis; b, on recovery, replays the tombstone a left in MySQL.
    await until(() => b.deps.guard.up, 'b breaker closed');
    // No window: the very first read after recovery waits for the replay instead of serving the stale key.
    expect((await b.api('/session', { token })).status).toBe(401);
    expect(await admin.exists(key)).toBe(0);
    // The tombstone goes only after the Redis key is gone; give that last query a moment.
    const tombstones = async () => Number((await db.pool.query<any[]>('SELECT COUNT(*) AS n FROM wp_appointease_sessions WHERE token_hash = ?', [SessionStore.hash(token)]))[0][0].n);
    await until(async () => (await tombstones()) === 0, 'tombstone removed');
    admin.disconnect();
  });
});

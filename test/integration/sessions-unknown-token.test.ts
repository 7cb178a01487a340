import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, deletePrefix, startPrivateRedis, uniquePrefix, type PrivateRedis, type TestDatabase } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { startCuttableProxy, type CuttableProxy } from '../helpers/redis-proxy';
import { sleep, until } from '../helpers/ws-client';

/**
 * CONTRACT §11: a random, unknown session token costs no MySQL query while
 * Redis is up; sessions Redis lacks (written during an outage, lost with a
 * Redis restart or flush) keep working, and once Redis has them back random
 * tokens are free again. Two instances, their own redis-server; instance a
 * reaches it through a proxy the test can cut, so a can be in an outage while
 * b is not.
 */

/** Counts this instance's MySQL queries on the sessions table: token look-ups and the rest. */
function countSessionQueries(s: TestSidecar) {
  const counts = { lookups: 0, watermark: 0 };
  const pool = s.deps.pool;
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: unknown }).query = (sql: unknown, ...rest: unknown[]) => {
    const text = typeof sql === 'string' ? sql : String((sql as { sql?: string })?.sql ?? '');
    if (/appointease_sessions/.test(text) && /WHERE token_hash = \?/.test(text) && /^\s*SELECT/i.test(text)) counts.lookups++;
    if (/appointease_sessions/.test(text) && /MAX\(expires_at_ms\)/.test(text)) counts.watermark++;
    return query(sql, ...rest);
  };
  return {
    counts,
    reset() {
      counts.lookups = 0;
      counts.watermark = 0;
    },
  };
}

describe('unknown session tokens and sessions Redis lacks (private redis-server)', () => {
  let redis: PrivateRedis;
  let proxy: CuttableProxy;
  let admin: Redis;
  let db: TestDatabase;
  let prefix: string;
  let a: TestSidecar;
  let b: TestSidecar;
  let aQueries: ReturnType<typeof countSessionQueries>;
  let bQueries: ReturnType<typeof countSessionQueries>;

  const randomToken = () => randomBytes(32).toString('base64url');
  const me = (s: TestSidecar, token: string) => s.api('/session', { token });
  const marker = () => admin.get(`${prefix}sessions-copied`);
  const redisLessRows = async () => Number((await db.pool.query<any[]>('SELECT COUNT(*) AS n FROM wp_appointease_sessions WHERE in_redis = 0 AND expires_at_ms > 0'))[0][0].n);

  /** Many random tokens at once on the customer routes; every one must be 401. */
  async function flood(s: TestSidecar, n: number): Promise<number> {
    const started = performance.now();
    for (let i = 0; i < n; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, n - i) }, async (_, j) => {
          const res = await s.api(j % 2 ? '/session' : '/appointments', { token: randomToken() });
          await res.arrayBuffer();
          return res.status;
        }),
      );
      expect(batch.every((x) => x === 401)).toBe(true);
    }
    return (performance.now() - started) / 1000;
  }

  beforeAll(async () => {
    redis = await startPrivateRedis();
    proxy = await startCuttableProxy(redis.port);
    admin = new Redis(redis.url);
    admin.on('error', () => {}); // the test restarts this Redis
    db = await createTestDatabase();
    prefix = uniquePrefix();
    // A generous command timeout: on a busy test machine a slow answer must not pass for an outage here.
    a = await startSidecar({ env: { REDIS_URL: proxy.url, REDIS_COMMAND_TIMEOUT_MS: '3000' }, db, prefix });
    b = await startSidecar({ env: { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '3000' }, db, prefix });
    aQueries = countSessionQueries(a);
    bQueries = countSessionQueries(b);
  });
  afterAll(async () => {
    admin?.disconnect();
    await a?.stop();
    await b?.stop();
    await proxy?.close();
    await redis?.stop();
    await db?.drop();
  });

  it('while Redis is up a random token costs no MySQL look-up (at most one watermark read a second)', async () => {
    await until(async () => (await marker()) !== null, 5_000); // the start-up copy is done
    const known = await b.deps.sessions.create('known@example.com');
    expect((await me(a, known.token)).status).toBe(200);
    aQueries.reset();
    bQueries.reset();
    const seconds = (await flood(a, 300)) + (await flood(b, 300));
    expect(aQueries.counts.lookups + bQueries.counts.lookups).toBe(0);
    expect(aQueries.counts.watermark + bQueries.counts.watermark).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    expect((await me(a, known.token)).status).toBe(200);
  });

  it("a session written during one instance's outage works there at once and on the other within a second; then tokens are free again", async () => {
    proxy.cut();
    await until(() => a.deps.guard.state === 'down', 5_000);
    expect(b.deps.guard.up).toBe(true);
    const written = await a.deps.sessions.create('during@example.com');
    expect((await me(a, written.token)).status).toBe(200);
    expect(await redisLessRows()).toBe(1);
    await sleep(1_100); // b's watermark is at most a second old
    expect((await me(b, written.token)).status).toBe(200);

    // While such a session may live, b must ask MySQL on a miss: that is the price of the outage.
    bQueries.reset();
    await flood(b, 20);
    expect(bQueries.counts.lookups).toBe(20);

    proxy.restore();
    await until(() => a.deps.guard.up, 5_000);
    await until(async () => (await redisLessRows()) === 0, 5_000); // a copied it to Redis on recovery
    expect(await admin.exists(`${prefix}session:${createHashHex(written.token)}`)).toBe(1);
    await sleep(1_100);
    bQueries.reset();
    aQueries.reset();
    await flood(b, 100);
    await flood(a, 100);
    expect(aQueries.counts.lookups + bQueries.counts.lookups).toBe(0);
    expect((await me(b, written.token)).status).toBe(200);
  });

  it('Redis restarted without its data: every session keeps working, and random tokens are free again once it has them back', async () => {
    const sessions = [await a.deps.sessions.create('one@example.com'), await b.deps.sessions.create('two@example.com')];
    await redis.stop();
    await until(() => a.deps.guard.state === 'down' && b.deps.guard.state === 'down', 5_000);
    await redis.start(); // empty: no persistence
    await until(() => a.deps.guard.up && b.deps.guard.up, 5_000);
    for (const s of [a, b]) for (const { token } of sessions) expect((await me(s, token)).status).toBe(200);
    await until(async () => (await marker()) !== null, 5_000);
    for (const { token } of sessions) expect(await admin.exists(`${prefix}session:${createHashHex(token)}`)).toBe(1);
    await sleep(1_100);
    aQueries.reset();
    await flood(a, 100);
    expect(aQueries.counts.lookups).toBe(0);
  });

  it('keys flushed under a running Redis: a miss goes to MySQL until the copy is back', async () => {
    const kept = await b.deps.sessions.create('flushed@example.com');
    await deletePrefix(prefix, redis.url);
    expect((await me(a, kept.token)).status).toBe(200); // the marker is gone: MySQL answers, and a copy starts
    await until(async () => (await marker()) !== null, 5_000);
    expect(await admin.exists(`${prefix}session:${createHashHex(kept.token)}`)).toBe(1);
    aQueries.reset();
    await flood(a, 50);
    expect(aQueries.counts.lookups).toBe(0);
  });

  it('a revocation racing the copy never brings the session back', async () => {
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => b.deps.sessions.create(`race${i}@example.com`)));
    await deletePrefix(prefix, redis.url); // the next miss starts a full copy…
    const copy = me(a, randomToken());
    await Promise.all(many.slice(0, 20).map(({ token }) => a.api('/session', { method: 'DELETE', token }))); // …while these are revoked
    await copy;
    await until(async () => (await marker()) !== null, 5_000);
    for (const { token } of many.slice(0, 20)) {
      expect((await me(a, token)).status).toBe(401);
      expect((await me(b, token)).status).toBe(401);
      expect(await admin.exists(`${prefix}session:${createHashHex(token)}`)).toBe(0);
    }
    for (const { token } of many.slice(20)) expect((await me(b, token)).status).toBe(200);
  });
});

function createHashHex(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

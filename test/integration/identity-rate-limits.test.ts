import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/** The rate counter on its own, on Redis (Lua) and on the MySQL twin (upsert): atomic under concurrency, windows that end. */
describe.each(['redis', 'mysql'] as const)('rate limiter on %s', (store) => {
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startSidecar({ env: store === 'mysql' ? { REDIS_ENABLED: 'false' } : {} });
  });
  afterAll(() => s?.stop());

  it('counts concurrent hits exactly once each', async () => {
    const hits = await Promise.all(Array.from({ length: 40 }, () => s.deps.rates.hit('test', 'burst', 10, 60)));
    expect(hits.map((h) => h.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(hits.filter((h) => h.allowed)).toHaveLength(10);
    for (const h of hits) expect(h.retryAfterSeconds).toBeGreaterThanOrEqual(59);
  });

  it('starts a new window once the old one has ended', async () => {
    const first = await s.deps.rates.hit('test', 'window', 1, 1);
    const second = await s.deps.rates.hit('test', 'window', 1, 1);
    expect([first.allowed, second.allowed]).toEqual([true, false]);
    expect(second.retryAfterSeconds).toBe(1);
    await new Promise((r) => setTimeout(r, 1_100));
    const third = await s.deps.rates.hit('test', 'window', 1, 1);
    expect(third).toMatchObject({ count: 1, allowed: true });
  });

  if (store === 'redis') {
    it('heals a counter left without an expiry (the blueprint’s INCR-then-EXPIRE leak)', async () => {
      const r = new Redis(s.config.redis.url);
      const key = `${s.prefix}rate:test:leaked`;
      await r.set(key, '7');
      const hit = await s.deps.rates.hit('test', 'leaked', 3, 30);
      expect(hit).toMatchObject({ count: 8, allowed: false });
      const ttl = await r.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
      r.disconnect();
    });
  }
});

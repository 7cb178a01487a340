import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { budgetSeed } from '../../server/src/redis/scripts';
import { startCuttableProxy, type CuttableProxy } from '../helpers/redis-proxy';
import { deletePrefix, REDIS_URL, startPrivateRedis, uniquePrefix, type PrivateRedis } from '../helpers/services';
import { startSidecar, startSidecarPair, type SidecarPair, type TestSidecar } from '../helpers/sidecar';
import { until } from '../helpers/ws-client';

/**
 * Where the guessing budgets (CONTRACT §11: 10 failures per address per 24 h,
 * 30 per client per hour) live: in Redis while it is up, so a sign-in costs
 * the rate table nothing, with every failure in MySQL too, so losing Redis's
 * keys, a Redis restart or an outage never hands out a fresh budget
 * (stores/budget-counters.ts). identity-budgets.test.ts covers the budgets'
 * rules on each store; this file what each store is asked and what survives.
 */
const RATE_TABLE = /appointease_rate_limits/;
let seq = 0;
const ip = () => {
  seq++;
  return `10.77.${Math.floor(seq / 250) % 250}.${seq % 250}`;
};
const address = (tag: string) => `${tag}-${++seq}-${randomBytes(3).toString('hex')}@example.com`;
const sha = (email: string) => createHash('sha256').update(email).digest('hex');

function client(s: TestSidecar) {
  const verify = (email: string, code: string, from = ip()) =>
    s.api('/otp/verify', { method: 'POST', json: { email, code }, headers: { 'X-Forwarded-For': from } });
  /** A live code for the address, stored directly (no mail needed). */
  const codeFor = async (email: string) => {
    const code = String(100_000 + (seq++ % 800_000));
    await s.deps.codes.issue(email, s.deps.identity.codeHash(email, code), 600_000);
    return code;
  };
  /** `n` wrong guesses, one at a time, each from another client unless `from` is given: all must be counted failures. */
  const fail = async (email: string, n: number, from?: string) => {
    for (let i = 0; i < n; i++) expect((await verify(email, '000000', from)).status).toBe(401);
  };
  /** The rate table's statements while `work` runs (the sidecar's own pool, wrapped). */
  const rateStatements = async (work: () => Promise<void>): Promise<string[]> => {
    const pool = s.deps.pool as unknown as { query: (...a: unknown[]) => Promise<unknown> };
    const query = pool.query;
    const seen: string[] = [];
    pool.query = (...a: unknown[]) => {
      const sql = typeof a[0] === 'string' ? a[0] : String((a[0] as { sql?: string }).sql);
      if (RATE_TABLE.test(sql)) seen.push(sql);
      return query.apply(pool, a);
    };
    try {
      await work();
    } finally {
      pool.query = query;
    }
    return seen;
  };
  const mysqlHits = async (email: string) => {
    const [rows] = await s.db.pool.query<any[]>('SELECT hits FROM wp_appointease_rate_limits WHERE rate_key = ?', [`${s.prefix}rate:otp-verify:${sha(email)}`]);
    return rows.map((r) => Number(r.hits));
  };
  return { verify, codeFor, fail, rateStatements, mysqlHits };
}

async function expectBudgetRefusal(res: Response, windowSeconds = 24 * 3600) {
  expect(res.status).toBe(429);
  expect((await res.json()).error.code).toBe('too_many_attempts');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(windowSeconds - 120);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

describe.each(['redis', 'redis-disabled'] as const)('guessing budgets: what each verification costs and what survives (%s)', (mode) => {
  let s: TestSidecar;
  let c: ReturnType<typeof client>;

  beforeAll(async () => {
    s = await startSidecar({ env: { TRUST_PROXY: 'true', ...(mode === 'redis-disabled' ? { REDIS_ENABLED: 'false' } : {}) } });
    c = client(s);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it(
    mode === 'redis'
      ? 'a successful verification sends no statement to the rate table; a failure one'
      : 'with Redis off the budgets are counted in MySQL as before',
    async () => {
      const email = address('regular');
      const code = await c.codeFor(email);
      const success = await c.rateStatements(async () => {
        expect((await c.verify(email, code)).status).toBe(200);
      });
      if (mode === 'redis') {
        expect(success).toEqual([]);
        // The first failure of a window creates the rows; after that a failure is one statement (both counters at once).
        const from = ip();
        await c.fail(email, 1, from);
        const failure = await c.rateStatements(() => c.fail(email, 1, from));
        expect(failure).toHaveLength(1);
        expect(await c.mysqlHits(email)).toEqual([2]);
        // And a success after failures still costs MySQL nothing.
        const again = await c.codeFor(email);
        expect(await c.rateStatements(async () => void expect((await c.verify(email, again)).status).toBe(200))).toEqual([]);
        expect(await c.mysqlHits(email)).toEqual([2]);
      } else {
        // Reserved in both counters (an UPDATE each, an INSERT for a first hit), then given back in one statement.
        expect(success.length).toBeGreaterThanOrEqual(3);
        expect(success.at(-1)).toMatch(/SET hits = hits - 1/);
        expect(await c.mysqlHits(email)).toEqual([0]);
      }
    },
  );

  it('10 failures, then Redis loses every key of the site: the 11th guess and even the right code are refused', async () => {
    const email = address('flushed');
    await c.fail(email, 10);
    if (mode === 'redis') {
      await deletePrefix(s.prefix);
      const redis = s.deps.redis!;
      expect(await redis.exists(s.deps.keys.budgetsCopied(), s.deps.keys.rate('otp-verify', sha(email)))).toBe(0);
    }
    await expectBudgetRefusal(await c.verify(email, '000000'));
    await expectBudgetRefusal(await c.verify(email, await c.codeFor(email)));
    if (mode === 'redis') expect(await s.deps.redis!.get(s.deps.keys.rate('otp-verify', sha(email)))).toBe('10');
    // Seeding brought back what MySQL knows, not more: another address with 4 failures has 6 left.
    const other = address('flushed-other');
    await c.fail(other, 4);
    if (mode === 'redis') await deletePrefix(s.prefix);
    await c.fail(other, 6);
    await expectBudgetRefusal(await c.verify(other, '000000'));
  });

  it('20 concurrent wrong guesses on one address get only what is left of its budget', async () => {
    const email = address('swarm');
    await c.fail(email, 4);
    const statuses = (await Promise.all(Array.from({ length: 20 }, (_, i) => c.verify(email, String(i + 1).padStart(6, '0'))))).map((r) => r.status);
    expect(statuses.filter((x) => x === 401)).toHaveLength(6);
    expect(statuses.filter((x) => x === 429)).toHaveLength(14);
    if (mode === 'redis') {
      // Both stores hold the 10 failures: the refusals counted nowhere.
      expect(await s.deps.redis!.get(s.deps.keys.rate('otp-verify', sha(email)))).toBe('10');
      expect(await c.mysqlHits(email)).toEqual([10]);
    }
  });
});

describe('guessing budgets across Redis outages', () => {
  let privateRedis: PrivateRedis | undefined;
  let proxy: CuttableProxy | undefined;
  let s: TestSidecar | undefined;
  let pair: SidecarPair | undefined;

  afterEach(async () => {
    await s?.stop();
    await pair?.stop();
    await privateRedis?.stop();
    await proxy?.close();
    s = pair = privateRedis = proxy = undefined;
  });

  it('Redis killed and restarted empty: failures before, during and after the outage together stop at 10', async () => {
    privateRedis = await startPrivateRedis();
    s = await startSidecar({ env: { TRUST_PROXY: 'true', REDIS_URL: privateRedis.url } });
    const c = client(s);
    const email = address('restart');
    await c.fail(email, 3);
    await privateRedis.stop();
    await c.verify(address('trip'), '000000'); // the breaker opens on the first failed command
    await until(() => s!.deps.guard.state === 'down', 5_000);
    await c.fail(email, 4); // counted by MySQL alone
    await privateRedis.start();
    await until(() => s!.deps.guard.up, 5_000);
    await c.fail(email, 3);
    await expectBudgetRefusal(await c.verify(email, '000000'));
    await expectBudgetRefusal(await c.verify(email, await c.codeFor(email)));
  });

  it('Redis unreachable but keeping its keys: the failures MySQL counted meanwhile are merged in when it answers again', async () => {
    proxy = await startCuttableProxy(Number(new URL(REDIS_URL).port || 6379));
    s = await startSidecar({ env: { TRUST_PROXY: 'true', REDIS_URL: proxy.url } });
    const c = client(s);
    const email = address('partition');
    await c.fail(email, 3);
    proxy.cut();
    await until(() => s!.deps.guard.state === 'down', 5_000);
    await c.fail(email, 4);
    proxy.restore();
    await until(() => s!.deps.guard.up, 5_000);
    // Redis still says 3 and still holds its "copied" key: only the breaker's recovery tells this instance to merge.
    await c.fail(email, 3);
    await expectBudgetRefusal(await c.verify(email, '000000'));
    expect(await c.mysqlHits(email)).toEqual([10]);
  });

  it('two instances seeding at once after a flush keep the cap, and neither counts a failure twice', async () => {
    pair = await startSidecarPair({ TRUST_PROXY: 'true' });
    const [a, b] = [client(pair.a), client(pair.b)];
    const email = address('pair');
    await a.fail(email, 3);
    await b.fail(email, 3);
    await deletePrefix(pair.prefix);
    const statuses = (await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).verify(email, String(i + 1).padStart(6, '0'))))).map(
      (r) => r.status,
    );
    expect(statuses.filter((x) => x === 401)).toHaveLength(4);
    expect(statuses.filter((x) => x === 429)).toHaveLength(8);
    expect(await a.mysqlHits(email)).toEqual([10]);
  });

  it('after a flush, "not seeded" answers that arrive one by one (a loaded process) neither undo the seed nor send guesses to MySQL: the cap holds', async () => {
    s = await startSidecar({ env: { TRUST_PROXY: 'true' } });
    const c = client(s);
    const email = address('staggered');
    await c.fail(email, 6);
    await deletePrefix(s.prefix);
    // The first twelve Redis answers (the guesses' reservations, all sent before any seed) reach the
    // process 15 ms apart, as on a loaded machine; the seed and everything after answer at once.
    const guard = s.deps.guard;
    const tryRedis = guard.tryRedis.bind(guard);
    let calls = 0;
    guard.tryRedis = (async (op: Parameters<typeof tryRedis>[0]) => {
      const k = calls++;
      const value = await tryRedis(op);
      if (k > 0 && k < 12) await new Promise((r) => setTimeout(r, 15 * k));
      return value;
    }) as typeof guard.tryRedis;
    const fallbacks = async () => (await s!.deps.metrics.fallbackOperations.get()).values.filter((v) => v.labels.duty === 'verify_budget').reduce((n, v) => n + v.value, 0);
    const before = await fallbacks();
    const statuses = (await Promise.all(Array.from({ length: 12 }, (_, i) => c.verify(email, String(i + 1).padStart(6, '0'))))).map((r) => r.status);
    guard.tryRedis = tryRedis;
    expect(statuses.filter((x) => x === 401)).toHaveLength(4);
    expect(statuses.filter((x) => x === 429)).toHaveLength(8);
    expect(await c.mysqlHits(email)).toEqual([10]);
    expect(await fallbacks()).toBe(before);
  });
});

describe('budget-seed.lua', () => {
  const prefix = uniquePrefix();
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  const k = (name: string) => `${prefix}${name}`;
  const seed = (a: { epoch?: string; first?: boolean; last?: boolean; counters: { key: string; hits: number; ttlMs: number }[] }) =>
    budgetSeed(redis, {
      copiedMarker: k('copied'),
      copyEpoch: k('epoch'),
      epoch: a.epoch ?? 'e1',
      first: a.first ?? true,
      last: a.last ?? true,
      counters: a.counters,
    });

  beforeAll(() => redis.connect());
  afterAll(async () => {
    await deletePrefix(prefix);
    redis.disconnect();
  });

  it('keeps the larger count and the later window end; repeating it changes nothing', async () => {
    await redis.set(k('higher'), '7', 'PX', 60_000);
    await redis.set(k('lower'), '2', 'PX', 60_000);
    const counters = [
      { key: k('higher'), hits: 5, ttlMs: 3_600_000 },
      { key: k('lower'), hits: 6, ttlMs: 30_000 },
      { key: k('missing'), hits: 4, ttlMs: 90_000 },
    ];
    for (let i = 0; i < 2; i++) {
      expect(await seed({ counters })).toEqual({ outcome: 'merged', epoch: 'e1' });
      expect(await redis.mget(k('higher'), k('lower'), k('missing'), k('copied'))).toEqual(['7', '6', '4', '1']);
      expect(await redis.pttl(k('higher'))).toBeGreaterThan(3_500_000);
      expect(await redis.pttl(k('lower'))).toBeGreaterThan(50_000);
      expect(await redis.pttl(k('lower'))).toBeLessThanOrEqual(60_000);
      expect(await redis.pttl(k('missing'))).toBeGreaterThan(80_000);
      expect(await redis.pttl(k('copied'))).toBe(-1);
    }
  });

  it('in batches: the marker only after the last, and a flush between batches interrupts the seeding', async () => {
    await redis.del(k('copied'), k('epoch'));
    const first = await seed({ epoch: 'mine', last: false, counters: [{ key: k('a'), hits: 1, ttlMs: 60_000 }] });
    expect(first).toEqual({ outcome: 'merged', epoch: 'mine' });
    expect(await redis.exists(k('copied'))).toBe(0);
    // Another instance seeding at the same time shares the epoch taken first.
    expect(await seed({ epoch: 'theirs', last: false, counters: [] })).toEqual({ outcome: 'merged', epoch: 'mine' });
    await redis.del(k('epoch'), k('a')); // the flush
    expect(await seed({ epoch: 'mine', first: false, counters: [{ key: k('b'), hits: 1, ttlMs: 60_000 }] })).toEqual({ outcome: 'interrupted' });
    expect(await redis.exists(k('copied'), k('b'))).toBe(0);
  });
});

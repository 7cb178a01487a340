import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startCuttableProxy, stallEventLoop, type CuttableProxy } from '../helpers/redis-proxy';
import { startPrivateRedis, type PrivateRedis } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/**
 * A Redis reply that comes later than REDIS_COMMAND_TIMEOUT_MS is an
 * ambiguous outcome: the command may well have run. When this process was
 * the slow one (its event loop stalled: a long synchronous task, a starved
 * CPU) or Redis paused for a moment, the breaker must not open, or the MySQL
 * fallback grants a second hold on a time Redis already gave away and the
 * holds granted in Redis look missing to bookings. Only a Redis that does not
 * answer the probe either is an outage; then the fallback still answers
 * within a second.
 *
 * The sidecar talks to its own redis-server through a TCP proxy that can
 * hold replies back; the proxy runs in this process, so stalling it at the
 * moment a lock script goes through stalls the sidecar with its commands in
 * flight.
 */
describe('Redis replies later than the command timeout (private redis-server behind a proxy)', () => {
  let redis: PrivateRedis;
  let proxy: CuttableProxy;
  let s: TestSidecar;
  let svc: number;
  let emp: number;
  let ip = 0;
  let day = 2;

  const hold = (date: string, time: string) =>
    s.api('/locks', { method: 'POST', json: { date, time, employeeId: emp, serviceId: svc }, headers: { 'X-Forwarded-For': `10.9.${Math.floor(++ip / 250) % 250}.${ip % 250}` } });
  const fallbacks = async () => (await s.deps.metrics.fallbackOperations.get()).values.reduce((n, v) => n + v.value, 0);
  const lateReplies = async (outcome: string) => (await s.deps.metrics.redisLateReplies.get()).values.filter((v) => v.labels.outcome === outcome).reduce((n, v) => n + v.value, 0);
  /** Runs `fn` once, the first time a chunk to Redis contains `marker`. */
  const onceCommand = (marker: string, fn: () => void) => {
    let done = false;
    proxy.onCommand((chunk) => {
      if (done || !chunk.includes(marker)) return;
      done = true;
      fn();
    });
  };
  const adminLocks = async (date: string) =>
    ((await (await s.api('/admin/locks', { token: s.adminToken() })).json()).locks as { date: string; time: string; store: string }[]).filter((l) => l.date === date);

  beforeAll(async () => {
    redis = await startPrivateRedis();
    proxy = await startCuttableProxy(redis.port);
    // The default command timeout (300 ms): what production runs with.
    s = await startSidecar({ env: { REDIS_URL: proxy.url, TRUST_PROXY: 'true', MAX_LOCKS_PER_CLIENT: '1000' } });
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '20:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
  });
  afterAll(async () => {
    await s?.stop();
    await proxy?.close();
    await redis?.stop();
  });
  beforeEach(async () => {
    proxy.onCommand(undefined);
    // Each case starts on Redis (a failed case before may have left the breaker open).
    const deadline = Date.now() + 8_000;
    while (s.deps.guard.state !== 'up' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(s.deps.guard.state).toBe('up');
  });

  it.each([
    ['this process stalls 1 s', () => stallEventLoop(1_000)],
    ['Redis answers 450 ms late', () => proxy.holdReplies(450)],
  ])('a held time, then 100 more holds on it in flight while %s: all refused, the breaker stays closed', async (_what, slowDown) => {
    const date = daysFromNow(day++);
    // A viewed day, as before a real hold (the hold then costs one script call).
    expect((await s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc}`)).status).toBe(200);
    expect((await hold(date, '10:00')).status).toBe(201);
    const before = await fallbacks();
    const answeredBefore = await lateReplies('redis_answered');
    onceCommand('locks:days', slowDown);
    const results = await Promise.all(Array.from({ length: 100 }, () => hold(date, '10:00')));
    // And those that come just after. (With the breaker open, MySQL — which cannot see Redis's hold — granted the time a second time.)
    results.push(...(await Promise.all(Array.from({ length: 20 }, () => hold(date, '10:00')))));
    expect(results.map((r) => r.status).filter((c) => c !== 409)).toEqual([]);
    expect(s.deps.guard.state).toBe('up');
    expect(await fallbacks()).toBe(before);
    // The slow-down did make replies late (else this test proves nothing).
    expect(await lateReplies('redis_answered')).toBeGreaterThan(answeredBefore);
    const locks = await adminLocks(date);
    expect(locks.map((l) => [l.time, l.store])).toEqual([['10:00', 'redis']]);
  });

  it('100 holds on one free time in flight while this process stalls 1 s: exactly one 201', async () => {
    const date = daysFromNow(day++);
    expect((await s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc}`)).status).toBe(200);
    onceCommand('locks:days', () => stallEventLoop(1_000));
    const results = await Promise.all(Array.from({ length: 100 }, () => hold(date, '11:00')));
    results.push(...(await Promise.all(Array.from({ length: 20 }, () => hold(date, '11:00')))));
    const codes = results.map((r) => r.status);
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(119);
    expect(s.deps.guard.state).toBe('up');
    // The winner's hold is the one in Redis (not an orphan beside a second one in MySQL).
    const winner = await results.find((r) => r.status === 201)!.json();
    const locks = await adminLocks(date);
    expect(locks.map((l) => [l.time, l.store])).toEqual([['11:00', 'redis']]);
    expect((await s.api('/locks', { method: 'DELETE', json: { date, time: '11:00', employeeId: emp, lockToken: winner.lockToken } })).status).toBe(204);
  });

  it('bookings whose hold check is in flight while this process stalls: every one books (no lock_invalid)', async () => {
    const date = daysFromNow(day++);
    const times = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00', '13:30'];
    const held = await Promise.all(times.map(async (time) => ({ time, token: (await (await hold(date, time)).json()).lockToken as string })));
    const sessions = await Promise.all(times.map((_, i) => s.deps.sessions.create(`late-${i}@example.com`)));
    // The booking's first Redis command is its hold check (GET of the hold's cell).
    onceCommand(`slot:${date}`, () => stallEventLoop(1_000));
    const results = await Promise.all(
      held.map(({ time, token }, i) =>
        s.api('/appointments', { method: 'POST', token: sessions[i]!.token, json: { lockToken: token, date, time, employeeId: emp, serviceId: svc, name: `Late ${i}` } }),
      ),
    );
    const bodies = await Promise.all(results.map(async (r) => `${r.status} ${r.status === 201 ? '' : (await r.json()).error.code}`));
    expect(bodies).toEqual(times.map(() => '201 '));
    expect(s.deps.guard.state).toBe('up');
  });

  it('a release whose reply comes late is still a release (204, announced), not 404', async () => {
    const date = daysFromNow(day++);
    const { lockToken } = await (await hold(date, '15:00')).json();
    const announced: string[] = [];
    const off = s.deps.hub.onEvent((e) => {
      if (e.date === date) announced.push(`${e.type} ${e.time}`);
    });
    // The release script is what runs late (its reply held past the timeout): the release has happened when the sidecar asks again.
    onceCommand('locks:days', () => proxy.holdReplies(450));
    const res = await s.api('/locks', { method: 'DELETE', json: { date, time: '15:00', employeeId: emp, lockToken } });
    off();
    expect(res.status).toBe(204);
    expect(announced).toEqual(['slot_unlocked 15:00']);
    expect(await adminLocks(date)).toEqual([]);
    expect(s.deps.guard.state).toBe('up');
  });

  it('a wrong code whose budget reply comes late is counted once, not twice (the retry finds its own reservation)', async () => {
    const email = `late-${Date.now()}@example.com`;
    const sha = createHash('sha256').update(email).digest('hex');
    await s.deps.codes.issue(email, s.deps.identity.codeHash(email, '123456'), 600_000);
    const verify = (code: string) => s.api('/otp/verify', { method: 'POST', json: { email, code }, headers: { 'X-Forwarded-For': `10.8.${++ip % 250}.1` } });
    // One ordinary wrong guess first: seeded, counted once.
    expect((await verify('000000')).status).toBe(401);
    const answeredBefore = await lateReplies('redis_answered');
    // The reservation script's reply is held past the timeout: it has run when the sidecar asks again.
    onceCommand(`rate:otp-verify:${sha}`, () => proxy.holdReplies(450));
    expect((await verify('000001')).status).toBe(401);
    expect(await lateReplies('redis_answered')).toBeGreaterThan(answeredBefore);
    expect(s.deps.guard.state).toBe('up');
    // Two failures, in both stores: Redis decided, MySQL recorded.
    expect(await s.deps.redis!.get(s.deps.keys.rate('otp-verify', sha))).toBe('2');
    const [rows] = await s.db.pool.query<any[]>('SELECT hits FROM wp_appointease_rate_limits WHERE rate_key = ?', [s.deps.keys.rate('otp-verify', sha)]);
    expect(rows.map((r) => Number(r.hits))).toEqual([2]);
  });

  it('a Redis that stays silent is an outage: the hold is answered from MySQL before Redis answers', async () => {
    const date = daysFromNow(day++);
    expect((await s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc}`)).status).toBe(200);
    onceCommand('locks:days', () => proxy.holdReplies(3_000));
    const started = performance.now();
    const res = await hold(date, '16:00');
    const ms = performance.now() - started;
    expect(res.status).toBe(201);
    // Long before the held replies arrive (3 s): two command timeouts, then MySQL (typically < 1 s).
    expect(ms).toBeLessThan(2_000);
    expect(s.deps.guard.state).toBe('down');
    expect(await lateReplies('outage')).toBeGreaterThan(0);
    // Redis answers again: the breaker closes, and the time held in MySQL stays held.
    const deadline = Date.now() + 8_000;
    while (s.deps.guard.state !== 'up') {
      if (Date.now() > deadline) throw new Error('breaker did not close');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await hold(date, '16:00')).status).toBe(409);
  });
});

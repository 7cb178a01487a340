import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { captureLogs, type LogCapture } from '../helpers/logs';
import { freePort, startPrivateRedis, type PrivateRedis } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { until } from '../helpers/ws-client';

/**
 * The breaker trusts only real outages (its own redis-server, which this test
 * turns into a replica and back): a replica's READONLY and a cut-off
 * replica's MASTERDOWN move the work to MySQL, as a Sentinel failover needs;
 * a bug in our own Redis code (a wrong type, a corrupt value, an error raised
 * inside our Lua) is a 500 with a log line and Redis stays in use.
 */
describe('the Redis breaker opens only on real outages (private redis-server)', () => {
  let redis: PrivateRedis;
  let admin: Redis;
  let s: TestSidecar;
  let logs: LogCapture;
  let svc: number;
  let emp: number;
  let ipSeq = 0;
  const nextIp = () => `203.0.113.${++ipSeq}`;

  const hold = (date: string, time: string, ip = nextIp()) =>
    s.api('/locks', { method: 'POST', json: { date, time, employeeId: emp, serviceId: svc }, headers: { 'X-Forwarded-For': ip } });
  const fallbacks = async () => (await s.deps.metrics.fallbackOperations.get()).values.reduce((n, v) => n + v.value, 0);
  const storeOf = async (date: string, time: string) => {
    const { locks } = await (await s.api('/admin/locks', { token: s.adminToken() })).json();
    return (locks as { date: string; time: string; store: string }[]).find((l) => l.date === date && l.time === time)?.store;
  };
  const unhandled = () => logs.lines().filter((l) => l.msg === 'unhandled error');

  beforeAll(async () => {
    redis = await startPrivateRedis();
    admin = new Redis(redis.url);
    logs = captureLogs();
    s = await startSidecar({ env: { REDIS_URL: redis.url, TRUST_PROXY: 'true' }, logs, logLevel: 'info' });
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '20:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
  });
  afterAll(async () => {
    admin?.disconnect();
    await s?.stop();
    await redis?.stop();
  });

  describe('a bug in our Redis code is a 500, not a fallback', () => {
    it('WRONGTYPE raised inside the lock script', async () => {
      const ip = nextIp();
      await admin.set(`${s.prefix}locks:client:${ip}`, 'not a sorted set');
      const before = await fallbacks();
      const res = await hold(daysFromNow(3), '09:00', ip);
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(JSON.parse(body).error.code).toBe('internal_error');
      expect(body).not.toContain('WRONGTYPE');
      expect(s.deps.guard.state).toBe('up');
      expect(await fallbacks()).toBe(before);
      const line = unhandled().at(-1) as { err?: { message?: string }; requestId?: string };
      expect(line?.err?.message).toMatch(/^WRONGTYPE/);
      expect(line.requestId).toBe(res.headers.get('x-request-id'));
    });

    it('a corrupt value our code cannot parse (a SyntaxError in the callback)', async () => {
      const { token } = await s.deps.sessions.create('corrupt@example.com');
      await admin.set(`${s.prefix}session:${createHash('sha256').update(token).digest('hex')}`, '{"email":');
      const before = await fallbacks();
      const res = await s.api('/session', { token });
      expect(res.status).toBe(500);
      expect(s.deps.guard.state).toBe('up');
      expect(await fallbacks()).toBe(before);
      expect((unhandled().at(-1) as { err?: { type?: string } }).err?.type).toBe('SyntaxError');
    });

    it('a counter of the wrong type under the rate-limit script', async () => {
      const ip = nextIp();
      await admin.hset(`${s.prefix}rate:otp-ip:${ip}`, 'x', '1');
      const res = await s.api('/otp', { method: 'POST', json: { email: 'typed@example.com' }, headers: { 'X-Forwarded-For': ip } });
      expect(res.status).toBe(500);
      expect(s.deps.guard.state).toBe('up');
    });

    it('and Redis keeps serving everyone else', async () => {
      const date = daysFromNow(3);
      const res = await hold(date, '10:00');
      expect(res.status).toBe(201);
      expect(await storeOf(date, '10:00')).toBe('redis');
    });
  });

  describe('Redis answering that it cannot serve opens it', () => {
    let nowhere: number;
    beforeAll(async () => {
      nowhere = await freePort(); // nothing listens there: the replica never reaches its primary
    });
    afterAll(async () => {
      await admin.replicaof('NO', 'ONE');
      await admin.config('SET', 'replica-serve-stale-data', 'yes');
    });

    it('READONLY (a demoted primary after a failover): MySQL takes the holds until Redis takes writes again', async () => {
      await until(() => s.deps.guard.up, 5_000);
      await admin.replicaof('127.0.0.1', nowhere);
      const date = daysFromNow(4);
      const started = performance.now();
      const res = await hold(date, '09:00');
      expect(res.status).toBe(201);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(s.deps.guard.state).toBe('down');
      expect(await storeOf(date, '09:00')).toBe('mysql');
      expect(logs.lines().some((l) => l.msg === 'redis breaker opened: switching to MySQL fallback' && String(l.reason).startsWith('READONLY'))).toBe(true);
      // A replica answers PING: the probe writes instead, so the breaker stays open
      // instead of closing and tripping again on every write (flapping through a failover).
      const closedBefore = logs.lines().filter((l) => l.msg === 'redis answered again: breaker closed').length;
      await new Promise((r) => setTimeout(r, 1_500));
      expect(s.deps.guard.state).toBe('down');
      expect(logs.lines().filter((l) => l.msg === 'redis answered again: breaker closed')).toHaveLength(closedBefore);
      expect((await hold(date, '11:00')).status).toBe(201);
      expect(await storeOf(date, '11:00')).toBe('mysql');

      await admin.replicaof('NO', 'ONE');
      await until(() => s.deps.guard.up, 5_000);
      expect((await hold(date, '13:00')).status).toBe(201);
      expect(await storeOf(date, '13:00')).toBe('redis');
    });

    it('MASTERDOWN (a replica cut off from its primary): reads and holds are answered from MySQL', async () => {
      await until(() => s.deps.guard.up, 5_000);
      await admin.config('SET', 'replica-serve-stale-data', 'no');
      await admin.replicaof('127.0.0.1', nowhere);
      const date = daysFromNow(5);
      const day = await s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc}`);
      expect(day.status).toBe(200);
      expect((await day.json()).slots.length).toBeGreaterThan(0);
      expect(s.deps.guard.state).toBe('down');
      expect(logs.lines().some((l) => String(l.reason ?? '').startsWith('MASTERDOWN'))).toBe(true);
      expect((await hold(date, '09:00')).status).toBe(201);
      expect(await storeOf(date, '09:00')).toBe('mysql');

      await admin.replicaof('NO', 'ONE');
      await admin.config('SET', 'replica-serve-stale-data', 'yes');
      await until(() => s.deps.guard.up, 5_000);
    });
  });
});

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startCuttableProxy, type CuttableProxy } from '../helpers/redis-proxy';
import { createTestDatabase, startPrivateRedis, uniquePrefix, type PrivateRedis, type TestDatabase } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { until } from '../helpers/ws-client';

/**
 * When Redis answers again after an outage, the cached days changed during
 * it are voided — only those: no instance recomputes every day at once, and
 * no instance serves a day made stale by an invalidation the outage lost.
 * Two instances share MySQL and their own redis-server; instance a reaches
 * it through a proxy the test cuts, so a is in an outage while b keeps
 * serving from the cache (the stale window an outage opens, which recovery
 * closes).
 */
describe('availability after a Redis outage: only the days changed meanwhile are recomputed', () => {
  let redis: PrivateRedis;
  let proxy: CuttableProxy;
  let admin: Redis;
  let db: TestDatabase;
  let prefix: string;
  let a: TestSidecar;
  let b: TestSidecar;
  let svc: number;
  let ana: number;
  let ben: number;
  let customer: string;
  let ip = 0;
  const dates = Array.from({ length: 8 }, (_, i) => daysFromNow(i + 2));
  const computed: string[] = [];
  // Plans live long enough for the test; slow answers on a busy machine must not pass for an outage.
  const env = { AVAILABILITY_CACHE_SECONDS: '600', REDIS_COMMAND_TIMEOUT_MS: '3000', TRUST_PROXY: 'true' };

  const hold = async (s: TestSidecar, date: string, time: string, employeeId: number) => {
    const res = await s.api('/locks', { method: 'POST', json: { date, time, employeeId, serviceId: svc }, headers: { 'X-Forwarded-For': `10.9.0.${++ip}` } });
    expect(res.status).toBe(201);
    return (await res.json()).lockToken as string;
  };
  const book = async (s: TestSidecar, date: string, time: string, employeeId: number) => {
    const lockToken = await hold(s, date, time, employeeId);
    const res = await s.api('/appointments', { method: 'POST', token: customer, json: { lockToken, date, time, employeeId, serviceId: svc, name: 'Recovery Test' } });
    expect(res.status).toBe(201);
    return (await res.json()).appointment.reference as string;
  };
  const statusAt = async (s: TestSidecar, date: string, employeeId: number, time: string) =>
    ((await (await s.api(`/availability?date=${date}&employeeId=${employeeId}&serviceId=${svc}`)).json()).slots as { time: string; status: string }[]).find((x) => x.time === time)?.status;
  const planCached = async (date: string, employeeId: number) => (await admin.exists(`${prefix}avail:${date}:emp${employeeId}`)) === 1;
  const catalogueGeneration = () => admin.get(`${prefix}catalogue-gen`);
  const warmEverything = async () => {
    for (const d of dates) for (const e of [ana, ben]) expect((await b.api(`/availability?date=${d}&employeeId=${e}&serviceId=${svc}`)).status).toBe(200);
    for (const d of dates) for (const e of [ana, ben]) expect(await planCached(d, e)).toBe(true);
  };
  const voided = async (s: TestSidecar, scope: 'day' | 'catalogue') =>
    (await s.deps.metrics.cacheRecoveryVoided.get()).values.find((v) => v.labels.scope === scope)?.value ?? 0;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    proxy = await startCuttableProxy(redis.port);
    admin = new Redis(redis.url);
    admin.on('error', () => {});
    db = await createTestDatabase();
    prefix = uniquePrefix();
    a = await startSidecar({ env: { ...env, REDIS_URL: proxy.url }, db, prefix });
    b = await startSidecar({ env: { ...env, REDIS_URL: redis.url }, db, prefix });
    const ids = await seedCatalogue(db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '20:00']) }, { name: 'Ben', hours: everyDay(['08:00', '20:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [ana, ben] = ids.staffIds as [number, number];
    customer = (await b.deps.sessions.create('recovery@example.com')).token;
    const availability = b.deps.availability;
    const computePlans = availability.computePlans.bind(availability);
    availability.computePlans = (ds, employee, ...rest) => {
      computed.push(...ds.map((d) => `${d}|${employee.id}`));
      return computePlans(ds, employee, ...rest);
    };
  });
  afterAll(async () => {
    admin?.disconnect();
    await a?.stop().catch(() => {});
    await b?.stop();
    await proxy?.close();
    await redis?.stop();
    await db?.drop();
  });

  it('bookings, a cancellation and a reschedule during the outage: those days, and only those, are recomputed', async () => {
    const [d0, d1, d2, d3, d4] = dates as [string, string, string, string, string];
    const toCancel = await book(b, d1, '10:00', ben);
    const toMove = await book(b, d2, '11:00', ana);
    await warmEverything();
    const generationBefore = await catalogueGeneration();

    proxy.cut();
    await until(() => a.deps.guard.state === 'down', 5_000);
    expect(b.deps.guard.up).toBe(true);
    await book(a, d0, '09:00', ana);
    expect((await a.api(`/appointments/${toCancel}`, { method: 'DELETE', token: customer })).status).toBe(200);
    const moved = await a.api(`/appointments/${toMove}`, { method: 'PATCH', token: customer, json: { lockToken: await hold(a, d3, '12:00', ben), date: d3, time: '12:00', employeeId: ben } });
    expect(moved.status).toBe(200);
    // The window an outage opens: b still serves the day a could not announce.
    expect(await statusAt(b, d0, ana, '09:00')).toBe('available');

    computed.length = 0;
    proxy.restore();
    await until(() => a.deps.guard.up, 5_000);
    await until(async () => (await voided(a, 'day')) > 0, 5_000);

    // Nothing voided wholesale: the catalogue generation is untouched and unchanged days stay cached.
    expect(await catalogueGeneration()).toBe(generationBefore);
    expect(await voided(a, 'catalogue')).toBe(0);
    const changed = new Set([`${d0}|${ana}`, `${d1}|${ben}`, `${d2}|${ana}`, `${d3}|${ben}`]);
    for (const d of dates) for (const e of [ana, ben]) expect(await planCached(d, e), `${d} emp ${e}`).toBe(!changed.has(`${d}|${e}`));
    expect(await planCached(d4, ana)).toBe(true);

    // Every instance now sees the truth, recomputing only the changed days.
    expect(await statusAt(b, d0, ana, '09:00')).toBe('booked');
    expect(await statusAt(b, d1, ben, '10:00')).toBe('available');
    expect(await statusAt(b, d2, ana, '11:00')).toBe('available');
    expect(await statusAt(b, d3, ben, '12:00')).toBe('booked');
    await warmEverything();
    expect(new Set(computed)).toEqual(changed);
  });

  it('an instance that died with its breaker open: the next instance to start voids what it changed', async () => {
    const day = dates[6]!;
    await warmEverything();
    proxy.cut();
    await until(() => a.deps.guard.state === 'down', 5_000);
    await book(a, day, '15:00', ben);
    await a.stop(); // its recovery never runs
    expect(await statusAt(b, day, ben, '15:00')).toBe('available'); // stale, until someone looks back
    const c = await startSidecar({ env: { ...env, REDIS_URL: redis.url }, db, prefix });
    try {
      await until(async () => !(await planCached(day, ben)), 5_000);
      expect(await statusAt(b, day, ben, '15:00')).toBe('booked');
      expect(await planCached(dates[0]!, ben)).toBe(true); // the rest stays cached
    } finally {
      await c.stop();
    }
  });

  it('an admin change to the catalogue during the outage voids the whole catalogue, as any admin change does', async () => {
    const day = dates[5]!;
    const a2 = await startSidecar({ env: { ...env, REDIS_URL: proxy.url }, db, prefix }); // a is gone (the test before)
    try {
      await warmEverything();
      const generationBefore = Number(await catalogueGeneration());
      proxy.cut();
      await until(() => a2.deps.guard.state === 'down', 5_000);
      const off = await a2.api(`/admin/staff/${ana}/time-off`, { method: 'POST', token: a2.adminToken(), json: { startDate: day, endDate: day } });
      expect(off.status).toBe(201);
      proxy.restore();
      await until(() => a2.deps.guard.up, 5_000);
      await until(async () => (await voided(a2, 'catalogue')) > 0, 5_000);
      expect(Number(await catalogueGeneration())).toBeGreaterThan(generationBefore);
      const body = await (await b.api(`/availability?date=${day}&employeeId=${ana}&serviceId=${svc}`)).json();
      expect(body.reason).toBe('time_off');
    } finally {
      await a2.stop();
    }
  });
});

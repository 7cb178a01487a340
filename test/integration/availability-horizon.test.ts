import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/**
 * A date before today or beyond maxAdvanceDays is answered with its reason
 * without computing the day: no MySQL query for a plan, no cached plan read
 * or written, no lock read — on the day view, the month view and holds. A
 * calendar crawler or a script walking years of dates costs next to nothing.
 */
describe.each(['redis', 'mysql'] as const)('availability outside the booking horizon (%s store)', (store) => {
  let s: TestSidecar;
  let redis: Redis | undefined;
  let svc: number;
  let emp: number;
  const touched = { plans: 0, cacheReads: [] as string[], lockReads: 0 };
  const planned: string[] = [];

  beforeAll(async () => {
    s = await startSidecar({ env: store === 'mysql' ? { REDIS_ENABLED: 'false' } : {} });
    if (store === 'redis') redis = new Redis(s.config.redis.url);
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '20:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0, maxAdvanceDays: 30 },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
    // Count what computing or reading a day would do (the real work still runs underneath).
    const availability = s.deps.availability;
    const computePlans = availability.computePlans.bind(availability);
    availability.computePlans = (dates, ...rest) => {
      touched.plans += dates.length;
      planned.push(...dates);
      return computePlans(dates, ...rest);
    };
    const cache = s.deps.cache;
    const read = cache.read.bind(cache);
    const readMany = cache.readMany.bind(cache);
    cache.read = (date, e) => (touched.cacheReads.push(date), read(date, e));
    cache.readMany = (dates, e) => (touched.cacheReads.push(...dates), readMany(dates, e));
    // The lock store availability overlays (deps.ts gives it the same object).
    const locks = s.deps.lockStore;
    const lockedCells = locks.lockedCells.bind(locks);
    const lockedCellsMany = locks.lockedCellsMany.bind(locks);
    locks.lockedCells = (d, e) => (touched.lockReads++, lockedCells(d, e));
    locks.lockedCellsMany = (d, e) => (touched.lockReads++, lockedCellsMany(d, e));
  });
  afterAll(async () => {
    redis?.disconnect();
    await s?.stop();
  });
  beforeEach(() => {
    touched.plans = 0;
    touched.cacheReads.length = 0;
    touched.lockReads = 0;
  });

  const day = (date: string, serviceId = svc) => s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${serviceId}`);
  const month = (m: string) => s.api(`/availability/month?month=${m}&employeeId=${emp}&serviceId=${svc}`);
  const planKeysOf = async (date: string) => (redis ? (await redis.exists(`${s.prefix}avail:${date}:emp${emp}`, `${s.prefix}avail-gen:${date}:emp${emp}`)) : 0);
  const nothingTouched = () => expect(touched).toEqual({ plans: 0, cacheReads: [], lockReads: 0 });

  it('answers past and too-far days with their reason and nothing else', async () => {
    await day(daysFromNow(1)); // a normal read first, so the process has its catalogue
    touched.plans = 0;
    touched.cacheReads.length = 0;
    touched.lockReads = 0;
    for (const [date, reason] of [
      [daysFromNow(-1), 'past_date'],
      [daysFromNow(-4000), 'past_date'],
      ['1970-01-01', 'past_date'],
      [daysFromNow(31), 'too_far_advance'],
      ['2999-12-31', 'too_far_advance'],
    ] as const) {
      const res = await day(date);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ date, employeeId: emp, serviceId: svc, timezone: 'UTC', slots: [], unavailable: [], reason });
      expect(await planKeysOf(date)).toBe(0);
    }
    nothingTouched();
    // The last day inside the horizon is computed as usual (with the Redis
    // store, together with the uncached days of its month: never one outside).
    planned.length = 0;
    expect((await (await day(daysFromNow(30))).json()).slots.length).toBeGreaterThan(0);
    expect(planned).toContain(daysFromNow(30));
    for (const d of planned) expect(d >= daysFromNow(0) && d <= daysFromNow(30)).toBe(true);
    if (store === 'mysql') expect(planned).toEqual([daysFromNow(30)]);
  });

  it('still answers 404 for an unknown service or employee on such a day', async () => {
    expect((await day(daysFromNow(-3), 999_999)).status).toBe(404);
    nothingTouched();
  });

  it('the month view computes and reads only the days inside the horizon', async () => {
    const far = daysFromNow(400).slice(0, 7);
    const res = await month(far);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.days.length).toBeGreaterThanOrEqual(28);
    expect(body.days.every((d: { available: number }) => d.available === 0)).toBe(true);
    nothingTouched();

    // A month that starts in the past: only its days from today on are read or computed.
    const thisMonth = daysFromNow(0).slice(0, 7);
    const today = daysFromNow(0);
    const last = daysFromNow(30);
    const days = (await (await month(thisMonth)).json()).days as { date: string }[];
    const inside = days.filter((d) => d.date >= today && d.date <= last).length;
    expect(touched.cacheReads.every((d) => d >= today && d <= last)).toBe(true);
    expect(touched.plans).toBeLessThanOrEqual(inside);
    expect(touched.plans + touched.cacheReads.length).toBeGreaterThan(0);
  });

  it('a hold on such a day is refused (409) without computing it or taking a lock', async () => {
    for (const date of [daysFromNow(-1), daysFromNow(45)]) {
      const res = await s.api('/locks', { method: 'POST', json: { date, time: '09:00', employeeId: emp, serviceId: svc } });
      expect(res.status).toBe(409);
      expect((await res.json()).error.code).toBe('slot_unavailable');
    }
    nothingTouched();
    const [rows] = await s.db.pool.query<any[]>('SELECT COUNT(*) AS n FROM wp_appointease_slot_locks');
    expect(Number(rows[0].n)).toBe(0);
  });

  it('a hostile crawl of 300 such dates costs no plan at all', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const res = await day(i % 2 ? daysFromNow(-1 - i) : daysFromNow(31 + i));
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(statuses.every((x) => x === 200)).toBe(true);
    nothingTouched();
  });

  it('a changed horizon counts at once (the last known rules only pick what to check)', async () => {
    const date = daysFromNow(45);
    expect((await (await day(date)).json()).reason).toBe('too_far_advance');
    const put = await s.api('/admin/settings', { method: 'PUT', token: s.adminToken(), json: { maxAdvanceDays: 60 } });
    expect(put.status).toBe(200);
    const open = await (await day(date)).json();
    expect(open.reason).toBeUndefined();
    expect(open.slots.length).toBeGreaterThan(0);
    expect((await s.api('/locks', { method: 'POST', json: { date, time: '09:00', employeeId: emp, serviceId: svc } })).status).toBe(201);
    const back = await s.api('/admin/settings', { method: 'PUT', token: s.adminToken(), json: { maxAdvanceDays: 30 } });
    expect(back.status).toBe(200);
    expect((await (await day(date)).json()).reason).toBe('too_far_advance');
  });
});

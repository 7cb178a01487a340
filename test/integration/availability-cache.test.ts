import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { everyDay, daysFromNow, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { daysInMonth } from '../../server/src/domain/time';

/** The availability cache against real Redis and MariaDB: hits, misses, invalidation races, single flight. */
describe('availability cache', () => {
  let s: TestSidecar;
  let emp: number;
  let svc: number;
  const date = daysFromNow(3);

  const counter = async (name: string) => (await s.deps.metrics.registry.getSingleMetric(name)!.get()).values.reduce((a, v) => a + v.value, 0);
  const insertAppointment = (time: string) =>
    s.db.pool.query(
      `INSERT INTO wp_appointments (name, email, appointment_date, end_date, status, service_id, employee_id) VALUES ('X', 'x@example.com', ?, ?, 'confirmed', ?, ?)`,
      [`${date} ${time}:00`, `${date} ${String(Number(time.slice(0, 2)) + 1).padStart(2, '0')}${time.slice(2)}:00`, svc, emp],
    );
  const statusAt = async (time: string) => {
    const body = await (await s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc}`)).json();
    return body.slots.find((x: { time: string }) => x.time === time)?.status;
  };

  beforeAll(async () => {
    s = await startSidecar({ env: { AVAILABILITY_CACHE_SECONDS: '300' } });
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ duration: 60 }],
      staff: [{ hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    emp = ids.staffIds[0]!;
    svc = ids.serviceIds[0]!;
  });
  afterAll(() => s?.stop());
  beforeEach(async () => {
    await s.db.pool.query('DELETE FROM wp_appointments');
    await s.deps.availability.invalidateDay(date, emp);
  });

  it('serves the second read from Redis, under the blueprint key, until the day is invalidated', async () => {
    const misses = await counter('appointease_availability_cache_misses_total');
    const hits = await counter('appointease_availability_cache_hits_total');
    expect(await statusAt('10:00')).toBe('available');
    expect(await s.deps.redis!.exists(`${s.prefix}avail:${date}:emp${emp}`)).toBe(1);
    const ttl = await s.deps.redis!.ttl(`${s.prefix}avail:${date}:emp${emp}`);
    expect(ttl).toBeGreaterThan(250);
    // A row written behind the cache's back is not seen: the read is a cache hit.
    await insertAppointment('10:00');
    expect(await statusAt('10:00')).toBe('available');
    expect(await counter('appointease_availability_cache_misses_total')).toBe(misses + 1);
    expect(await counter('appointease_availability_cache_hits_total')).toBe(hits + 1);
    // Invalidation makes the next read recompute from MySQL.
    await s.deps.availability.invalidateDay(date, emp);
    expect(await statusAt('10:00')).toBe('booked');
  });

  it('a reader that computed from old rows cannot overwrite a fresher invalidation', async () => {
    const seen = (await s.deps.cache.read(date, emp))!;
    expect(seen.plan).toBeUndefined();
    const snap = await s.deps.catalogue.snapshot();
    const stalePlan = (await s.deps.availability.computePlans([date], snap.staff.get(emp)!, snap)).get(date)!;
    // Meanwhile a booking commits and invalidates the day.
    await insertAppointment('11:00');
    await s.deps.availability.invalidateDay(date, emp);
    // The slow reader now tries to store what it computed before the booking.
    expect(await s.deps.cache.store(stalePlan, seen)).toBe(false);
    expect(await s.deps.redis!.exists(`${s.prefix}avail:${date}:emp${emp}`)).toBe(0);
    expect(await statusAt('11:00')).toBe('booked');
  });

  it('a plan cached under an older catalogue is not served after a catalogue change', async () => {
    expect(await statusAt('16:00')).toBe('available');
    await s.db.pool.query('UPDATE wp_appointease_availability SET end_time = ? WHERE staff_id = ?', ['16:00:00', emp]);
    await s.deps.catalogue.changed();
    expect(await statusAt('16:00')).toBeUndefined();
    await s.db.pool.query('UPDATE wp_appointease_availability SET end_time = ? WHERE staff_id = ?', ['17:00:00', emp]);
    await s.deps.catalogue.changed();
    expect(await statusAt('16:00')).toBe('available');
  });

  it('concurrent misses for one key compute once (single flight)', async () => {
    const repo = s.deps.repos.appointments;
    const original = repo.holdingTimeBetween.bind(repo);
    let calls = 0;
    repo.holdingTimeBetween = async (...args: Parameters<typeof original>) => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 50));
      return original(...args);
    };
    try {
      const results = await Promise.all(Array.from({ length: 20 }, () => s.deps.availability.forDay(date, emp, svc)));
      expect(calls).toBe(1);
      expect(new Set(results.map((r) => JSON.stringify(r.slots))).size).toBe(1);
    } finally {
      repo.holdingTimeBetween = original;
    }
  });

  it('a miss computes the uncached days of its month with it, from one computation, and stores them all', async () => {
    const day = daysFromNow(50); // mid-horizon (90 days): its whole month is bookable
    const monthDays = daysInMonth(day.slice(0, 7));
    const other = monthDays.find((d) => d !== day)!;
    await s.db.pool.query(
      `INSERT INTO wp_appointments (name, email, appointment_date, end_date, status, service_id, employee_id) VALUES ('X', 'x@example.com', ?, ?, 'confirmed', ?, ?)`,
      [`${other} 10:00:00`, `${other} 11:00:00`, svc, emp],
    );
    const availability = s.deps.availability;
    const computePlans = availability.computePlans;
    let computations = 0;
    availability.computePlans = (...args) => (computations++, computePlans.apply(availability, args));
    try {
      const res = await s.api(`/availability?date=${day}&employeeId=${emp}&serviceId=${svc}`);
      expect(res.status).toBe(200);
      expect(computations).toBe(1);
      for (const d of monthDays) expect(await s.deps.redis!.exists(`${s.prefix}avail:${d}:emp${emp}`), d).toBe(1);
      // A neighbour is then served from the cache, with what MySQL had when it was computed.
      const body = await (await s.api(`/availability?date=${other}&employeeId=${emp}&serviceId=${svc}`)).json();
      expect(body.slots.find((x: { time: string }) => x.time === '10:00')?.status).toBe('booked');
      expect(computations).toBe(1);
    } finally {
      availability.computePlans = computePlans;
    }
  });

  it('the month endpoint answers the whole month in one request', async () => {
    const month = date.slice(0, 7);
    const res = await s.api(`/availability/month?month=${month}&employeeId=${emp}&serviceId=${svc}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    const daysInMonth = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();
    expect(body.days).toHaveLength(daysInMonth);
    expect(body.days.find((d: { date: string }) => d.date === date).available).toBe(15);
    const yesterday = daysFromNow(-1);
    if (yesterday.startsWith(month)) expect(body.days.find((d: { date: string }) => d.date === yesterday).available).toBe(0);
  });
});

describe('availability with REDIS_ENABLED=false', () => {
  let s: TestSidecar;
  afterAll(() => s?.stop());

  it('reads straight from MySQL, with no Redis at all', async () => {
    s = await startSidecar({ env: { REDIS_ENABLED: 'false' } });
    const { staffIds, serviceIds } = await seedCatalogue(s.db.pool, {
      services: [{ duration: 30 }],
      staff: [{ hours: everyDay(['09:00', '10:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    const date = daysFromNow(4);
    const url = `/availability?date=${date}&employeeId=${staffIds[0]}&serviceId=${serviceIds[0]}`;
    expect((await (await s.api(url)).json()).slots.map((x: { status: string }) => x.status)).toEqual(['available', 'available']);
    await s.db.pool.query(
      `INSERT INTO wp_appointments (name, email, appointment_date, status, service_id, employee_id) VALUES ('X', 'x@example.com', ?, 'confirmed', ?, ?)`,
      [`${date} 09:30:00`, serviceIds[0], staffIds[0]],
    );
    expect((await (await s.api(url)).json()).slots.map((x: { status: string }) => x.status)).toEqual(['available', 'booked']);
    expect(await (await s.api('/health')).json()).toMatchObject({ status: 'ok', redis: 'disabled' });
    expect(s.deps.redis).toBeNull();
  });
});

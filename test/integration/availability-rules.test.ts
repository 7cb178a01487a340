import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/** Availability rules through the HTTP API: DST days, day-level reasons, buffers, legacy rows. */
describe('availability rules', () => {
  let s: TestSidecar;
  let ids: { serviceIds: number[]; staffIds: number[] };
  const slotsOf = async (date: string, emp: number, svc: number) => {
    const res = await s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc}`);
    expect(res.status).toBe(200);
    return res.json();
  };
  const setZone = async (zone: string) => {
    await s.db.pool.query(`REPLACE INTO wp_appointease_settings (setting_key, setting_value) VALUES ('timezone', ?)`, [JSON.stringify(zone)]);
    await s.deps.catalogue.changed();
  };

  beforeAll(async () => {
    s = await startSidecar();
    ids = await seedCatalogue(s.db.pool, {
      services: [{ duration: 60 }, { duration: 30, bufferAfter: 15 }, { duration: 600 }],
      staff: [{ hours: everyDay(['00:00', '06:00'], ['09:00', '12:00']) }, { hours: { mon: [{ start: '09:00', end: '12:00' }] }, services: [0] }],
      settings: { minNoticeMinutes: 0, maxAdvanceDays: 400 },
    });
  });
  afterAll(() => s?.stop());

  it.each([
    ['Europe/Berlin', '2027-03-28', ['01:30', '2027-03-28T00:30:00.000Z'], ['03:00', '2027-03-28T01:00:00.000Z'], ['02:00', '02:30']],
    ['Europe/Berlin', '2027-10-31', ['01:30', '2027-10-30T23:30:00.000Z'], ['03:00', '2027-10-31T02:00:00.000Z'], []],
    ['America/New_York', '2027-03-14', ['01:30', '2027-03-14T06:30:00.000Z'], ['03:00', '2027-03-14T07:00:00.000Z'], ['02:00', '02:30']],
    ['America/New_York', '2027-11-07', ['00:30', '2027-11-07T04:30:00.000Z'], ['02:00', '2027-11-07T07:00:00.000Z'], []],
  ])('%s on %s: real instants, no skipped wall times', async (zone, date, before, after, missing) => {
    await setZone(zone);
    const body = await slotsOf(date, ids.staffIds[0]!, ids.serviceIds[0]!);
    expect(body.timezone).toBe(zone);
    const byTime = new Map(body.slots.map((x: { time: string; start: string }) => [x.time, x.start]));
    expect(byTime.get(before[0])).toBe(before[1]);
    expect(byTime.get(after[0])).toBe(after[1]);
    for (const t of missing) expect(byTime.has(t)).toBe(false);
    expect(new Set(body.slots.map((x: { time: string }) => x.time)).size).toBe(body.slots.length);
    // Every listed start keeps the whole hour inside a window: consecutive starts are 30 real minutes apart except across gaps.
    for (const x of body.slots) expect(Date.parse(x.start)).toBeGreaterThan(0);
  });

  it('gives day-level reasons', async () => {
    await setZone('UTC');
    const [emp0, emp1] = ids.staffIds as [number, number];
    const svc = ids.serviceIds[0]!;
    expect((await slotsOf(daysFromNow(-2), emp0, svc)).reason).toBe('past_date');
    expect((await slotsOf(daysFromNow(500), emp0, svc)).reason).toBe('too_far_advance');
    // Employee 2 works Mondays only.
    let nonMonday = daysFromNow(1);
    while (new Date(`${nonMonday}T00:00:00Z`).getUTCDay() === 1) nonMonday = daysFromNow(2);
    expect(await slotsOf(nonMonday, emp1, svc)).toMatchObject({ slots: [], unavailable: [], reason: 'non_working_day' });

    const offDay = daysFromNow(10);
    await s.db.pool.query('INSERT INTO wp_appointease_timeoff (staff_id, start_date, end_date) VALUES (?, ?, ?)', [emp0, offDay, offDay]);
    const closed = daysFromNow(11);
    await s.db.pool.query('INSERT INTO wp_appointease_blackout_dates (start_date, end_date, reason) VALUES (?, ?, ?)', [closed, daysFromNow(12), 'Holiday']);
    await s.deps.catalogue.changed();
    expect((await slotsOf(offDay, emp0, svc)).reason).toBe('time_off');
    expect((await slotsOf(closed, emp0, svc)).reason).toBe('blackout');
    expect((await slotsOf(daysFromNow(12), emp0, svc)).reason).toBe('blackout');
  });

  it('blocks neighbours by buffers and reads AppointEase rows without an end time', async () => {
    await setZone('UTC');
    const date = daysFromNow(20);
    const [emp0] = ids.staffIds as [number];
    // AppointEase's own shape: no end_date, no buffers stored: the service (30 min + 15 after) decides.
    await s.db.pool.query(
      `INSERT INTO wp_appointments (name, email, appointment_date, status, service_id, employee_id) VALUES ('Legacy', 'l@example.com', ?, 'confirmed', ?, ?)`,
      [`${date} 10:00:00`, ids.serviceIds[1], emp0],
    );
    await s.deps.availability.invalidateDay(date, emp0);
    const body = await slotsOf(date, emp0, ids.serviceIds[1]!);
    const status = Object.fromEntries(body.slots.map((x: { time: string; status: string }) => [x.time, x.status]));
    // 09:30 + 30 + 15 buffer reaches 10:15, into the 10:00 booking; 10:30 starts inside its 10:30–10:45 buffer.
    expect(status).toMatchObject({ '09:00': 'available', '09:30': 'unavailable', '10:00': 'booked', '10:30': 'unavailable', '11:00': 'available' });
    expect(body.unavailable).toEqual(['09:30', '10:00', '10:30']);
    expect(JSON.stringify(body)).not.toContain('example.com');
    expect(JSON.stringify(body)).not.toContain('Legacy');
  });

  it('a service longer than every window has no slots; unknown ids are 404; bad input is 400', async () => {
    const date = daysFromNow(5);
    expect((await slotsOf(date, ids.staffIds[0]!, ids.serviceIds[2]!)).slots).toEqual([]);
    expect((await s.api(`/availability?date=${date}&employeeId=999&serviceId=${ids.serviceIds[0]}`)).status).toBe(404);
    expect((await s.api(`/availability?date=${date}&employeeId=${ids.staffIds[1]}&serviceId=${ids.serviceIds[1]}`)).status).toBe(404);
    for (const q of ['date=2025-02-30&employeeId=1&serviceId=1', 'date=tomorrow&employeeId=1&serviceId=1', 'date=2030-01-01&employeeId=abc&serviceId=1', 'date=2030-01-01&employeeId=-1&serviceId=1', 'date=2030-01-01&employeeId=99999999999&serviceId=1']) {
      const res = await s.api(`/availability?${q}`);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe('invalid_request');
      expect(Array.isArray(body.error.details)).toBe(true);
    }
  });

  it('public catalogue never shows staff contact data', async () => {
    const staff = await (await s.api(`/staff?serviceId=${ids.serviceIds[0]}`)).json();
    expect(staff.staff.length).toBe(2);
    expect(JSON.stringify(staff)).not.toContain('@');
    const only = await (await s.api(`/staff?serviceId=${ids.serviceIds[1]}`)).json();
    expect(only.staff.map((x: { id: number }) => x.id)).toEqual([ids.staffIds[0]]);
    const services = await (await s.api('/services')).json();
    expect(services.services[0]).toEqual({ id: ids.serviceIds[0], name: 'Service 1', description: '', duration: 60, price: 0, bufferBefore: 0, bufferAfter: 0 });
    const settings = await (await s.api('/settings')).json();
    expect(settings).toEqual({ timezone: 'UTC', slotInterval: 30, minNoticeMinutes: 0, maxAdvanceDays: 400, lockTtlSeconds: 600 });
  });
});

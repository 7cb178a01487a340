import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotEvent } from '../../server/src/realtime/events';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/** Settings, the admin appointment list and status changes, and stats, against real MariaDB and Redis. */
describe('admin API: settings, appointments, stats', () => {
  let s: TestSidecar;
  let token: string;
  let emp: number;
  let other: number;
  let svc: number;
  const date = daysFromNow(4);

  const call = async (method: string, path: string, json?: unknown) => {
    const res = await s.api(path, { method, token, json });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const insert = async (time: string, extra: { ref: string; employeeId?: number; status?: string; date?: string }) => {
    await s.db.pool.query(
      `INSERT INTO wp_appointments (name, email, phone, appointment_date, status, service_id, employee_id, strong_id, notes)
       VALUES ('Dana Doe', 'dana@example.com', '+1 555 0100', ?, ?, ?, ?, ?, 'window seat')`,
      [`${extra.date ?? date} ${time}:00`, extra.status ?? 'confirmed', svc, extra.employeeId ?? emp, extra.ref],
    );
  };
  const statusAt = async (time: string) => {
    const body = await (await s.api(`/availability?date=${date}&employeeId=${emp}&serviceId=${svc}`)).json();
    return body.slots.find((x: { time: string }) => x.time === time)?.status;
  };

  beforeAll(async () => {
    s = await startSidecar({ env: { AVAILABILITY_CACHE_SECONDS: '300' } });
    token = s.adminToken();
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Massage', duration: 60 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }, { name: 'Ben', hours: everyDay(['09:00', '17:00']) }],
      settings: { minNoticeMinutes: 0 },
    });
    [emp, other] = ids.staffIds as [number, number];
    svc = ids.serviceIds[0]!;
    await s.db.pool.query(`CREATE TABLE wp_options (option_id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, option_name varchar(191) NOT NULL UNIQUE, option_value longtext NOT NULL, autoload varchar(20) NOT NULL DEFAULT 'yes')`);
    await s.db.pool.query(`INSERT INTO wp_options (option_name, option_value) VALUES ('timezone_string', ''), ('gmt_offset', '0')`);
  });
  afterAll(() => s?.stop());

  it('settings: GET shows effective values and WordPress\'s zone; PUT overrides, null reverts; audited', async () => {
    const initial = await call('GET', '/admin/settings');
    expect(initial.body).toEqual({ timezone: 'UTC', slotInterval: 30, minNoticeMinutes: 0, maxAdvanceDays: 90, maxBookingsPerCustomer: 5, reminders: [{ minutesBefore: 1440 }], wordpressTimezone: 'UTC', overridden: ['minNoticeMinutes'] });

    const put = await call('PUT', '/admin/settings', { timezone: 'America/New_York', slotInterval: 15, maxAdvanceDays: 60, lockTtlSeconds: 5 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ timezone: 'America/New_York', slotInterval: 15, minNoticeMinutes: 0, maxAdvanceDays: 60, wordpressTimezone: 'UTC' });
    expect(await (await s.api('/settings')).json()).toMatchObject({ timezone: 'America/New_York', slotInterval: 15, maxAdvanceDays: 60 });
    const [[audit]] = await s.db.pool.query<any[]>(`SELECT * FROM wp_appointease_audit_log WHERE entity = 'settings' ORDER BY id DESC LIMIT 1`);
    expect(audit).toMatchObject({ actor: 'admin:1', action: 'update' });
    expect(JSON.parse(audit.details).set).toEqual({ timezone: 'America/New_York', slotInterval: 15, maxAdvanceDays: 60 });

    // WordPress's zone changes underneath; the override still wins until it is dropped.
    await s.db.pool.query(`UPDATE wp_options SET option_value = 'Europe/Berlin' WHERE option_name = 'timezone_string'`);
    expect((await call('GET', '/admin/settings')).body).toMatchObject({ timezone: 'America/New_York', wordpressTimezone: 'Europe/Berlin' });
    const reverted = await call('PUT', '/admin/settings', { timezone: null, slotInterval: null, maxAdvanceDays: null });
    expect(reverted.body).toEqual({ timezone: 'Europe/Berlin', slotInterval: 30, minNoticeMinutes: 0, maxAdvanceDays: 90, maxBookingsPerCustomer: 5, reminders: [{ minutesBefore: 1440 }], wordpressTimezone: 'Europe/Berlin', overridden: ['minNoticeMinutes'] });
    expect((await (await s.api('/settings')).json()).timezone).toBe('Europe/Berlin');
    await call('PUT', '/admin/settings', { timezone: 'UTC' });
  });

  it('lists appointments of a range with the customer\'s contact data, filtered by employee', async () => {
    await insert('10:00', { ref: 'APT-2030-000001' });
    await insert('12:00', { ref: 'APT-2030-000002', employeeId: other });
    await insert('15:00', { ref: 'APT-2030-000003', status: 'cancelled' });
    await insert('09:00', { ref: 'APT-2030-000004', date: '2020-01-01' });

    const all = await call('GET', `/admin/appointments?from=${date}&to=${date}`);
    expect(all.status).toBe(200);
    expect(all.body.appointments.map((a: { reference: string }) => a.reference)).toEqual(['APT-2030-000001', 'APT-2030-000002', 'APT-2030-000003']);
    expect(all.body.appointments[0]).toEqual({
      id: expect.any(Number),
      reference: 'APT-2030-000001',
      date,
      time: '10:00',
      endTime: '11:00',
      start: `${date}T10:00:00.000Z`,
      end: `${date}T11:00:00.000Z`,
      employeeId: emp,
      employeeName: 'Ana',
      serviceId: svc,
      serviceName: 'Massage',
      status: 'confirmed',
      name: 'Dana Doe',
      email: 'dana@example.com',
      phone: '+1 555 0100',
      notes: 'window seat',
      createdAt: expect.any(String),
    });
    const mine = await call('GET', `/admin/appointments?from=${date}&to=${date}&employeeId=${other}`);
    expect(mine.body.appointments.map((a: { reference: string }) => a.reference)).toEqual(['APT-2030-000002']);
    const byDefault = await call('GET', '/admin/appointments');
    expect(byDefault.body.appointments.map((a: { reference: string }) => a.reference)).toContain('APT-2030-000001');
    expect(byDefault.body.appointments.map((a: { reference: string }) => a.reference)).not.toContain('APT-2030-000004');

    for (const q of ['from=2025-02-30', `from=${date}&to=2020-01-01`, 'from=2024-01-01&to=2026-01-01', 'employeeId=abc', 'employeeId=-1']) {
      const bad = await call('GET', `/admin/appointments?${q}`);
      expect(bad.status, q).toBe(400);
      expect(bad.body.error.details.length).toBeGreaterThan(0);
    }
  });

  it('a cancellation frees the time at once, tells subscribers, and is audited; reinstating is refused', async () => {
    expect(await statusAt('10:00')).toBe('booked');
    expect(await statusAt('10:00')).toBe('booked'); // now cached
    const events: SlotEvent[] = [];
    const off = s.deps.hub.onEvent((e) => events.push(e));
    const res = await call('PUT', '/admin/appointments/APT-2030-000001', { status: 'cancelled' });
    off();
    expect(res.status).toBe(200);
    expect(res.body.appointment).toMatchObject({ reference: 'APT-2030-000001', status: 'cancelled', email: 'dana@example.com' });
    expect(await statusAt('10:00')).toBe('available');
    expect(events).toEqual([
      expect.objectContaining({ type: 'slot_released', reason: 'cancelled', date, time: '10:00', times: ['10:00', '10:30'], employeeId: emp }),
    ]);
    const [[audit]] = await s.db.pool.query<any[]>(`SELECT * FROM wp_appointease_audit_log WHERE entity = 'appointment' ORDER BY id DESC LIMIT 1`);
    expect(audit).toMatchObject({ actor: 'admin:1', action: 'set_status', entity_id: 'APT-2030-000001' });
    expect(JSON.parse(audit.details)).toEqual({ from: 'confirmed', to: 'cancelled' });

    const back = await call('PUT', '/admin/appointments/APT-2030-000001', { status: 'confirmed' });
    expect(back.status).toBe(409);
    expect(back.body.error.code).toBe('invalid_transition');
    const [[row]] = await s.db.pool.query<any[]>(`SELECT status FROM wp_appointments WHERE strong_id = 'APT-2030-000001'`);
    expect(row.status).toBe('cancelled');
  });

  it('other status changes keep the time held; bad status or reference is refused without a write', async () => {
    for (const status of ['pending', 'completed', 'no-show', 'confirmed']) {
      const res = await call('PUT', '/admin/appointments/APT-2030-000002', { status });
      expect(res.status).toBe(200);
      expect(res.body.appointment.status).toBe(status);
    }
    const [[before]] = await s.db.pool.query<any[]>('SELECT COUNT(*) AS c FROM wp_appointease_audit_log');
    for (const [ref, body, status] of [
      ['APT-2030-000002', { status: 'deleted' }, 400],
      ['APT-2030-000002', { status: 3 }, 400],
      ['APT-2030-000002', {}, 400],
      ['APT-2099-999999', { status: 'cancelled' }, 404],
      ['999999', { status: 'cancelled' }, 404],
      ["x' OR 1=1 --", { status: 'cancelled' }, 404],
    ] as const) {
      const res = await call('PUT', `/admin/appointments/${encodeURIComponent(ref)}`, body);
      expect(res.status, `${ref} ${JSON.stringify(body)}`).toBe(status);
    }
    const [[after]] = await s.db.pool.query<any[]>('SELECT COUNT(*) AS c FROM wp_appointease_audit_log');
    expect(after.c).toBe(before.c);
    const [[row]] = await s.db.pool.query<any[]>(`SELECT status FROM wp_appointments WHERE strong_id = 'APT-2030-000002'`);
    expect(row.status).toBe('confirmed');
  });

  it('an AppointEase row without a reference is addressed by its id', async () => {
    const [r] = await s.db.pool.query<any>(
      `INSERT INTO wp_appointments (name, email, appointment_date, status, service_id, employee_id) VALUES ('Old', 'old@example.com', ?, 'confirmed', ?, ?)`,
      [`${date} 14:00:00`, svc, other],
    );
    const res = await call('PUT', `/admin/appointments/${r.insertId}`, { status: 'completed' });
    expect(res.status).toBe(200);
    expect(res.body.appointment).toMatchObject({ id: r.insertId, reference: null, status: 'completed', endTime: '15:00' });
  });

  it('stats: cache hit rate, locks hook, fallback operations, clients, Redis and MySQL state', async () => {
    await statusAt('11:00');
    await statusAt('11:00');
    const res = await call('GET', '/admin/stats');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      cache: { hits: expect.any(Number), misses: expect.any(Number), hitRate: expect.any(Number) },
      locks: { active: 0 }, // the lock store's hook is wired (no locks held here)
      fallbackOperations: 0,
      websocket: { clients: expect.any(Number) },
      redis: 'connected',
      mysql: 'connected',
    });
    expect(res.body.cache.hits).toBeGreaterThan(0);
    expect(res.body.cache.hitRate).toBeCloseTo(res.body.cache.hits / (res.body.cache.hits + res.body.cache.misses), 2);
    s.deps.lockCount = async () => 7;
    expect((await call('GET', '/admin/stats')).body.locks).toEqual({ active: 7 });
  });
});

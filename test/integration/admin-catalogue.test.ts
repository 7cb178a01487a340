import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

const TABLES = [
  'wp_appointease_services',
  'wp_appointease_staff',
  'wp_appointease_availability',
  'wp_appointease_staff_services',
  'wp_appointease_timeoff',
  'wp_appointease_blackout_dates',
  'wp_appointease_settings',
  'wp_appointease_audit_log',
] as const;
const STACK = /at .*\.(ts|js):\d+|node_modules|\/server\/src\//;

/** Catalogue administration against the real MariaDB and Redis: round trips, bad input, audit, cache invalidation. */
describe('admin API: catalogue', () => {
  let s: TestSidecar;
  let token: string;
  const call = async (method: string, path: string, json?: unknown) => {
    const res = await s.api(path, { method, token, json });
    const text = await res.text();
    expect(text).not.toMatch(STACK);
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const counts = async () => {
    const out: Record<string, number> = {};
    for (const t of TABLES) {
      const [[r]] = await s.db.pool.query<any[]>(`SELECT COUNT(*) AS c FROM \`${t}\``);
      out[t] = Number(r.c);
    }
    return out;
  };
  const lastAudit = async () => {
    const [rows] = await s.db.pool.query<any[]>('SELECT * FROM wp_appointease_audit_log ORDER BY id DESC LIMIT 1');
    return rows[0];
  };

  beforeAll(async () => {
    s = await startSidecar({ env: { AVAILABILITY_CACHE_SECONDS: '300' } });
    token = s.adminToken();
    await s.db.pool.query(`INSERT INTO wp_appointease_settings (setting_key, setting_value) VALUES ('timezone', '"UTC"'), ('minNoticeMinutes', '0')`);
  });
  afterAll(() => s?.stop());

  it('services: create, list, update, delete; each change audited', async () => {
    const created = await call('POST', '/admin/services', { name: '  Cut  ', duration: 45, price: 30.5, bufferAfter: 15, unknownField: 'ignored' });
    expect(created.status).toBe(201);
    const svc = created.body.service;
    expect(svc).toEqual({ id: expect.any(Number), name: 'Cut', description: '', duration: 45, price: 30.5, bufferBefore: 0, bufferAfter: 15, active: true });
    const audit = await lastAudit();
    expect(audit).toMatchObject({ actor: 'admin:1', action: 'create', entity: 'service', entity_id: String(svc.id) });
    expect(audit.ip).toMatch(/127\.0\.0\.1/);
    expect(JSON.parse(audit.details).after.name).toBe('Cut');

    expect((await call('GET', '/admin/services')).body.services).toEqual([svc]);
    const updated = await call('PUT', `/admin/services/${svc.id}`, { price: 32, description: 'Wash and cut' });
    expect(updated.status).toBe(200);
    expect(updated.body.service).toEqual({ ...svc, price: 32, description: 'Wash and cut' });
    expect(await lastAudit()).toMatchObject({ action: 'update', entity: 'service', entity_id: String(svc.id) });
    expect((await (await s.api('/services')).json()).services[0]).toMatchObject({ id: svc.id, price: 32, description: 'Wash and cut', bufferAfter: 15 });

    const removed = await s.api(`/admin/services/${svc.id}`, { method: 'DELETE', token });
    expect(removed.status).toBe(204);
    expect(await lastAudit()).toMatchObject({ action: 'delete', entity: 'service', entity_id: String(svc.id) });
    expect((await call('GET', '/admin/services')).body.services).toEqual([]);
    expect((await call('PUT', `/admin/services/${svc.id}`, { price: 1 })).status).toBe(404);
    expect((await call('DELETE', `/admin/services/${svc.id}`)).status).toBe(404);
  });

  it('staff: hours with breaks go to availability rows, the legacy JSON and the service links in one write', async () => {
    const a = (await call('POST', '/admin/services', { name: 'A', duration: 30, price: 10 })).body.service;
    const b = (await call('POST', '/admin/services', { name: 'B', duration: 60, price: 20 })).body.service;
    const created = await call('POST', '/admin/staff', {
      name: 'Ana',
      email: 'ana@example.com',
      phone: '+49 30 1234567',
      serviceIds: [b.id, a.id, a.id],
      workingHours: { mon: [{ start: '13:00', end: '17:00' }, { start: '09:00', end: '12:00' }], sat: [{ start: '10:00', end: '14:00' }], sun: [] },
    });
    expect(created.status).toBe(201);
    const ana = created.body.staff;
    expect(ana).toEqual({
      id: expect.any(Number),
      name: 'Ana',
      email: 'ana@example.com',
      phone: '+49 30 1234567',
      active: true,
      serviceIds: [a.id, b.id],
      workingHours: { mon: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }], sat: [{ start: '10:00', end: '14:00' }] },
      busyCalendars: [],
      calendarSync: [],
    });
    const [rows] = await s.db.pool.query<any[]>('SELECT day_of_week, start_time, end_time FROM wp_appointease_availability WHERE staff_id = ? ORDER BY day_of_week, start_time', [ana.id]);
    expect(rows.map((r) => [r.day_of_week, String(r.start_time).slice(0, 5), String(r.end_time).slice(0, 5)])).toEqual([
      [1, '09:00', '12:00'],
      [1, '13:00', '17:00'],
      [6, '10:00', '14:00'],
    ]);
    const [[staffRow]] = await s.db.pool.query<any[]>('SELECT working_hours FROM wp_appointease_staff WHERE id = ?', [ana.id]);
    expect(JSON.parse(staffRow.working_hours)).toEqual({ mon: ['09:00', '17:00'], sat: ['10:00', '14:00'] });
    const [links] = await s.db.pool.query<any[]>('SELECT service_id FROM wp_appointease_staff_services WHERE staff_id = ? ORDER BY service_id', [ana.id]);
    expect(links.map((l) => l.service_id)).toEqual([a.id, b.id]);
    expect(await lastAudit()).toMatchObject({ action: 'create', entity: 'staff', entity_id: String(ana.id) });

    // The admin list shows contact data; the public one never does.
    expect((await call('GET', '/admin/staff')).body.staff).toContainEqual(ana);
    const pub = await (await s.api(`/staff?serviceId=${a.id}`)).json();
    expect(pub.staff).toContainEqual({ id: ana.id, name: 'Ana' });
    expect(JSON.stringify(pub)).not.toContain('ana@example.com');

    const updated = await call('PUT', `/admin/staff/${ana.id}`, { serviceIds: [a.id], workingHours: { tue: [{ start: '08:00', end: '10:00' }] }, phone: null });
    expect(updated.status).toBe(200);
    expect(updated.body.staff).toEqual({ ...ana, phone: '', serviceIds: [a.id], workingHours: { tue: [{ start: '08:00', end: '10:00' }] } });
    const [after] = await s.db.pool.query<any[]>('SELECT day_of_week FROM wp_appointease_availability WHERE staff_id = ?', [ana.id]);
    expect(after.map((r) => r.day_of_week)).toEqual([2]);
    expect((await call('GET', '/admin/staff')).body.staff).toContainEqual(updated.body.staff);

    expect((await call('DELETE', `/admin/staff/${ana.id}`)).status).toBe(204);
    const [gone] = await s.db.pool.query<any[]>('SELECT * FROM wp_appointease_availability WHERE staff_id = ?', [ana.id]);
    expect(gone).toEqual([]);
    expect((await call('GET', '/admin/staff')).body.staff.map((m: { id: number }) => m.id)).not.toContain(ana.id);
  });

  it('deleting a service or employee that appointments refer to deactivates it and keeps the history readable', async () => {
    const svc = (await call('POST', '/admin/services', { name: 'Kept', duration: 30, price: 10 })).body.service;
    const emp = (await call('POST', '/admin/staff', { name: 'Old hand', email: 'old@example.com', workingHours: { mon: [{ start: '09:00', end: '17:00' }] } })).body.staff;
    await s.db.pool.query(
      `INSERT INTO wp_appointments (name, email, phone, appointment_date, status, service_id, employee_id, strong_id) VALUES ('Cy', 'cy@example.com', '123', '2024-03-04 10:00:00', 'completed', ?, ?, 'APT-2024-000777')`,
      [svc.id, emp.id],
    );
    expect((await call('DELETE', `/admin/services/${svc.id}`)).status).toBe(204);
    expect((await call('DELETE', `/admin/staff/${emp.id}`)).status).toBe(204);
    expect(await lastAudit()).toMatchObject({ action: 'deactivate', entity: 'staff' });
    expect((await call('GET', '/admin/services')).body.services).toContainEqual({ ...svc, active: false });
    expect((await call('GET', '/admin/staff')).body.staff).toContainEqual({ ...emp, active: false });
    expect((await (await s.api('/services')).json()).services.map((x: { id: number }) => x.id)).not.toContain(svc.id);
    expect((await (await s.api('/staff')).json()).staff.map((x: { id: number }) => x.id)).not.toContain(emp.id);
    const list = await call('GET', '/admin/appointments?from=2024-03-01&to=2024-03-31');
    expect(list.body.appointments).toEqual([
      expect.objectContaining({ reference: 'APT-2024-000777', date: '2024-03-04', time: '10:00', endTime: '10:30', serviceName: 'Kept', employeeName: 'Old hand', email: 'cy@example.com' }),
    ]);
    // Reactivation is an update.
    expect((await call('PUT', `/admin/services/${svc.id}`, { active: true })).body.service.active).toBe(true);
  });

  it('time off and blackout dates: create, list, delete, 404 for unknown ids', async () => {
    const emp = (await call('POST', '/admin/staff', { name: 'Tia', email: 'tia@example.com' })).body.staff;
    const off = await call('POST', `/admin/staff/${emp.id}/time-off`, { startDate: '2030-07-01', endDate: '2030-07-14', reason: 'Holiday' });
    expect(off.status).toBe(201);
    expect(off.body.timeOff).toEqual({ id: expect.any(Number), staffId: emp.id, startDate: '2030-07-01', endDate: '2030-07-14', reason: 'Holiday' });
    expect((await call('GET', `/admin/staff/${emp.id}/time-off`)).body.timeOff).toEqual([off.body.timeOff]);
    expect(await lastAudit()).toMatchObject({ action: 'create', entity: 'time_off', entity_id: String(off.body.timeOff.id) });
    expect((await call('DELETE', `/admin/staff/${emp.id + 1000}/time-off/${off.body.timeOff.id}`)).status).toBe(404);
    expect((await call('POST', `/admin/staff/999999/time-off`, { startDate: '2030-07-01', endDate: '2030-07-01' })).status).toBe(404);
    expect((await call('GET', `/admin/staff/999999/time-off`)).status).toBe(404);
    expect((await call('DELETE', `/admin/staff/${emp.id}/time-off/${off.body.timeOff.id}`)).status).toBe(204);
    expect((await call('DELETE', `/admin/staff/${emp.id}/time-off/${off.body.timeOff.id}`)).status).toBe(404);
    expect((await call('GET', `/admin/staff/${emp.id}/time-off`)).body.timeOff).toEqual([]);

    const bo = await call('POST', '/admin/blackout-dates', { startDate: '2030-12-24', endDate: '2030-12-26' });
    expect(bo.status).toBe(201);
    expect(bo.body.blackoutDate).toEqual({ id: expect.any(Number), startDate: '2030-12-24', endDate: '2030-12-26', reason: '' });
    expect((await call('GET', '/admin/blackout-dates')).body.blackoutDates).toEqual([bo.body.blackoutDate]);
    expect((await call('DELETE', `/admin/blackout-dates/${bo.body.blackoutDate.id}`)).status).toBe(204);
    expect(await lastAudit()).toMatchObject({ action: 'delete', entity: 'blackout_date' });
    expect((await call('DELETE', `/admin/blackout-dates/${bo.body.blackoutDate.id}`)).status).toBe(404);
  });

  describe('bad input: 400 with details (404 for unknown ids), and nothing written', () => {
    let svcId: number;
    let staffId: number;
    beforeAll(async () => {
      svcId = (await call('POST', '/admin/services', { name: 'Base', duration: 30, price: 10 })).body.service.id;
      staffId = (await call('POST', '/admin/staff', { name: 'Base', email: 'base@example.com', serviceIds: [svcId], workingHours: { mon: [{ start: '09:00', end: '10:00' }] } }))
        .body.staff.id;
    });

    const mon = (...w: [string, string][]) => ({ mon: w.map(([start, end]) => ({ start, end })) });
    const staff = (extra: Record<string, unknown>) => ({ name: 'New', email: 'new@example.com', ...extra });
    const svc = (extra: Record<string, unknown>) => ({ name: 'New', duration: 30, price: 10, ...extra });
    const cases: [string, string, () => string, () => unknown, number, RegExp?][] = [
      ['negative duration', 'POST', () => '/admin/services', () => svc({ duration: -30 }), 400, /duration/],
      ['zero duration', 'POST', () => '/admin/services', () => svc({ duration: 0 }), 400, /duration/],
      ['duration as a string', 'POST', () => '/admin/services', () => svc({ duration: '30' }), 400, /duration/],
      ['huge duration', 'POST', () => '/admin/services', () => svc({ duration: 1e12 }), 400, /duration/],
      ['fractional buffer', 'POST', () => '/admin/services', () => svc({ bufferBefore: 1.5 }), 400, /bufferBefore/],
      ['negative price', 'POST', () => '/admin/services', () => svc({ price: -1 }), 400, /price/],
      ['huge price', 'POST', () => '/admin/services', () => svc({ price: 1e15 }), 400, /price/],
      ['price as a string', 'POST', () => '/admin/services', () => svc({ price: '10' }), 400, /price/],
      ['missing name', 'POST', () => '/admin/services', () => ({ duration: 30, price: 10 }), 400, /name/],
      ['blank name', 'POST', () => '/admin/services', () => svc({ name: '   ' }), 400, /name/],
      ['service longer than a day', 'POST', () => '/admin/services', () => svc({ duration: 1400, bufferAfter: 100 }), 400, /duration/],
      ['active as a string', 'POST', () => '/admin/services', () => svc({ active: 'yes' }), 400, /active/],
      ['update: duration as text', 'PUT', () => `/admin/services/${svcId}`, () => ({ duration: 'abc' }), 400, /duration/],
      ['update: longer than the windows of its staff', 'PUT', () => `/admin/services/${svcId}`, () => ({ duration: 45, bufferAfter: 30 }), 400, /longest working window.*60 minutes/],
      ['update: unknown service', 'PUT', () => '/admin/services/999999', () => ({ price: 1 }), 404],
      ['update: id not a number', 'PUT', () => '/admin/services/abc', () => ({ price: 1 }), 400, /id/],
      ['update: id too large', 'PUT', () => '/admin/services/99999999999', () => ({ price: 1 }), 400, /id/],
      ['delete: unknown service', 'DELETE', () => '/admin/services/999999', () => undefined, 404],
      ['invalid email', 'POST', () => '/admin/staff', () => staff({ email: 'not-an-email' }), 400, /email/],
      ['missing email', 'POST', () => '/admin/staff', () => ({ name: 'New' }), 400, /email/],
      ['invalid phone', 'POST', () => '/admin/staff', () => staff({ phone: 'call me maybe' }), 400, /phone/],
      ['window ending before it starts', 'POST', () => '/admin/staff', () => staff({ workingHours: mon(['17:00', '09:00']) }), 400, /workingHours\.mon\.0\.end/],
      ['empty window', 'POST', () => '/admin/staff', () => staff({ workingHours: mon(['09:00', '09:00']) }), 400, /workingHours\.mon/],
      ['invalid time', 'POST', () => '/admin/staff', () => staff({ workingHours: mon(['09:00', '25:00']) }), 400, /workingHours\.mon\.0\.end/],
      ['time without leading zero', 'POST', () => '/admin/staff', () => staff({ workingHours: mon(['9:00', '12:00']) }), 400, /workingHours\.mon\.0\.start/],
      ['overlapping windows', 'POST', () => '/admin/staff', () => staff({ workingHours: mon(['09:00', '12:00'], ['11:30', '17:00']) }), 400, /overlap/],
      ['unknown weekday', 'POST', () => '/admin/staff', () => staff({ workingHours: { monday: [{ start: '09:00', end: '12:00' }] } }), 400, /workingHours/],
      ['hours not an object', 'POST', () => '/admin/staff', () => staff({ workingHours: 'nine to five' }), 400, /workingHours/],
      ['unknown service id', 'POST', () => '/admin/staff', () => staff({ serviceIds: [svcId, 999999] }), 400, /serviceIds\.1.*999999/],
      ['service id as a string', 'POST', () => '/admin/staff', () => staff({ serviceIds: [String(svcId)] }), 400, /serviceIds\.0/],
      ['service longer than every window', 'POST', () => '/admin/staff', () => staff({ serviceIds: [svcId], workingHours: mon(['09:00', '09:20']) }), 400, /needs 30 minutes/],
      ['update: unknown employee', 'PUT', () => '/admin/staff/999999', () => ({ name: 'X' }), 404],
      ['update: overlapping windows', 'PUT', () => `/admin/staff/${staffId}`, () => ({ workingHours: mon(['09:00', '12:00'], ['10:00', '11:00']) }), 400, /overlap/],
      ['update: shrinking below the service', 'PUT', () => `/admin/staff/${staffId}`, () => ({ workingHours: mon(['09:00', '09:15']) }), 400, /longer than any working window/],
      ['delete: unknown employee', 'DELETE', () => '/admin/staff/999999', () => undefined, 404],
      ['time off: impossible date', 'POST', () => `/admin/staff/${staffId}/time-off`, () => ({ startDate: '2025-02-30', endDate: '2025-03-02' }), 400, /startDate/],
      ['time off: ending before it starts', 'POST', () => `/admin/staff/${staffId}/time-off`, () => ({ startDate: '2030-03-05', endDate: '2030-03-01' }), 400, /endDate/],
      ['time off: not a date', 'POST', () => `/admin/staff/${staffId}/time-off`, () => ({ startDate: '05/03/2030', endDate: '2030-03-06' }), 400, /startDate/],
      ['time off: unknown entry', 'DELETE', () => `/admin/staff/${staffId}/time-off/999999`, () => undefined, 404],
      ['blackout: impossible date', 'POST', () => '/admin/blackout-dates', () => ({ startDate: '2030-13-01', endDate: '2030-13-02' }), 400, /startDate/],
      ['blackout: reason too long', 'POST', () => '/admin/blackout-dates', () => ({ startDate: '2030-01-01', endDate: '2030-01-01', reason: 'x'.repeat(300) }), 400, /reason/],
      ['blackout: unknown entry', 'DELETE', () => '/admin/blackout-dates/999999', () => undefined, 404],
      ['settings: unknown zone', 'PUT', () => '/admin/settings', () => ({ timezone: 'Mars/Olympus_Mons' }), 400, /timezone/],
      ['settings: interval not dividing a day', 'PUT', () => '/admin/settings', () => ({ slotInterval: 7 }), 400, /slotInterval/],
      ['settings: interval too small', 'PUT', () => '/admin/settings', () => ({ slotInterval: 1 }), 400, /slotInterval/],
      ['settings: interval as a string', 'PUT', () => '/admin/settings', () => ({ slotInterval: '30' }), 400, /slotInterval/],
      ['settings: negative notice', 'PUT', () => '/admin/settings', () => ({ minNoticeMinutes: -5 }), 400, /minNoticeMinutes/],
      ['settings: huge advance', 'PUT', () => '/admin/settings', () => ({ maxAdvanceDays: 1e9 }), 400, /maxAdvanceDays/],
      ['settings: one bad of several', 'PUT', () => '/admin/settings', () => ({ timezone: 'Europe/Berlin', slotInterval: 0 }), 400, /slotInterval/],
    ];

    it.each(cases)('%s', async (_label, method, path, body, status, detail) => {
      const before = await counts();
      const [[svcBefore]] = await s.db.pool.query<any[]>('SELECT * FROM wp_appointease_services WHERE id = ?', [svcId]);
      const res = await call(method, path(), body());
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(status === 400 ? 'invalid_request' : 'not_found');
      expect(typeof res.body.error.message).toBe('string');
      if (status === 400) {
        expect(Array.isArray(res.body.error.details)).toBe(true);
        expect(res.body.error.details.length).toBeGreaterThan(0);
        if (detail) expect(JSON.stringify(res.body.error.details)).toMatch(detail);
      }
      expect(await counts()).toEqual(before);
      const [[svcAfter]] = await s.db.pool.query<any[]>('SELECT * FROM wp_appointease_services WHERE id = ?', [svcId]);
      expect(svcAfter).toEqual(svcBefore);
    });
  });

  it('a change invalidates cached availability: hours, service length, time off, blackouts, settings', async () => {
    const svc = (await call('POST', '/admin/services', { name: 'Slot', duration: 60, price: 0 })).body.service;
    const emp = (await call('POST', '/admin/staff', { name: 'Cached', email: 'cached@example.com', serviceIds: [svc.id], workingHours: everyWeekday('09:00', '12:00') }))
      .body.staff;
    const date = daysFromNow(5);
    const hits = async () => (await s.deps.metrics.cacheHits.get()).values.reduce((a, v) => a + v.value, 0);
    const read = async () => (await s.api(`/availability?date=${date}&employeeId=${emp.id}&serviceId=${svc.id}`)).json();
    const times = async () => (await read()).slots.map((x: { time: string }) => x.time);

    expect(await times()).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00']);
    const h0 = await hits();
    expect(await times()).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00']);
    expect(await hits()).toBe(h0 + 1); // the second read was served from the cache

    expect((await call('PUT', `/admin/staff/${emp.id}`, { workingHours: everyWeekday('14:00', '16:00') })).status).toBe(200);
    expect(await times()).toEqual(['14:00', '14:30', '15:00']);

    expect((await call('PUT', `/admin/services/${svc.id}`, { duration: 90 })).status).toBe(200);
    expect(await times()).toEqual(['14:00', '14:30']);

    const off = (await call('POST', `/admin/staff/${emp.id}/time-off`, { startDate: date, endDate: date })).body.timeOff;
    expect(await read()).toMatchObject({ slots: [], reason: 'time_off' });
    await call('DELETE', `/admin/staff/${emp.id}/time-off/${off.id}`);
    expect(await times()).toEqual(['14:00', '14:30']);

    const bo = (await call('POST', '/admin/blackout-dates', { startDate: date, endDate: date })).body.blackoutDate;
    expect(await read()).toMatchObject({ slots: [], reason: 'blackout' });
    await call('DELETE', `/admin/blackout-dates/${bo.id}`);

    expect((await call('PUT', '/admin/settings', { slotInterval: 60 })).status).toBe(200);
    expect(await times()).toEqual(['14:00']);
    await call('PUT', '/admin/settings', { slotInterval: null });
    expect(await times()).toEqual(['14:00', '14:30']);
  });
});

function everyWeekday(start: string, end: string) {
  return Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, [{ start, end }]]));
}

describe('admin API with REDIS_ENABLED=false', () => {
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startSidecar({ env: { REDIS_ENABLED: 'false' } });
    await s.db.pool.query(`INSERT INTO wp_appointease_settings (setting_key, setting_value) VALUES ('timezone', '"UTC"'), ('minNoticeMinutes', '0')`);
  });
  afterAll(() => s?.stop());

  it('changes apply to the next availability read, audited, with no Redis at all', async () => {
    const token = s.adminToken();
    const svc = (await (await s.api('/admin/services', { method: 'POST', token, json: { name: 'S', duration: 60, price: 0 } })).json()).service;
    const hours = (start: string, end: string) => Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, [{ start, end }]]));
    const emp = (await (await s.api('/admin/staff', { method: 'POST', token, json: { name: 'E', email: 'e@example.com', workingHours: hours('09:00', '11:00') } })).json()).staff;
    const date = daysFromNow(3);
    const times = async () => (await (await s.api(`/availability?date=${date}&employeeId=${emp.id}&serviceId=${svc.id}`)).json()).slots.map((x: { time: string }) => x.time);
    expect(await times()).toEqual(['09:00', '09:30', '10:00']);
    expect((await s.api(`/admin/staff/${emp.id}`, { method: 'PUT', token, json: { workingHours: hours('15:00', '16:00') } })).status).toBe(200);
    expect(await times()).toEqual(['15:00']);
    const stats = await (await s.api('/admin/stats', { token })).json();
    expect(stats).toMatchObject({ redis: 'disabled', mysql: 'connected' });
    const [[n]] = await s.db.pool.query<any[]>('SELECT COUNT(*) AS c FROM wp_appointease_audit_log');
    expect(Number(n.c)).toBe(3);
  });
});

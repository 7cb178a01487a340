import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../server/src/db/migrate';
import { originalPluginTables } from '../helpers/appointease-original-schema';
import { daysFromNow } from '../helpers/catalogue';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

const run = promisify(execFile);

const WP_OPTIONS = `CREATE TABLE wp_options (
  option_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  option_name varchar(191) NOT NULL DEFAULT '',
  option_value longtext NOT NULL,
  autoload varchar(20) NOT NULL DEFAULT 'yes',
  PRIMARY KEY (option_id),
  UNIQUE KEY option_name (option_name)
)`;

async function migrateCli(url: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'server/src/cli/migrate.ts'], {
    env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: url, WP_TABLE_PREFIX: 'wp_' },
    timeout: 30_000,
  });
  return stdout;
}

describe('migrate on a database the AppointEase plugin already filled', () => {
  let db: TestDatabase;
  let s: TestSidecar;
  const date = daysFromNow(3);
  const everyDayJson = JSON.stringify(Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, ['09:00', '13:00']])));
  let originalAppointment: Record<string, unknown>;
  let originalLock: Record<string, unknown>;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    for (const sql of originalPluginTables()) await db.pool.query(sql);
    await db.pool.query(WP_OPTIONS);
    await db.pool.query(`INSERT INTO wp_options (option_name, option_value) VALUES ('timezone_string', 'Europe/Berlin'), ('gmt_offset', '1')`);
    // Rows in AppointEase's own shape.
    await db.pool.query(`INSERT INTO wp_appointease_services (id, name, description, duration, price) VALUES (1, 'Consultation', 'Talk', 60, 50.00), (2, 'Quick check', NULL, 30, 20.00)`);
    await db.pool.query(`INSERT INTO wp_appointease_staff (id, name, email, phone, working_hours) VALUES (1, 'Legacy Lee', 'lee@example.com', '555', ?), (2, 'Weekend Wu', 'wu@example.com', NULL, ?)`, [
      everyDayJson,
      JSON.stringify({ mon: ['10:00', '12:00'], tue: ['10:00', '12:00'] }),
    ]);
    await db.pool.query(
      `INSERT INTO wp_appointments (name, email, phone, appointment_date, status, service_id, employee_id, strong_id, total_amount)
       VALUES ('Pat Past', 'pat@example.com', '555-1', ?, 'confirmed', 1, 1, 'APT-2025-000042', 50.00)`,
      [`${date} 10:00:00`],
    );
    await db.pool.query(`INSERT INTO wp_appointease_slot_locks (date, time, employee_id, client_id, expires_at) VALUES ('2020-01-01', '09:00:00', 1, 'client-abc', '2020-01-01 09:10:00')`);
    [[originalAppointment]] = (await db.pool.query<any[]>('SELECT * FROM wp_appointments')) as any;
    [[originalLock]] = (await db.pool.query<any[]>('SELECT * FROM wp_appointease_slot_locks')) as any;
  });
  afterAll(async () => {
    await s?.stop();
    await db?.drop();
  });

  it('adds what is missing the first time and nothing the second time', async () => {
    const first = await migrate(db.pool, 'wp_');
    expect(first.addedColumns).toEqual(
      expect.arrayContaining(['wp_appointments.end_date', 'wp_appointments.buffer_before', 'wp_appointments.idempotency_hash', 'wp_appointease_services.buffer_before', 'wp_appointease_services.active', 'wp_appointease_staff.active', 'wp_appointease_slot_locks.lock_id']),
    );
    expect(first.createdTables).toEqual(expect.arrayContaining(['wp_appointease_settings', 'wp_appointease_staff_services', 'wp_appointease_audit_log', 'wp_appointease_sessions']));
    expect(first.createdTables).not.toContain('wp_appointments');
    expect(first.addedIndexes).toContain('wp_appointments.idx_employee_date');
    // The plugin's unique slot index has another name but the same columns: not duplicated.
    expect(first.addedIndexes.filter((i) => i.startsWith('wp_appointease_slot_locks.'))).toEqual(['wp_appointease_slot_locks.idx_lock']);
    const [uniques] = await db.pool.query<any[]>(
      `SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'wp_appointease_slot_locks' AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY'`,
    );
    expect(uniques.map((u) => u.name)).toEqual(['unique_slot']);
    // Every address /otp accepts (190 characters) must fit: the plugin's email column is widened, nothing else about it changes.
    expect(first.widenedColumns).toEqual(['wp_appointments.email', 'wp_appointease_customers.email']);
    const [[email]] = await db.pool.query<any[]>(
      `SELECT COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLLATION_NAME AS collation FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'wp_appointments' AND COLUMN_NAME = 'email'`,
    );
    expect(email).toEqual({ type: 'varchar(190)', nullable: 'NO', collation: 'utf8mb4_unicode_ci' });

    const second = await migrate(db.pool, 'wp_');
    expect(second).toMatchObject({ createdTables: [], addedColumns: [], widenedColumns: [], addedIndexes: [], problems: [] });
    expect(await migrateCli(db.url)).toMatch(/Schema is up to date/);
  });

  it('keeps the original rows as they were', async () => {
    const [[appointment]] = await db.pool.query<any[]>('SELECT * FROM wp_appointments');
    expect(appointment).toMatchObject(originalAppointment);
    expect(appointment.end_date).toBeNull();
    const [[lock]] = await db.pool.query<any[]>('SELECT * FROM wp_appointease_slot_locks');
    expect(lock).toMatchObject(originalLock);
    const [services] = await db.pool.query<any[]>('SELECT id, name, duration, buffer_before, buffer_after, active FROM wp_appointease_services ORDER BY id');
    expect(services).toEqual([
      { id: 1, name: 'Consultation', duration: 60, buffer_before: 0, buffer_after: 0, active: 1 },
      { id: 2, name: 'Quick check', duration: 30, buffer_before: 0, buffer_after: 0, active: 1 },
    ]);
    const [[staff]] = await db.pool.query<any[]>('SELECT working_hours, active FROM wp_appointease_staff WHERE id = 1');
    expect(staff).toEqual({ working_hours: everyDayJson, active: 1 });
  });

  it('serves availability from them: hours from the JSON, an appointment without an end blocks the service duration', async () => {
    s = await startSidecar({ db });
    expect((await (await s.api('/settings')).json()).timezone).toBe('Europe/Berlin');
    const services = (await (await s.api('/services')).json()).services;
    expect(services).toEqual([
      { id: 1, name: 'Consultation', description: 'Talk', duration: 60, price: 50, bufferBefore: 0, bufferAfter: 0 },
      { id: 2, name: 'Quick check', description: '', duration: 30, price: 20, bufferBefore: 0, bufferAfter: 0 },
    ]);
    expect((await (await s.api('/staff?serviceId=2')).json()).staff).toEqual([{ id: 1, name: 'Legacy Lee' }, { id: 2, name: 'Weekend Wu' }]);

    const res = await s.api(`/availability?date=${date}&employeeId=1&serviceId=2`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.timezone).toBe('Europe/Berlin');
    const status = Object.fromEntries(body.slots.map((x: { time: string; status: string }) => [x.time, x.status]));
    // 09:00–13:00 from the JSON; the 10:00 Consultation (60 min, no stored end) holds 10:00–11:00.
    expect(Object.keys(status)).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30']);
    expect(status).toMatchObject({ '09:00': 'available', '09:30': 'available', '10:00': 'booked', '10:30': 'booked', '11:00': 'available' });

    const hour = await (await s.api(`/availability?date=${date}&employeeId=1&serviceId=1`)).json();
    const hourStatus = Object.fromEntries(hour.slots.map((x: { time: string; status: string }) => [x.time, x.status]));
    expect(hourStatus['09:30']).toBe('unavailable'); // would run into the 10:00 appointment
    expect(hourStatus['11:00']).toBe('available');

    // The admin view reads it too, with the end derived from the service.
    const list = await (await s.api(`/admin/appointments?from=${date}&to=${date}`, { token: s.adminToken() })).json();
    expect(list.appointments).toEqual([expect.objectContaining({ reference: 'APT-2025-000042', time: '10:00', endTime: '11:00', email: 'pat@example.com', serviceName: 'Consultation' })]);
  });

  it('an admin edit of a legacy employee writes availability rows and keeps the JSON readable for the plugin', async () => {
    const res = await s.api('/admin/staff/2', { method: 'PUT', token: s.adminToken(), json: { workingHours: { mon: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '18:00' }] } } });
    expect(res.status).toBe(200);
    const [[row]] = await db.pool.query<any[]>('SELECT working_hours FROM wp_appointease_staff WHERE id = 2');
    expect(JSON.parse(row.working_hours)).toEqual({ mon: ['08:00', '18:00'] });
    const [rows] = await db.pool.query<any[]>('SELECT day_of_week FROM wp_appointease_availability WHERE staff_id = 2');
    expect(rows.map((r) => r.day_of_week)).toEqual([1, 1]);
  });
});

describe('the business time zone from WordPress', () => {
  let s: TestSidecar | undefined;
  let db: TestDatabase | undefined;
  afterAll(async () => {
    await s?.stop();
    await db?.drop(); // shared with startSidecar, so not dropped by it
  });

  it('uses gmt_offset when timezone_string is empty, and an admin override over either', async () => {
    db = await createTestDatabase();
    await db.pool.query(WP_OPTIONS);
    await db.pool.query(`INSERT INTO wp_options (option_name, option_value) VALUES ('timezone_string', ''), ('gmt_offset', '5.5')`);
    s = await startSidecar({ db });
    const initial = await (await s.api('/settings')).json();
    expect(initial.timezone).toBe('UTC+5:30');
    expect((await (await s.api('/admin/settings', { token: s.adminToken() })).json()).wordpressTimezone).toBe('UTC+5:30');

    const put = await s.api('/admin/settings', { method: 'PUT', token: s.adminToken(), json: { timezone: 'Asia/Kolkata' } });
    expect(put.status).toBe(200);
    expect((await (await s.api('/settings')).json()).timezone).toBe('Asia/Kolkata');
  });
});

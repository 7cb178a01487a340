// CONTRACT §12: "each non-cancelled appointment gets one reminder mail per entry" — also the
// appointments no booking change of the sidecar planned (written before the upgrade or by the
// AppointEase plugin), and the entries an admin adds after the booking; an entry taken out, or an
// instant the site's time zone has since moved, is not mailed. Real MariaDB and SMTP, two
// instances on one database, with Redis and with REDIS_ENABLED=false.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDateTimeInstant, toLocalSql } from '../../server/src/domain/time';
import { everyDay, seedCatalogue } from '../helpers/catalogue';
import { codeFromMails, signIn } from '../helpers/customers';
import { startSmtp, type TestSmtp } from '../helpers/mail';
import { createTestDatabase, deletePrefix, uniquePrefix, type TestDatabase } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { until } from '../helpers/wait';

const MINUTE = 60_000;

interface ReminderRow {
  id: number;
  status: string;
  due_at: string;
  dedupe_key: string | null;
  last_error: string | null;
  payload: string;
}

describe.each([
  { store: 'Redis', env: {} as Record<string, string> },
  { store: 'MySQL only', env: { REDIS_ENABLED: 'false' } as Record<string, string> },
])('reminders no booking change planned ($store)', ({ env: storeEnv }) => {
  const ZONE = 'Europe/Berlin';
  let db: TestDatabase;
  let smtp: TestSmtp;
  let a: TestSidecar;
  let b: TestSidecar;
  let emp: number;
  let svc: number;
  const prefix = uniquePrefix();
  /** Local start times (the site's zone) by label, minutes from now rounded to the minute. */
  const startIn = (minutes: number, zone = ZONE) => toLocalSql(Math.ceil((Date.now() + minutes * MINUTE) / MINUTE) * MINUTE, zone);

  /** As the AppointEase plugin writes a booking: straight into its table, no outbox row. */
  const legacyAppointment = async (local: string, fields: { status?: string; email?: string } = {}) => {
    const [r] = await db.pool.query<any>(
      `INSERT INTO wp_appointments (name, email, appointment_date, status, service_id, employee_id) VALUES ('Lea Legacy', ?, ?, ?, ?, ?)`,
      [fields.email ?? 'lea@example.com', local, fields.status ?? 'confirmed', svc, emp],
    );
    return Number(r.insertId);
  };
  const reminders = async (appointmentId: number): Promise<ReminderRow[]> =>
    (
      await db.pool.query<any[]>(
        `SELECT id, status, due_at, dedupe_key, last_error, payload FROM wp_appointease_outbox WHERE kind = 'reminder' AND appointment_id = ? ORDER BY id`,
        [appointmentId],
      )
    )[0];
  /** The row's send time is now (a reminder planned for tomorrow, due in this test). */
  const fallDue = (id: number) => db.pool.query(`UPDATE wp_appointease_outbox SET due_at = UTC_TIMESTAMP(3), available_at = UTC_TIMESTAMP(3) WHERE id = ?`, [id]);
  const dueMs = (row: ReminderRow) => Date.parse(`${row.due_at.replace(' ', 'T')}Z`);
  /**
   * Saved on instance a; returns once b sees it too (at once through Redis; without it b's copy
   * is trusted for up to a second), so what either instance does next follows the new settings.
   */
  const putSettings = async (json: Record<string, unknown>) => {
    const res = await a.api('/admin/settings', { method: 'PUT', token: a.adminToken(), json });
    expect(res.status).toBe(200);
    const saved = await res.json();
    const same = (rules: { timezone: string; reminders: unknown }) => rules.timezone === saved.timezone && JSON.stringify(rules.reminders) === JSON.stringify(saved.reminders);
    await until('both instances see the settings', async () => (await Promise.all([a, b].map((s) => s.deps.catalogue.snapshot()))).every((snap) => same(snap.rules)));
  };
  /** Both instances sweep at the same moment, twice: what the startup runs have not planned by now. */
  const sweepEverywhere = async () => {
    const runs = await Promise.all([a, b, a, b].map((s) => s.deps.reminderSweep.run()));
    return runs.reduce((n, r) => n + r.planned, 0);
  };

  let due: number; // in 2 days: its 24 h reminder is ahead
  let soon: number; // in 2 hours: its 24 h reminder has passed
  let cancelled: number;
  let completed: number;
  let noEmail: number;
  let farOut: number; // in 30 days: beyond the window (the largest offset + 3 sweep periods: 3 days here), planned by a later run

  beforeAll(async () => {
    [db, smtp] = await Promise.all([createTestDatabase(), startSmtp()]);
    const ids = await seedCatalogue(db.pool, {
      services: [{ name: 'Massage', duration: 60 }],
      staff: [{ name: 'Ana', hours: everyDay(['00:00', '23:59']) }],
      settings: { timezone: ZONE, minNoticeMinutes: 0, maxBookingsPerCustomer: 0 },
    });
    [emp] = ids.staffIds as [number];
    [svc] = ids.serviceIds as [number];
    // Written before the sidecar ever ran: the upgrade.
    due = await legacyAppointment(startIn(2 * 1440));
    soon = await legacyAppointment(startIn(120));
    cancelled = await legacyAppointment(startIn(2 * 1440 + 60), { status: 'cancelled' });
    completed = await legacyAppointment(startIn(2 * 1440 + 120), { status: 'completed' });
    noEmail = await legacyAppointment(startIn(2 * 1440 + 180), { email: '' });
    farOut = await legacyAppointment(startIn(30 * 1440));
    const env = { ...storeEnv, MAIL_TRANSPORT: smtp.url, OUTBOX_POLL_MS: '200', REMINDER_SWEEP_SECONDS: '86400' };
    a = await startSidecar({ db, prefix, env });
    b = await startSidecar({ db, prefix, env });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await smtp?.stop();
    await deletePrefix(prefix);
    await db?.drop();
  });

  it('after the upgrade, the plugin’s appointments get their reminders once, however many instances sweep', async () => {
    // The startup runs (2 s after each instance starts) plan it without being asked.
    await until('the startup sweep planned the 24 h reminder', async () => (await reminders(due)).length === 1);
    expect(await sweepEverywhere()).toBe(0);
    const [row] = await reminders(due);
    const [[appointment]] = await db.pool.query<any[]>(`SELECT appointment_date FROM wp_appointments WHERE id = ?`, [due]);
    const start = localDateTimeInstant(appointment.appointment_date, ZONE);
    expect(row!.status).toBe('pending');
    expect(dueMs(row!)).toBe(start - 1440 * MINUTE);
    expect(row!.dedupe_key).toBe(`reminder:${due}:1440:${start}`);
    expect(JSON.parse(row!.payload)).toEqual({ minutesBefore: 1440, startLocal: appointment.appointment_date, start: new Date(start).toISOString() });
    for (const id of [soon, cancelled, completed, noEmail, farOut]) expect(await reminders(id), `appointment ${id}`).toEqual([]);
    // One already sent is not planned again (its row keeps its key until the purge, by when it has passed).
    await db.pool.query(`UPDATE wp_appointease_outbox SET status = 'done', finished_at = UTC_TIMESTAMP(3) WHERE id = ?`, [row!.id]);
    expect(await sweepEverywhere()).toBe(0);
    expect(await reminders(due)).toHaveLength(1);
    await db.pool.query(`UPDATE wp_appointease_outbox SET status = 'pending', finished_at = NULL WHERE id = ?`, [row!.id]);
  });

  it('an entry added to the settings reaches appointments already booked; one taken out is not mailed', async () => {
    await putSettings({ reminders: [{ minutesBefore: 1440 }, { minutesBefore: 2 * 1440 - 30 }] });
    // The instance that saved the change sweeps at once; nobody calls run() here.
    await until('the added reminder planned', async () => (await reminders(due)).length === 2);
    const rows = await reminders(due);
    expect(rows.map((r) => JSON.parse(r.payload).minutesBefore).sort()).toEqual([1440, 2 * 1440 - 30]);
    // Now take the 24 h one out, and let its row fall due: whichever instance claims it drops it.
    await putSettings({ reminders: [{ minutesBefore: 2 * 1440 - 30 }] });
    const dayBefore = rows.find((r) => JSON.parse(r.payload).minutesBefore === 1440)!;
    await fallDue(dayBefore.id);
    await until('the removed reminder dropped', async () => (await reminders(due)).find((r) => r.id === dayBefore.id)!.status !== 'pending');
    const dropped = (await reminders(due)).find((r) => r.id === dayBefore.id)!;
    expect({ status: dropped.status, last_error: dropped.last_error }).toEqual({ status: 'cancelled', last_error: 'reminder no longer in the settings' });
    expect(smtp.mails).toEqual([]);
    // The one still in the settings goes out when due, once.
    const kept = (await reminders(due)).find((r) => r.status === 'pending')!;
    await fallDue(kept.id);
    await until('the kept reminder sent', async () => (await reminders(due)).find((r) => r.id === kept.id)!.status === 'done');
    expect(smtp.mails.map((m) => m.to)).toEqual([['lea@example.com']]);
    expect(await sweepEverywhere()).toBe(0);
  });

  it('a new site time zone: the old instant is not mailed, the new one is planned', async () => {
    const [[appointment]] = await db.pool.query<any[]>(`SELECT appointment_date FROM wp_appointments WHERE id = ?`, [due]);
    const oldStart = localDateTimeInstant(appointment.appointment_date, ZONE);
    const newStart = localDateTimeInstant(appointment.appointment_date, 'America/New_York');
    // The 24 h reminder back in the settings: planned again (the dropped row gave its key up).
    await putSettings({ reminders: [{ minutesBefore: 1440 }] });
    await until('the 24 h reminder planned again', async () => (await reminders(due)).some((r) => r.status === 'pending' && r.dedupe_key === `reminder:${due}:1440:${oldStart}`));
    const before = (await reminders(due)).filter((r) => r.status === 'pending');
    await putSettings({ timezone: 'America/New_York' });
    await until('the new instant planned', async () => (await reminders(due)).some((r) => r.dedupe_key === `reminder:${due}:1440:${newStart}`));
    const planned = (await reminders(due)).find((r) => r.dedupe_key === `reminder:${due}:1440:${newStart}`)!;
    expect(dueMs(planned)).toBe(newStart - 1440 * MINUTE);
    // The row planned for the old instant (when it is still pending) is dropped when it falls due.
    const stale = before.filter((r) => r.dedupe_key!.endsWith(`:${oldStart}`));
    expect(stale).toHaveLength(1);
    for (const r of stale) {
      await fallDue(r.id);
      await until('the stale reminder dropped', async () => (await reminders(due)).find((x) => x.id === r.id)!.status !== 'pending');
      expect((await reminders(due)).find((x) => x.id === r.id)!.last_error).toBe('appointment time changed');
    }
    await putSettings({ timezone: ZONE });
  });

  it('an appointment booked through the API is not planned twice by the sweep', async () => {
    await putSettings({ reminders: [{ minutesBefore: 1440 }] });
    const date = startIn(3 * 1440).slice(0, 10);
    const hold = await b.api('/locks', { method: 'POST', json: { date, time: '10:00', employeeId: emp, serviceId: svc } });
    expect(hold.status).toBe(201);
    const { lockToken } = await hold.json();
    const email = 'nia@example.com';
    const session = await signIn(b, email, async () => {
      await until('the code mail', () => smtp.mails.some((m) => m.to.includes(email)));
      return codeFromMails(smtp.mails, email);
    });
    const booked = await b.api('/appointments', { method: 'POST', token: session, json: { lockToken, date, time: '10:00', employeeId: emp, serviceId: svc, name: 'Nia New' } });
    expect(booked.status).toBe(201);
    const { appointment } = await booked.json();
    const id = Number(appointment.id);
    expect(await reminders(id)).toHaveLength(1);
    expect(await sweepEverywhere()).toBe(0);
    expect(await reminders(id)).toHaveLength(1);
  });
});

describe('the reminder sweep reads a busy window in pages', () => {
  let s: TestSidecar;

  beforeAll(async () => {
    s = await startSidecar({ env: { REMINDER_SWEEP_SECONDS: '86400' } });
    await s.db.pool.query(`INSERT INTO wp_appointease_settings (setting_key, setting_value) VALUES ('timezone', '"UTC"')`);
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('1,201 appointments at three times (pages of 500 split equal start times): each gets its reminder, once', async () => {
    const times = [1, 2, 3].map((h) => toLocalSql(Math.ceil((Date.now() + (1440 + 60 * h) * MINUTE) / MINUTE) * MINUTE, 'UTC'));
    const rows = Array.from({ length: 1201 }, (_, i) => [`Guest ${i}`, `guest${i}@example.com`, times[i % 3], 'confirmed']);
    await s.db.pool.query(`INSERT INTO wp_appointments (name, email, appointment_date, status) VALUES ?`, [rows]);
    const first = await s.deps.reminderSweep.run();
    const again = await s.deps.reminderSweep.run();
    const [[counts]] = await s.db.pool.query<any[]>(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT appointment_id) AS appointments FROM wp_appointease_outbox WHERE kind = 'reminder' AND status = 'pending'`,
    );
    // The start-up run may have planned some first; between them every appointment has one.
    expect({ n: Number(counts.n), appointments: Number(counts.appointments) }).toEqual({ n: 1201, appointments: 1201 });
    expect(first.appointments).toBe(1201);
    expect(again).toEqual({ appointments: 1201, planned: 0 });
  });
});

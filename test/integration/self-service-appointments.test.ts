import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { codeFromMails, insertAppointment, signIn } from '../helpers/customers';
import { startSmtp, type TestSmtp } from '../helpers/mail';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/** CONTRACT §6 self-service against real MariaDB + Redis: ownership comes from the session only. */
describe('self-service appointments', () => {
  let s: TestSidecar;
  let smtp: TestSmtp;
  let ids: { serviceIds: number[]; staffIds: number[] };
  let alice: string;
  let bob: string;
  const read = async (email: string) => {
    await s.deps.mailer.idle();
    return codeFromMails(smtp.mails, email);
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startSidecar({ env: { MAIL_TRANSPORT: smtp.url } });
    ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Cut', duration: 60, bufferAfter: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    alice = await signIn(s, 'alice@example.com', read);
    bob = await signIn(s, 'bob@example.com', read);
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.stop();
  });

  const svc = () => ids.serviceIds[0]!;
  const emp = () => ids.staffIds[0]!;

  it('lists only the session owner’s appointments, newest first, past and future', async () => {
    const past = await insertAppointment(s, { email: 'alice@example.com', date: daysFromNow(-10), time: '09:00', serviceId: svc(), employeeId: emp() });
    const future = await insertAppointment(s, { email: 'Alice@Example.com', date: daysFromNow(5), time: '10:00', serviceId: svc(), employeeId: emp() });
    const later = await insertAppointment(s, { email: 'alice@example.com', date: daysFromNow(6), time: '11:00', endTime: '12:00', serviceId: svc(), employeeId: emp() });
    await insertAppointment(s, { email: 'bob@example.com', date: daysFromNow(5), time: '14:00', serviceId: svc(), employeeId: emp() });

    const res = await s.api('/appointments', { token: alice });
    expect(res.status).toBe(200);
    const { appointments } = await res.json();
    expect(appointments.map((a: { reference: string }) => a.reference)).toEqual([later.reference, future.reference, past.reference]);
    expect(appointments[0]).toEqual({
      id: later.id,
      reference: later.reference,
      date: daysFromNow(6),
      time: '11:00',
      endTime: '12:00',
      start: `${daysFromNow(6)}T11:00:00.000Z`,
      end: `${daysFromNow(6)}T12:00:00.000Z`,
      employeeId: emp(),
      serviceId: svc(),
      status: 'confirmed',
      name: 'Customer',
      email: 'alice@example.com',
    });
    // A row without a stored end (AppointEase's own) ends after the service's duration.
    expect(appointments[1]).toMatchObject({ time: '10:00', endTime: '11:00' });
    expect(JSON.stringify(appointments)).not.toContain('bob@');
  });

  it('shows one appointment to its owner and answers 404, never 403, to anyone else', async () => {
    const mine = await insertAppointment(s, { email: 'alice@example.com', date: daysFromNow(7), time: '09:00', serviceId: svc(), employeeId: emp() });
    const own = await s.api(`/appointments/${mine.reference}`, { token: alice });
    expect(own.status).toBe(200);
    expect((await own.json()).appointment).toMatchObject({ reference: mine.reference, date: daysFromNow(7), time: '09:00' });

    const other = await s.api(`/appointments/${mine.reference}`, { token: bob });
    const missing = await s.api(`/appointments/APT-2099-000001`, { token: bob });
    const malformed = await s.api(`/appointments/${encodeURIComponent("' OR 1=1 --")}`, { token: bob });
    for (const r of [other, missing, malformed]) expect(r.status).toBe(404);
    const [a, b] = [await other.json(), await missing.json()];
    expect(a).toEqual(b); // indistinguishable from a reference that does not exist
    expect(a.error.code).toBe('not_found');

    const cancelByOther = await s.api(`/appointments/${mine.reference}`, { method: 'DELETE', token: bob });
    expect(cancelByOther.status).toBe(404);
    const [rows] = await s.db.pool.query<any[]>('SELECT status FROM wp_appointments WHERE id = ?', [mine.id]);
    expect(rows[0].status).toBe('confirmed');
  });

  it('cancels: frees the time at once, tells subscribers, audits, mails, and answers the same when repeated', async () => {
    const date = daysFromNow(3);
    const slotUrl = `/availability?date=${date}&employeeId=${emp()}&serviceId=${svc()}`;
    const statusAt = async (time: string) => ((await (await s.api(slotUrl)).json()).slots as { time: string; status: string }[]).find((x) => x.time === time)?.status;

    expect(await statusAt('13:00')).toBe('available'); // caches the day
    const appt = await insertAppointment(s, { email: 'alice@example.com', name: 'Alice', date, time: '13:00', serviceId: svc(), employeeId: emp() });
    await s.deps.availability.invalidateDay(date, emp()); // what booking does
    expect(await statusAt('13:00')).toBe('booked');
    expect(await statusAt('14:00')).toBe('unavailable'); // inside the 30-minute buffer after

    const events: unknown[] = [];
    const off = s.deps.hub.onEvent((e) => events.push(e));
    const before = smtp.mails.length;
    const res = await s.api(`/appointments/${appt.reference}`, { method: 'DELETE', token: alice });
    off();
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe('cancelled');
    expect(body.appointment).toMatchObject({ reference: appt.reference, status: 'cancelled' });

    expect(await statusAt('13:00')).toBe('available');
    expect(await statusAt('14:00')).toBe('available');
    expect(events).toEqual([
      expect.objectContaining({ type: 'slot_released', reason: 'cancelled', date, time: '13:00', times: ['13:00', '13:30', '14:00'], employeeId: emp() }),
    ]);
    const [audit] = await s.db.pool.query<any[]>("SELECT actor, action, entity_id, ip FROM wp_appointease_audit_log WHERE action = 'appointment.cancel'");
    expect(audit).toEqual([{ actor: 'customer', action: 'appointment.cancel', entity_id: appt.reference, ip: '127.0.0.1' }]);
    await s.deps.mailer.idle();
    expect(smtp.mails.length).toBe(before + 1);
    expect(smtp.mails[before]!.to).toEqual(['alice@example.com']);

    const again = await s.api(`/appointments/${appt.reference}`, { method: 'DELETE', token: alice });
    expect(again.status).toBe(200);
    expect((await again.json()).status).toBe('cancelled');
    await s.deps.mailer.idle();
    expect(smtp.mails.length).toBe(before + 1); // no second mail, no second event
  });

  it('refuses to cancel an appointment that has already started', async () => {
    const past = await insertAppointment(s, { email: 'alice@example.com', date: daysFromNow(-1), time: '09:00', serviceId: svc(), employeeId: emp() });
    const res = await s.api(`/appointments/${past.reference}`, { method: 'DELETE', token: alice });
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe('appointment_started');
  });
});

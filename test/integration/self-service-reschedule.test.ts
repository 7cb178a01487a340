import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { codeFromMails, signIn } from '../helpers/customers';
import { icsProp, leaves, parseIcs, partOf, startSmtp, type CapturedMail, type TestSmtp } from '../helpers/mail';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/** How the mails write a day of the business zone (English: no WordPress language in this database). */
const longDay = (d: string) => new Intl.DateTimeFormat('en', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${d}T12:00:00Z`));

function eventOf(mail: CapturedMail) {
  const part = leaves(mail.parsed).find((p) => p.contentType === 'text/calendar')!;
  const cal = parseIcs(part.body);
  return { method: icsProp(cal.props, 'METHOD')!.value, event: cal.components.find((c) => c.name === 'VEVENT')!.props };
}

/**
 * The whole customer journey over HTTP against real MariaDB, Redis and an SMTP
 * server: code → session → hold → book (confirmation + .ics) → move (PATCH,
 * reschedule mail, same UID, higher SEQUENCE) → cancel (.ics CANCEL).
 */
describe('self-service reschedule over HTTP', () => {
  let s: TestSidecar;
  let smtp: TestSmtp;
  let svc: number;
  let ana: number;
  let ben: number;
  let dora: string;
  let eve: string;
  let ip = 0;
  const date = daysFromNow(6);
  const read = async (email: string) => {
    await s.deps.mailer.idle();
    return codeFromMails(smtp.mails, email);
  };
  const hold = async (d: string, time: string, employeeId: number) => {
    const res = await s.api('/locks', { method: 'POST', json: { date: d, time, employeeId, serviceId: svc }, headers: { 'X-Forwarded-For': `10.7.0.${++ip}` } });
    expect(res.status).toBe(201);
    return (await res.json()).lockToken as string;
  };
  const mailsTo = (email: string) => smtp.mails.filter((m) => m.to.includes(email));
  const statusAt = async (d: string, employeeId: number, time: string) =>
    ((await (await s.api(`/availability?date=${d}&employeeId=${employeeId}&serviceId=${svc}`)).json()).slots as { time: string; status: string }[]).find((x) => x.time === time)?.status;

  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startSidecar({ env: { MAIL_TRANSPORT: smtp.url, TRUST_PROXY: 'true' } });
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Massage', duration: 60 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }, { name: 'Ben', hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: 'Europe/Lisbon', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [ana, ben] = ids.staffIds as [number, number];
    dora = await signIn(s, 'dora@example.com', read);
    eve = await signIn(s, 'eve@example.com', read);
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.stop();
  });

  it('books with a confirmation, moves with a reschedule notice, cancels with a CANCEL — one calendar entry throughout', async () => {
    const booked = await s.api('/appointments', { method: 'POST', token: dora, json: { lockToken: await hold(date, '10:00', ana), date, time: '10:00', employeeId: ana, serviceId: svc, name: 'Dora <b>D</b>' } });
    expect(booked.status).toBe(201);
    const { appointment } = await booked.json();
    await s.deps.mailer.idle();
    const confirmation = mailsTo('dora@example.com').at(-1)!;
    expect(partOf(confirmation, 'text/plain')!.body).toContain(appointment.reference);
    expect(partOf(confirmation, 'text/html')!.body).toContain('Dora &lt;b&gt;D&lt;/b&gt;');
    const first = eventOf(confirmation);
    expect(first.method).toBe('REQUEST');
    expect(icsProp(first.event, 'DTSTART')!.value).toBe(appointment.start.replace(/[-:]/g, '').replace('.000', ''));
    const uid = icsProp(first.event, 'UID')!.value;

    // Someone else cannot move it, and it is not theirs to see.
    const foreign = await s.api(`/appointments/${appointment.reference}`, { method: 'PATCH', token: eve, json: { lockToken: await hold(date, '15:00', ben), date, time: '15:00', employeeId: ben } });
    expect(foreign.status).toBe(404);

    const moved = await s.api(`/appointments/${appointment.reference}`, { method: 'PATCH', token: dora, json: { lockToken: await hold(date, '14:00', ben), date, time: '14:00', employeeId: ben } });
    expect(moved.status).toBe(200);
    expect((await moved.json()).appointment).toMatchObject({ reference: appointment.reference, date, time: '14:00', endTime: '15:00', employeeId: ben, status: 'confirmed', email: 'dora@example.com' });
    expect(await statusAt(date, ana, '10:00')).toBe('available');
    expect(await statusAt(date, ben, '14:00')).toBe('booked');

    await s.deps.mailer.idle();
    const notice = mailsTo('dora@example.com').at(-1)!;
    expect(notice.parsed.headers.subject).toContain('has been moved to');
    const noticeText = partOf(notice, 'text/plain')!.body.replace(/[\u202f\u2009]/g, ' ');
    expect(noticeText).toContain(`When: ${longDay(date)}, 2:00 – 3:00 PM`);
    expect(noticeText).toContain(`Previously: ${longDay(date)}, 10:00 – 11:00 AM`);
    const second = eventOf(notice);
    expect(second.method).toBe('REQUEST');
    expect(icsProp(second.event, 'UID')!.value).toBe(uid);
    expect(Number(icsProp(second.event, 'SEQUENCE')!.value)).toBeGreaterThan(Number(icsProp(first.event, 'SEQUENCE')!.value));

    const cancelled = await s.api(`/appointments/${appointment.reference}`, { method: 'DELETE', token: dora });
    expect(cancelled.status).toBe(200);
    expect(await statusAt(date, ben, '14:00')).toBe('available');
    await s.deps.mailer.idle();
    const third = eventOf(mailsTo('dora@example.com').at(-1)!);
    expect(third.method).toBe('CANCEL');
    expect(icsProp(third.event, 'UID')!.value).toBe(uid);
    expect(Number(icsProp(third.event, 'SEQUENCE')!.value)).toBeGreaterThanOrEqual(Number(icsProp(second.event, 'SEQUENCE')!.value));

    // A cancelled appointment cannot be moved back into the calendar.
    const revive = await s.api(`/appointments/${appointment.reference}`, { method: 'PATCH', token: dora, json: { lockToken: await hold(date, '11:00', ana), date, time: '11:00' } });
    expect(revive.status).toBe(409);
  });

  it('refuses a move without a valid hold (409 lock_invalid) and bad bodies (400), changing nothing', async () => {
    const booked = await s.api('/appointments', { method: 'POST', token: dora, json: { lockToken: await hold(date, '09:00', ana), date, time: '09:00', employeeId: ana, serviceId: svc, name: 'Dora' } });
    const { appointment } = await booked.json();

    const noHold = await s.api(`/appointments/${appointment.reference}`, { method: 'PATCH', token: dora, json: { lockToken: 'x'.repeat(43), date, time: '16:00' } });
    expect(noHold.status).toBe(409);
    expect((await noHold.json()).error.code).toBe('lock_invalid');

    for (const json of [{}, { lockToken: 'x', date: '2025-02-30', time: '10:00' }, { lockToken: 'x', date, time: '25:00' }, { lockToken: 'x', date, time: '10:00', employeeId: '2' }]) {
      const res = await s.api(`/appointments/${appointment.reference}`, { method: 'PATCH', token: dora, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect((await res.json()).error.code).toBe('invalid_request');
    }
    const [[row]] = await s.db.pool.query<any[]>('SELECT appointment_date, employee_id, status FROM wp_appointments WHERE id = ?', [appointment.id]);
    expect(row).toEqual({ appointment_date: `${date} 09:00:00`, employee_id: ana, status: 'confirmed' });
  });
});

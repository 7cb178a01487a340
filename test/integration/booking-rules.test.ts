import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoOverlaps } from '../helpers/assert-no-overlaps';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { codeFromMails, insertAppointment, signIn } from '../helpers/customers';
import { startSmtp, type TestSmtp } from '../helpers/mail';
import { startSidecarPair, type SidecarPair, type TestSidecar } from '../helpers/sidecar';

/**
 * Rules a booking system owes its owner (CONTRACT §11): a moved appointment
 * must still lie ahead, one customer holds at most maxBookingsPerCustomer
 * upcoming appointments (also when firing many bookings at once), and every
 * address /otp accepts can book. Two instances of one site, real MariaDB,
 * Redis and SMTP.
 */
describe('booking rules (CONTRACT §11)', () => {
  let pair: SidecarPair;
  let smtp: TestSmtp;
  let svc: number;
  let ana: number;
  let ben: number;
  let ip = 0;
  const date = daysFromNow(5);
  const later = daysFromNow(6);

  const admin = (s: TestSidecar, method: string, json?: unknown) => s.api('/admin/settings', { method, token: s.adminToken(), json });
  const hold = async (s: TestSidecar, d: string, time: string, employeeId: number) => {
    const res = await s.api('/locks', { method: 'POST', json: { date: d, time, employeeId, serviceId: svc }, headers: { 'X-Forwarded-For': `10.11.${Math.floor(++ip / 250)}.${ip % 250}` } });
    expect(res.status).toBe(201);
    return (await res.json()).lockToken as string;
  };
  const book = (s: TestSidecar, token: string, d: string, time: string, employeeId: number, lockToken: string) =>
    s.api('/appointments', { method: 'POST', token, json: { lockToken, date: d, time, employeeId, serviceId: svc, name: 'Rule Tester' } });
  const codeOf = (s: TestSidecar) => async (email: string) => {
    await s.deps.mailer.idle();
    return codeFromMails(smtp.mails, email);
  };
  const setCap = async (value: number | null) => {
    const res = await admin(pair.a, 'PUT', { maxBookingsPerCustomer: value });
    expect(res.status).toBe(200);
    return (await res.json()).maxBookingsPerCustomer as number;
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    // The concurrency case must not meet a false Redis outage (an event-loop pause over 300 ms).
    pair = await startSidecarPair({ MAIL_TRANSPORT: smtp.url, TRUST_PROXY: 'true', REDIS_COMMAND_TIMEOUT_MS: '3000' });
    const ids = await seedCatalogue(pair.db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '18:00']) }, { name: 'Ben', hours: everyDay(['08:00', '18:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [ana, ben] = ids.staffIds as [number, number];
    for (const s of [pair.a, pair.b]) await s.deps.catalogue.changed();
  });
  afterAll(async () => {
    await pair?.stop();
    await smtp?.stop();
  });

  describe('maxBookingsPerCustomer', () => {
    it('is an admin setting: default 5, validated, 0 allowed, null back to the default', async () => {
      expect((await (await admin(pair.a, 'GET')).json()).maxBookingsPerCustomer).toBe(5);
      for (const bad of [-1, 1.5, '3', 1_001]) {
        const res = await admin(pair.a, 'PUT', { maxBookingsPerCustomer: bad });
        expect([bad, res.status]).toEqual([bad, 400]);
        expect((await res.json()).error).toMatchObject({ code: 'invalid_request', details: [expect.objectContaining({ field: 'maxBookingsPerCustomer' })] });
      }
      expect(await setCap(0)).toBe(0);
      const view = await (await admin(pair.b, 'GET')).json();
      expect(view).toMatchObject({ maxBookingsPerCustomer: 0, overridden: expect.arrayContaining(['maxBookingsPerCustomer']) });
      expect(await setCap(null)).toBe(5);
      // The public settings show no such thing (CONTRACT §3 lists its fields).
      expect(Object.keys(await (await pair.a.api('/settings')).json()).sort()).toEqual(['lockTtlSeconds', 'maxAdvanceDays', 'minNoticeMinutes', 'slotInterval', 'timezone']);
    });

    it('refuses a booking beyond the cap with 409 too_many_bookings; past and cancelled ones do not count; a cancellation makes room', async () => {
      await setCap(2);
      const email = 'capped@example.com';
      const token = (await pair.a.deps.sessions.create(email)).token;
      // History does not count: one in the past, one cancelled.
      await insertAppointment(pair.a, { email, date: daysFromNow(-3), time: '10:00', serviceId: svc, employeeId: ana });
      await insertAppointment(pair.a, { email, date, time: '17:00', serviceId: svc, employeeId: ana, status: 'cancelled' });

      const first = await book(pair.a, token, date, '09:00', ana, await hold(pair.a, date, '09:00', ana));
      const second = await book(pair.b, token, date, '09:30', ana, await hold(pair.b, date, '09:30', ana));
      expect([first.status, second.status]).toEqual([201, 201]);
      const third = await book(pair.a, token, date, '10:00', ana, await hold(pair.a, date, '10:00', ana));
      expect(third.status).toBe(409);
      expect((await third.json()).error).toMatchObject({ code: 'too_many_bookings', message: expect.stringMatching(/2 upcoming/) });

      // Cancel one: the next booking goes through.
      const { appointment } = await first.json();
      expect((await pair.b.api(`/appointments/${appointment.reference}`, { method: 'DELETE', token })).status).toBe(200);
      expect((await book(pair.b, token, date, '10:30', ana, await hold(pair.b, date, '10:30', ana))).status).toBe(201);
      // Another customer is not affected by this one's count.
      const other = (await pair.a.deps.sessions.create('not-capped@example.com')).token;
      expect((await book(pair.a, other, date, '11:00', ana, await hold(pair.a, date, '11:00', ana))).status).toBe(201);
    });

    it('holds under concurrency: one customer firing 8 bookings at once across two instances gets exactly the cap', async () => {
      await setCap(3);
      const email = 'eager@example.com';
      const token = (await pair.a.deps.sessions.create(email)).token;
      const times = ['12:00', '12:30', '13:00', '13:30'];
      const targets = [...times.map((t) => [ana, t] as const), ...times.map((t) => [ben, t] as const)];
      const holds = await Promise.all(targets.map(([emp, t], i) => hold(i % 2 ? pair.b : pair.a, later, t, emp)));
      const answers = await Promise.all(targets.map(([emp, t], i) => book(i % 2 ? pair.a : pair.b, token, later, t, emp, holds[i]!)));
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
      const codes = await Promise.all(answers.filter((r) => r.status === 409).map(async (r) => (await r.json()).error.code));
      expect(new Set(codes)).toEqual(new Set(['too_many_bookings']));
      const [[row]] = await pair.db.pool.query<any[]>("SELECT COUNT(*) AS n FROM wp_appointments WHERE email = ? AND status <> 'cancelled'", [email]);
      expect(Number(row.n)).toBe(3);
      // One customers row for the address, counting what was booked.
      const [customers] = await pair.db.pool.query<any[]>('SELECT total_appointments FROM wp_appointease_customers WHERE email = ?', [email]);
      expect(customers.map((c) => c.total_appointments)).toEqual([3]);
      await assertNoOverlaps(pair.db.pool);
    });

    it('0 means unlimited', async () => {
      await setCap(0);
      const token = (await pair.a.deps.sessions.create('unlimited@example.com')).token;
      for (const t of ['14:00', '14:30', '15:00', '15:30', '16:00', '16:30']) {
        expect((await book(pair.a, token, later, t, ana, await hold(pair.a, later, t, ana))).status).toBe(201);
      }
      await setCap(null);
    });
  });

  describe('PATCH /appointments/{reference} only moves an appointment that lies ahead', () => {
    const email = 'mover@example.com';
    let token: string;
    beforeAll(async () => {
      await setCap(0);
      token = (await pair.a.deps.sessions.create(email)).token;
    });
    afterAll(() => setCap(null));

    const tryMove = async (reference: string) => {
      const lockToken = await hold(pair.b, later, '09:00', ben);
      const res = await pair.b.api(`/appointments/${reference}`, { method: 'PATCH', token, json: { lockToken, date: later, time: '09:00', employeeId: ben } });
      // The valid hold was not used: it is still there to give back.
      expect((await pair.b.api('/locks', { method: 'DELETE', json: { date: later, time: '09:00', employeeId: ben, lockToken } })).status).toBe(204);
      return res;
    };

    it.each([
      ['has started (began 10 minutes ago, still running)', 'confirmed', -10, 'appointment_started'],
      ['is completed (marked so ahead of its time)', 'completed', 24 * 60, 'appointment_started'],
      ['is a no-show (as our admin API writes it)', 'no-show', 24 * 60, 'appointment_started'],
      ['is a no_show (as AppointEase writes it)', 'no_show', 24 * 60, 'appointment_started'],
      ['is cancelled', 'cancelled', 24 * 60, 'appointment_cancelled'],
    ])('409 when it %s', async (_label, status, minutesFromNow, code) => {
      const start = new Date(Date.now() + minutesFromNow * 60_000);
      const d = start.toISOString().slice(0, 10);
      const t = start.toISOString().slice(11, 16);
      const end = new Date(start.getTime() + 30 * 60_000).toISOString().slice(11, 16);
      const { id, reference } = await insertAppointment(pair.a, { email, date: d, time: t, endTime: end < t ? undefined : end, serviceId: svc, employeeId: ana, status });
      const [[before]] = await pair.db.pool.query<any[]>('SELECT * FROM wp_appointments WHERE id = ?', [id]);
      const res = await tryMove(reference);
      expect(res.status).toBe(409);
      expect((await res.json()).error.code).toBe(code);
      const [[after]] = await pair.db.pool.query<any[]>('SELECT * FROM wp_appointments WHERE id = ?', [id]);
      expect(after).toEqual(before);
    });

    it('still moves one that lies ahead (the rule refuses only what it should)', async () => {
      const { reference } = await insertAppointment(pair.a, { email, date: later, time: '17:00', endTime: '17:30', serviceId: svc, employeeId: ana });
      const lockToken = await hold(pair.a, later, '17:30', ana);
      const res = await pair.a.api(`/appointments/${reference}`, { method: 'PATCH', token, json: { lockToken, date: later, time: '17:30' } });
      expect(res.status).toBe(200);
      expect((await res.json()).appointment).toMatchObject({ reference, time: '17:30', status: 'confirmed' });
    });
  });

  describe('every address /otp accepts can book', () => {
    // 64-character local part (the most RFC 5321 allows) and a 125-character domain: 190 in all.
    const longest = `${'l'.repeat(64)}@${'d'.repeat(58)}.${'e'.repeat(58)}.example`;

    it('a 190-character address signs in, books, lists and reschedules; the rows keep it whole', async () => {
      expect(longest).toHaveLength(190);
      const token = await signIn(pair.a, longest, codeOf(pair.a));
      const res = await book(pair.b, token, date, '15:00', ben, await hold(pair.b, date, '15:00', ben));
      expect(res.status).toBe(201);
      const { appointment } = await res.json();
      expect(appointment.email).toBe(longest);

      const listed = await (await pair.a.api('/appointments', { token })).json();
      expect(listed.appointments.map((a: { reference: string }) => a.reference)).toEqual([appointment.reference]);
      const moved = await pair.a.api(`/appointments/${appointment.reference}`, { method: 'PATCH', token, json: { lockToken: await hold(pair.a, date, '15:30', ben), date, time: '15:30' } });
      expect(moved.status).toBe(200);

      const [[row]] = await pair.db.pool.query<any[]>('SELECT email FROM wp_appointments WHERE strong_id = ?', [appointment.reference]);
      expect(row.email).toBe(longest);
      const [[customer]] = await pair.db.pool.query<any[]>('SELECT email FROM wp_appointease_customers WHERE email = ?', [longest]);
      expect(customer.email).toBe(longest);
      // The confirmation went to the whole address.
      await pair.b.deps.mailer.idle();
      expect(smtp.mails.filter((m) => m.to.includes(longest)).length).toBeGreaterThanOrEqual(2);
    });

    it('one character more is 400 invalid_request at /otp', async () => {
      const res = await pair.a.api('/otp', { method: 'POST', json: { email: `l${longest}` }, headers: { 'X-Forwarded-For': '10.11.250.1' } });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ code: 'invalid_request', details: [expect.objectContaining({ field: 'email' })] });
    });
  });
});

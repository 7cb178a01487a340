// CONTRACT §12 end to end: real MariaDB, a private redis-server (killed and
// restarted while it all happens), a real SMTP server, local HTTP receivers
// (OUTBOUND_ALLOW_PRIVATE=true for them) and two sidecar instances sharing
// the database. Booking changes go through the public and admin APIs on
// either instance; whichever instance's worker claims a row delivers it.
//
// Nothing here waits for a fixed time to pass: every wait is "until the
// database or a receiver says so", with generous deadlines.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../server/src/webhooks/signature';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { codeFromMails, signIn } from '../helpers/customers';
import { icsProp, parseIcs, partOf, startSmtp, type CapturedMail, type TestSmtp } from '../helpers/mail';
import { createTestDatabase, deletePrefix, startPrivateRedis, uniquePrefix, type PrivateRedis, type TestDatabase } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { until } from '../helpers/wait';


interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: { id: string; type: string; createdAt: string; data: { appointment: Record<string, any> } };
  status: number;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A webhook receiver on loopback; `answer` picks the status of the n-th request (1-based). */
async function receiver(answer: (n: number) => number = () => 200): Promise<Receiver> {
  const server: Server = createServer();
  const sockets = new Set<Socket>();
  const rec: Receiver = {
    url: '',
    received: [],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const status = answer(rec.received.length + 1);
      rec.received.push({ headers: req.headers, raw, body: JSON.parse(raw), status });
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'thanks' : 'receiver broke');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rec.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return rec;
}

const isReminder = (m: CapturedMail) => /^Reminder:/.test(m.parsed.headers.subject ?? '');
const icsStamp = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '');

describe('booking changes → webhooks and reminders through the outbox (CONTRACT §12), two instances, Redis killed meanwhile', () => {
  const DATE = daysFromNow(3);
  let db: TestDatabase;
  let redis: PrivateRedis;
  let smtp: TestSmtp;
  let a: TestSidecar;
  let b: TestSidecar;
  let r1: Receiver;
  let r2: Receiver;
  let emp: number;
  let svc: number;
  const prefix = uniquePrefix();
  const sessions = new Map<string, string>();
  const hooks: { id: number; secret: string }[] = [];

  const readCode = async (email: string) => {
    await until(`a code mail to ${email}`, () => smtp.mails.some((m) => m.to.includes(email) && !isReminder(m)), 20_000);
    return codeFromMails(smtp.mails, email);
  };
  const session = async (s: TestSidecar, email: string) => {
    if (!sessions.has(email)) sessions.set(email, await signIn(s, email, readCode));
    return sessions.get(email)!;
  };
  const hold = async (s: TestSidecar, time: string) => {
    const res = await s.api('/locks', { method: 'POST', json: { date: DATE, time, employeeId: emp, serviceId: svc } });
    expect(res.status, `hold ${time}`).toBe(201);
    return (await res.json()).lockToken as string;
  };
  const book = async (s: TestSidecar, email: string, time: string) => {
    const lockToken = await hold(s, time);
    const res = await s.api('/appointments', { method: 'POST', token: await session(s, email), json: { lockToken, date: DATE, time, employeeId: emp, serviceId: svc, name: 'Carla Customer' } });
    expect(res.status, `book ${time}`).toBe(201);
    return (await res.json()).appointment as { id: number; reference: string; start: string };
  };
  const move = async (s: TestSidecar, email: string, reference: string, time: string) => {
    const lockToken = await hold(s, time);
    const res = await s.api(`/appointments/${reference}`, { method: 'PATCH', token: await session(s, email), json: { lockToken, date: DATE, time } });
    expect(res.status, `move to ${time}`).toBe(200);
    return (await res.json()).appointment as { id: number; reference: string; start: string };
  };
  const cancel = async (s: TestSidecar, email: string, reference: string) => {
    const res = await s.api(`/appointments/${reference}`, { method: 'DELETE', token: await session(s, email) });
    expect(res.status).toBe(200);
  };
  const adminCancel = async (s: TestSidecar, reference: string) => {
    const res = await s.api(`/admin/appointments/${reference}`, { method: 'PUT', token: s.adminToken(), json: { status: 'cancelled' } });
    expect(res.status).toBe(200);
  };
  const outboxRows = async (kind: string, appointmentId?: number) =>
    (
      await db.pool.query<any[]>(
        `SELECT id, status, attempts, due_at, payload, appointment_id FROM wp_appointease_outbox WHERE kind = ? ${appointmentId ? 'AND appointment_id = ?' : ''} ORDER BY id`,
        appointmentId ? [kind, appointmentId] : [kind],
      )
    )[0];

  beforeAll(async () => {
    [db, redis, smtp, r1, r2] = await Promise.all([
      createTestDatabase(),
      startPrivateRedis(),
      startSmtp(),
      receiver(),
      // The second receiver fails its very first request: that event is retried with the same id.
      receiver((n) => (n === 1 ? 500 : 200)),
    ]);
    const ids = await seedCatalogue(db.pool, {
      services: [{ name: 'Haircut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '18:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0, maxBookingsPerCustomer: 0 },
    });
    [emp] = ids.staffIds as [number];
    [svc] = ids.serviceIds as [number];
    const env = { REDIS_URL: redis.url, MAIL_TRANSPORT: smtp.url, OUTBOUND_ALLOW_PRIVATE: 'true', OUTBOX_POLL_MS: '200', MAX_LOCKS_PER_CLIENT: '50' };
    a = await startSidecar({ db, prefix, env });
    b = await startSidecar({ db, prefix, env });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([r1?.close(), r2?.close(), smtp?.stop()]);
    await redis?.start().catch(() => {});
    await deletePrefix(prefix, redis?.url);
    await redis?.stop();
    await db?.drop();
  });

  it('set-up through the admin API: two webhooks, two reminders per appointment; customers signed in', async () => {
    const admin = a.adminToken();
    for (const [r, events] of [
      [r1, ['appointment.booked', 'appointment.rescheduled', 'appointment.cancelled']],
      [r2, ['appointment.booked', 'appointment.cancelled']],
    ] as const) {
      const res = await a.api('/admin/webhooks', { method: 'POST', token: admin, json: { url: r.url, events } });
      expect(res.status).toBe(201);
      hooks.push((await res.json()).webhook);
    }
    const settings = await b.api('/admin/settings', { method: 'PUT', token: admin, json: { reminders: [{ minutesBefore: 60 }, { minutesBefore: 1440 }] } });
    expect((await settings.json()).reminders).toEqual([{ minutesBefore: 1440 }, { minutesBefore: 60 }]);
    for (const email of ['xavier@example.com', 'yara@example.com', 'zoe@example.com', 'walt@example.com']) await session(a, email);
  });

  it('each change gives exactly one delivery per subscribed webhook, signed, in the order of the changes, whichever instance made it; a 500 is retried with the same event id', async () => {
    await redis.stop(); // both instances go on on MySQL
    const x = await book(a, 'xavier@example.com', '09:00');
    const y = await book(b, 'yara@example.com', '10:00');
    await move(b, 'xavier@example.com', x.reference, '11:00');
    await redis.start(); // back for a while …
    await cancel(a, 'xavier@example.com', x.reference);
    await redis.stop(); // … and gone again
    await adminCancel(a, y.reference);

    // r1: 5 events (all three kinds); r2: booked and cancelled only (4), its first answer a 500.
    await until('every webhook row finished', async () => (await outboxRows('webhook')).length === 9 && (await outboxRows('webhook')).every((r) => r.status === 'done'), 60_000);
    expect(r1.received).toHaveLength(5);
    expect(r2.received).toHaveLength(5);

    for (const [r, hook] of [
      [r1, hooks[0]!],
      [r2, hooks[1]!],
    ] as const) {
      for (const got of r.received) {
        expect(got.headers['content-type']).toBe('application/json');
        expect(got.headers['appointease-event-id']).toBe(got.body.id);
        expect(verifySignature(got.headers['appointease-signature'] as string, got.raw, hook.secret)).toMatchObject({ ok: true });
        expect(verifySignature(got.headers['appointease-signature'] as string, got.raw, hooks.find((h) => h !== hook)!.secret)).toMatchObject({ ok: false });
      }
      const byAppointment = (id: number) => r.received.filter((g) => g.body.data.appointment.id === id && g.status === 200).map((g) => g.body.type);
      expect(byAppointment(y.id)).toEqual(['appointment.booked', 'appointment.cancelled']);
      expect(byAppointment(x.id)).toEqual(r === r1 ? ['appointment.booked', 'appointment.rescheduled', 'appointment.cancelled'] : ['appointment.booked', 'appointment.cancelled']);
    }
    // The 500 and its retry: one event, one id, the same bytes.
    const [failed, ...rest] = r2.received;
    expect(failed!.status).toBe(500);
    const retried = rest.filter((g) => g.body.id === failed!.body.id);
    expect(retried).toHaveLength(1);
    expect(retried[0]!.raw).toBe(failed!.raw);
    expect(new Set(r2.received.map((g) => g.body.id)).size).toBe(4);
    expect(new Set(r1.received.map((g) => g.body.id)).size).toBe(5);

    // The §6 view with email, as the appointment was at each change.
    const moved = r1.received.find((g) => g.body.type === 'appointment.rescheduled')!.body;
    expect(moved.data.appointment).toMatchObject({ id: x.id, reference: x.reference, date: DATE, time: '11:00', status: 'confirmed', email: 'xavier@example.com', name: 'Carla Customer' });
    expect(r1.received.find((g) => g.body.type === 'appointment.cancelled' && g.body.data.appointment.id === y.id)!.body.data.appointment).toMatchObject({
      reference: y.reference,
      status: 'cancelled',
      email: 'yara@example.com',
    });

    // The admin's view: newest first, one row per event.
    await redis.start();
    const list = await (await b.api(`/admin/webhooks/${hooks[1]!.id}/deliveries`, { token: b.adminToken() })).json();
    expect(list.deliveries).toHaveLength(4);
    expect(list.deliveries.every((d: any) => d.status === 'delivered' && d.lastStatusCode === 200 && d.deliveredAt)).toBe(true);
    expect(list.deliveries.map((d: any) => d.id)).toEqual([...list.deliveries.map((d: any) => d.id)].sort((p: number, q: number) => q - p));
    expect(list.deliveries.find((d: any) => d.eventId === failed!.body.id)).toMatchObject({ attempts: 2, event: 'appointment.booked', responseExcerpt: 'thanks' });
  }, 120_000);

  it('reminders: planned at start minus each offset; re-planned on a move (reminded at the new time only); none for a cancelled appointment; each sent once', async () => {
    await redis.stop();
    const z = await book(b, 'zoe@example.com', '13:00');
    const w = await book(a, 'walt@example.com', '14:00');
    const planned = async (id: number) => (await outboxRows('reminder', id)).filter((r) => r.status === 'pending').map((r) => r.due_at);
    const utc = (iso: string, minutes: number) => new Date(Date.parse(iso) - minutes * 60_000).toISOString().replace('T', ' ').replace('Z', '');
    expect(await planned(z.id)).toEqual([utc(z.start, 1440), utc(z.start, 60)]);

    const moved = await move(a, 'zoe@example.com', z.reference, '15:00');
    await redis.start();
    await cancel(b, 'walt@example.com', w.reference);
    expect(await planned(z.id)).toEqual([utc(moved.start, 1440), utc(moved.start, 60)]);
    expect((await outboxRows('reminder', z.id)).filter((r) => r.status === 'cancelled')).toHaveLength(2);
    expect(await planned(w.id)).toEqual([]);

    // The site's own reminder template (AppointEase's email-templates table) is used; the facts are added anyway.
    await db.pool.query(
      `INSERT INTO wp_appointease_email_templates (name, subject, body, type, is_active) VALUES ('Reminder', 'Reminder: {service_name} soon ({reference})', '<p>See you soon, {customer_name}!</p>', 'reminder', 1)`,
    );
    // Make every reminder row ever written due in a moment (pending or not): only Zoe's two new ones may go out.
    await redis.stop();
    await db.pool.query(`UPDATE wp_appointease_outbox SET due_at = UTC_TIMESTAMP(3) + INTERVAL 1 SECOND, available_at = UTC_TIMESTAMP(3) + INTERVAL 1 SECOND WHERE kind = 'reminder'`);
    await until("Zoe's two reminders finished", async () => (await outboxRows('reminder', z.id)).filter((r) => r.status === 'done').length === 2, 60_000);
    await Promise.all([a.deps.outboxWorker.idle(), b.deps.outboxWorker.idle()]);
    const reminders = smtp.mails.filter(isReminder);
    expect(reminders).toHaveLength(2);
    expect(reminders.every((m) => m.to.length === 1 && m.to[0] === 'zoe@example.com')).toBe(true);
    for (const mail of reminders) {
      expect(mail.parsed.headers.subject).toBe(`Reminder: Haircut soon (${z.reference})`);
      const text = partOf(mail, 'text/plain')!.body;
      expect(text).toContain('See you soon, Carla Customer!');
      expect(text).toContain(z.reference);
      expect(text).toContain('3:00'); // 15:00 in the site's words (no WordPress options here: English, UTC)
      expect(text).not.toContain('1:00 PM');
      expect(text).toMatch(/\/appointease\/v1\/manage\?/);
      const event = parseIcs(partOf(mail, 'text/calendar')!.body).components.find((c) => c.name === 'VEVENT')!;
      expect(icsProp(event.props, 'DTSTART')!.value).toBe(icsStamp(moved.start));
    }
    const rows = await outboxRows('reminder');
    expect(rows.filter((r) => r.status === 'done').every((r) => r.appointment_id === z.id && r.attempts === 1)).toBe(true);
    expect(rows.filter((r) => r.appointment_id !== z.id).every((r) => r.status === 'cancelled')).toBe(true);

    // Metrics: the reminder lag (due → sent) was observed by whichever instance sent; the gauges exist.
    await redis.start();
    let sent = 0;
    for (const s of [a, b]) {
      await s.deps.outboxWorker.refreshMetrics();
      const text = await (await s.api('/metrics', { token: s.adminToken() })).text();
      sent += Number(/appointease_outbox_lag_seconds_count\{[^}]*kind="reminder"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
      expect(text).toMatch(/appointease_outbox_depth\{[^}]*kind="reminder"[^}]*\} 0/);
      expect(text).toMatch(/appointease_outbox_oldest_due_age_seconds\{[^}]*kind="webhook"[^}]*\} 0/);
      expect(text).toMatch(/appointease_outbox_deliveries_total\{[^}]*kind="webhook"[^}]*outcome="done"/);
    }
    expect(sent).toBe(2);
  }, 120_000);
});

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import jwt from 'jsonwebtoken';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppointmentRow } from '../../server/src/db/repositories/appointments-repository';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { codeFromMails, insertAppointment, signIn } from '../helpers/customers';
import { icsProp, leaves, parseIcs, partOf, startSmtp, type CapturedMail, type TestSmtp } from '../helpers/mail';
import { freePort } from '../helpers/services';
import { startSidecar, TEST_SECRET, type TestSidecar } from '../helpers/sidecar';

const ZONE = 'Europe/Berlin';

function icsOf(mail: CapturedMail) {
  const part = leaves(mail.parsed).find((p) => p.contentType === 'text/calendar');
  expect(part, 'a text/calendar attachment').toBeDefined();
  const cal = parseIcs(part!.body);
  return { part: part!, cal, event: cal.components.find((c) => c.name === 'VEVENT')!.props };
}

async function rowOf(s: TestSidecar, id: number): Promise<AppointmentRow> {
  const [rows] = await s.db.pool.query<any[]>('SELECT * FROM wp_appointments WHERE id = ?', [id]);
  return rows[0];
}

describe('mail over SMTP (a real SMTP server started by the test)', () => {
  let s: TestSidecar;
  let smtp: TestSmtp;
  let ids: { serviceIds: number[]; staffIds: number[] };

  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startSidecar({ env: { MAIL_TRANSPORT: smtp.url, MAIL_FROM: 'Salon Ana <salon@example.com>' } });
    ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Cut & Colour', duration: 90 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: ZONE, minNoticeMinutes: 0 },
    });
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.stop();
  });

  it('a booking confirmation carries text, HTML and a valid .ics in the business time zone', async () => {
    const date = daysFromNow(20);
    const appt = await insertAppointment(s, { email: 'carla@example.com', name: 'Carla', date, time: '09:00', serviceId: ids.serviceIds[0]!, employeeId: ids.staffIds[0]! });
    s.deps.mailer.bookingConfirmed(await rowOf(s, appt.id));
    await s.deps.mailer.idle();
    const mail = smtp.mails.at(-1)!;
    expect(mail.to).toEqual(['carla@example.com']);
    expect(mail.from).toBe('salon@example.com');
    const start = DateTime.fromISO(`${date}T09:00`, { zone: ZONE });
    const day = start.setLocale('en').toFormat('cccc, LLLL d, yyyy');
    // No WordPress options in this database: the site is named after MAIL_FROM, the language is English.
    expect(mail.parsed.headers.subject).toMatch(/^Your appointment at Salon Ana is confirmed: \w{3}, \w{3} \d{1,2}, 9:00\sAM$/);
    const text = partOf(mail, 'text/plain')!.body;
    expect(text).toContain(appt.reference);
    expect(text).toMatch(new RegExp(`When: ${day}, 9:00\\s–\\s10:30\\sAM \\(Central European (Standard|Summer) Time\\)`));
    expect(text).toContain('Service: Cut & Colour (1 hour, 30 minutes)');
    expect(text).toContain('With: Ana');
    expect(partOf(mail, 'text/html')!.body).toContain('Cut &amp; Colour');

    const { part, cal, event } = icsOf(mail);
    expect(part.params.method).toBe('REQUEST');
    expect(icsProp(cal.props, 'METHOD')!.value).toBe('REQUEST');
    expect(icsProp(event, 'DTSTART')!.value).toBe(start.toUTC().toFormat("yyyyLLdd'T'HHmmss'Z'"));
    expect(icsProp(event, 'DTEND')!.value).toBe(start.toUTC().plus({ minutes: 90 }).toFormat("yyyyLLdd'T'HHmmss'Z'"));
    expect(icsProp(event, 'UID')!.value).toBe(`${appt.reference.toLowerCase()}@appointease`);
    expect(icsProp(event, 'SEQUENCE')!.value).toBe('0');
    expect(icsProp(event, 'ORGANIZER')!.value).toBe('mailto:salon@example.com');
    expect(icsProp(event, 'ATTENDEE')!.value).toBe('mailto:carla@example.com');
  });

  it('cancelling mails the site’s template with the name HTML-escaped, and an .ics CANCEL for the same UID', async () => {
    await s.db.pool.query(
      `INSERT INTO wp_appointease_email_templates (name, subject, body, type, is_active) VALUES
         ('old', 'Old', 'inactive template', 'cancellation', 0),
         ('Cancelled', 'Cancelled: {service_name} ({reference})', '<p>Dear {customer_name},</p><p>{service_name} with {employee_name} on {appointment_date} at {appointment_time} is cancelled.</p>{manage_button}', 'cancellation', 1)`,
    );
    const email = 'mallory@example.com';
    const token = await signIn(s, email, async (e) => {
      await s.deps.mailer.idle();
      return codeFromMails(smtp.mails, e);
    });
    const date = daysFromNow(21);
    const name = '<script>alert(1)</script>{reference}';
    const appt = await insertAppointment(s, { email, name, date, time: '10:00', serviceId: ids.serviceIds[0]!, employeeId: ids.staffIds[0]! });

    const res = await s.api(`/appointments/${appt.reference}`, { method: 'DELETE', token });
    expect(res.status).toBe(200);
    await s.deps.mailer.idle();
    const mail = smtp.mails.at(-1)!;
    expect(mail.to).toEqual([email]);
    expect(mail.parsed.headers.subject).toBe(`Cancelled: Cut & Colour (${appt.reference})`);
    const html = partOf(mail, 'text/html')!.body;
    expect(html).not.toContain('<script>');
    expect(html).toContain('<p>Dear &lt;script&gt;alert(1)&lt;/script&gt;{reference},</p>');
    const day = DateTime.fromISO(`${date}T10:00`, { zone: ZONE }).setLocale('en').toFormat('cccc, LLLL d, yyyy');
    expect(html.replace(/\u202f/g, ' ')).toContain(`Cut &amp; Colour with Ana on ${day} at 10:00 AM is cancelled.`);
    const text = partOf(mail, 'text/plain')!.body;
    expect(text).toContain(`Dear ${name},`);
    // The template placed the button; the details it left out follow its text.
    expect((html.match(/>View my bookings<\/a>/g) ?? []).length).toBe(1);
    expect(text).toContain(`Booking reference: ${appt.reference}`);

    const { cal, event } = icsOf(mail);
    expect(icsProp(cal.props, 'METHOD')!.value).toBe('CANCEL');
    expect(icsProp(event, 'UID')!.value).toBe(`${appt.reference.toLowerCase()}@appointease`);
    expect(icsProp(event, 'STATUS')!.value).toBe('CANCELLED');
    expect(Number(icsProp(event, 'SEQUENCE')!.value)).toBeGreaterThan(0);
  });
});

describe('mail is sent off the request path', () => {
  it('POST /otp answers while the SMTP server is still holding the message', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const smtp = await startSmtp({ hold: () => held });
    const s = await startSidecar({ env: { MAIL_TRANSPORT: smtp.url } });
    try {
      const res = await s.api('/otp', { method: 'POST', json: { email: 'slow@example.com' } });
      expect(res.status).toBe(202);
      expect(smtp.mails).toHaveLength(0); // answered before the mail server accepted anything
      release();
      await smtp.waitFor(1);
      expect(codeFromMails(smtp.mails, 'slow@example.com')).toMatch(/^\d{6}$/);
    } finally {
      release();
      await s.stop();
      await smtp.stop();
    }
  });
});

describe('a dead mail server', () => {
  it('does not change the answer: 202 all the same, the mail retried and then given up in the log', async () => {
    const port = await freePort();
    const s = await startSidecar({ env: { MAIL_TRANSPORT: `smtp://127.0.0.1:${port}`, MAIL_RETRY_DELAY_MS: '10' } });
    try {
      const res = await s.api('/otp', { method: 'POST', json: { email: 'nobody-listens@example.com' } });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ status: 'sent' });
      await s.deps.mailer.idle();
      expect(s.deps.mailQueue.failed).toBe(1);
      expect(s.deps.mailQueue.sent).toBe(0);
    } finally {
      await s.stop();
    }
  });
});

describe('WordPress relay transport', () => {
  let bridge: Server;
  let s: TestSidecar;
  const received: { headers: IncomingMessage['headers']; body: any; sha256: string }[] = [];
  let failNext = 1;

  beforeAll(async () => {
    bridge = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        received.push({ headers: req.headers, body: JSON.parse(raw.toString('utf8')), sha256: createHash('sha256').update(raw).digest('hex') });
        if (req.url !== '/?rest_route=/appointease-bridge/v1/mail' || req.method !== 'POST') res.statusCode = 404;
        else if (failNext-- > 0) res.statusCode = 503;
        else res.statusCode = 200;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => bridge.listen(0, '127.0.0.1', () => r()));
    const port = (bridge.address() as { port: number }).port;
    s = await startSidecar({ env: { MAIL_TRANSPORT: 'wordpress', WORDPRESS_URL: `http://127.0.0.1:${port}/`, MAIL_RETRY_DELAY_MS: '10' } });
  });
  afterAll(async () => {
    await s?.stop();
    await new Promise((r) => bridge.close(r));
  });

  it('posts the contract’s JSON with a short-lived HS256 token for appointease-bridge, retrying a failed relay', async () => {
    const ids = await seedCatalogue(s.db.pool, { services: [{ name: 'Cut', duration: 30 }], staff: [{ name: 'Ana', hours: everyDay(['09:00', '17:00']) }], settings: { timezone: 'UTC' } });
    const appt = await insertAppointment(s, { email: 'wp@example.com', name: 'Wanda', date: daysFromNow(9), time: '11:00', serviceId: ids.serviceIds[0]!, employeeId: ids.staffIds[0]! });
    const [rows] = await s.db.pool.query<any[]>('SELECT * FROM wp_appointments WHERE id = ?', [appt.id]);
    s.deps.mailer.bookingConfirmed(rows[0]);
    await s.deps.mailer.idle();

    expect(received).toHaveLength(2); // one 503, one retry that got through
    const { headers, body, sha256 } = received[1]!;
    expect(headers['content-type']).toMatch(/^application\/json/);
    const token = /^Bearer (.+)$/.exec(String(headers.authorization))![1]!;
    const claims = jwt.verify(token, TEST_SECRET, { algorithms: ['HS256'], audience: 'appointease-bridge' }) as jwt.JwtPayload;
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
    // The bridge refuses a token not bound to the exact body bytes.
    expect(claims.bodySha256).toBe(sha256);
    expect(() => jwt.verify(token, 'another-secret-that-is-32-characters-long', { algorithms: ['HS256'] })).toThrow();

    expect(Object.keys(body).sort()).toEqual(['attachments', 'html', 'subject', 'text', 'to']);
    expect(body.to).toBe('wp@example.com');
    expect(body.text).toContain(appt.reference);
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0].filename).toBe('invite.ics');
    expect(body.attachments[0].contentType).toMatch(/^text\/calendar/);
    const ics = Buffer.from(body.attachments[0].content, 'base64').toString('utf8');
    const ev = parseIcs(ics).components.find((c) => c.name === 'VEVENT')!.props;
    expect(icsProp(ev, 'DTSTART')!.value).toBe(`${daysFromNow(9).replace(/-/g, '')}T110000Z`);
  });
});

import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyDay, seedCatalogue } from '../helpers/catalogue';
import { codeFromMails, signIn } from '../helpers/customers';
import { icsProp, leaves, parseIcs, partOf, startSmtp, type CapturedMail, type TestSmtp } from '../helpers/mail';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { setWordPressOptions } from '../helpers/wordpress-options';

const ZONE = 'Europe/Paris';
const SITE = 'Salon Léa & Co';

/** The next day after today on which `zone` springs forward (its noon offset is larger than the day before's). */
function nextSpringForward(zone: string): string {
  let d = DateTime.now().setZone(zone).startOf('day').plus({ days: 1 });
  for (let i = 0; i < 400; i++, d = d.plus({ days: 1 })) {
    if (d.set({ hour: 12 }).offset > d.minus({ days: 1 }).set({ hour: 12 }).offset) return d.toISODate()!;
  }
  throw new Error(`no DST change in ${zone} within a year`);
}

/** ICU's thin and narrow no-break spaces as plain ones, so expectations can be typed. */
const plain = (s: string) => s.replace(/[\u2009\u202f]/g, ' ');
const textOf = (m: CapturedMail) => plain(partOf(m, 'text/plain')!.body);
const htmlOf = (m: CapturedMail) => plain(partOf(m, 'text/html')!.body);
function icsOf(m: CapturedMail) {
  const part = leaves(m.parsed).find((p) => p.contentType === 'text/calendar')!;
  const cal = parseIcs(part.body);
  return { filename: part.params.name ?? part.headers['content-disposition'], method: icsProp(cal.props, 'METHOD')!.value, event: cal.components.find((c) => c.name === 'VEVENT')!.props };
}
const manageLinkIn = (m: CapturedMail) => /https?:\/\/\S+\/appointease\/v1\/manage\?ref=[\w-]+&sig=[\w-]{22}/.exec(textOf(m))![0];

/**
 * The mails of a real booking, move and cancellation, over HTTP against the
 * real MariaDB, Redis and an SMTP server, on a site whose WordPress options
 * say French and Paris: what the customer receives carries the site's name,
 * French dates with the weekday and the zone of that very day (a DST day),
 * the service, staff and duration, the signed manage link and the .ics.
 */
describe('customer mails of a real booking, move and cancellation', () => {
  let s: TestSidecar;
  let smtp: TestSmtp;
  let svc: number;
  let lea: number;
  let ip = 0;
  const spring = nextSpringForward(ZONE);
  const dayBefore = DateTime.fromISO(spring).minus({ days: 1 }).toISODate()!;
  const hold = async (date: string, time: string) => {
    const res = await s.api('/locks', { method: 'POST', json: { date, time, employeeId: lea, serviceId: svc }, headers: { 'X-Forwarded-For': `10.9.0.${++ip}` } });
    expect(res.status).toBe(201);
    return (await res.json()).lockToken as string;
  };
  const read = async (email: string) => {
    await s.deps.mailer.idle();
    return codeFromMails(smtp.mails, email);
  };
  const lastMailTo = async (email: string) => {
    await s.deps.mailer.idle();
    return smtp.mails.filter((m) => m.to.includes(email)).at(-1)!;
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startSidecar({ env: { MAIL_TRANSPORT: smtp.url, MAIL_FROM: 'AppointEase <bookings@salon.example>', TRUST_PROXY: 'true', OTP_IP_LIMIT: '1000' } });
    // The documented set-up: the sidecar under the site's own origin, so WordPress's `home` is where links go.
    await setWordPressOptions(s.db.pool, { blogname: 'Salon Léa &amp; Co', WPLANG: 'fr_FR', home: s.url, timezone_string: ZONE, gmt_offset: '1' });
    const days = Math.ceil(DateTime.fromISO(spring).diffNow('days').days) + 10;
    const ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Coupe & brushing', duration: 45 }],
      staff: [{ name: 'Léa Dubois', hours: everyDay(['09:00', '18:00']) }],
      settings: { minNoticeMinutes: 0, maxAdvanceDays: days },
    });
    [svc] = ids.serviceIds as [number];
    [lea] = ids.staffIds as [number];
    await s.deps.catalogue.changed();
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.stop();
  });

  it('code, confirmation, reschedule and cancellation: the site, French dates with the day’s zone, the facts, the link and the .ics', async () => {
    const token = await signIn(s, 'zoe@example.com', read);
    const code = await lastMailTo('zoe@example.com');
    expect(code.parsed.headers.subject).toMatch(/^\d{6} est votre code de vérification pour Salon Léa & Co$/);
    expect(code.parsed.headers.from).toBe('Salon Léa & Co <bookings@salon.example>');
    expect(textOf(code)).toContain('Il est valable 10 minutes');
    expect(htmlOf(code)).toContain('<html lang="fr-FR" dir="ltr"');

    // Booked on the day the clocks go forward: summer time.
    const booked = await s.api('/appointments', { method: 'POST', token, json: { lockToken: await hold(spring, '10:00'), date: spring, time: '10:00', employeeId: lea, serviceId: svc, name: 'Zoë <Müller>' } });
    expect(booked.status).toBe(201);
    const { appointment } = await booked.json();
    const springDay = DateTime.fromISO(spring).setLocale('fr-FR').toFormat('cccc d LLLL yyyy');
    const confirmation = await lastMailTo('zoe@example.com');
    expect(confirmation.parsed.headers.subject).toMatch(/^Votre rendez-vous chez Salon Léa & Co est confirmé\u00a0: dim\. \d+ mars, 10:00$/);
    expect(confirmation.parsed.headers.from).toBe('Salon Léa & Co <bookings@salon.example>');
    for (const part of [textOf(confirmation), htmlOf(confirmation)]) {
      expect(part).toContain(SITE.replace('&', part.startsWith('<') ? '&amp;' : '&'));
      expect(part).toContain(springDay);
      expect(part).toContain('10:00 – 10:45');
      expect(part).toContain('heure d’été d’Europe centrale');
      expect(part).toContain('Léa Dubois');
      expect(part).toContain('45 minutes');
      expect(part).toContain(appointment.reference);
    }
    expect(textOf(confirmation)).toContain(`Date et heure\u00a0: ${springDay}, 10:00 – 10:45 (heure d’été d’Europe centrale)`);
    expect(textOf(confirmation)).toContain('Prestation\u00a0: Coupe & brushing (45 minutes)');
    expect(textOf(confirmation)).toContain('Bonjour Zoë <Müller>,');
    expect(htmlOf(confirmation)).toContain('Bonjour Zoë &lt;Müller&gt;,');
    const link = manageLinkIn(confirmation);
    expect(link.startsWith(`${s.url}/appointease/v1/manage?ref=${appointment.reference}&sig=`)).toBe(true);
    expect(htmlOf(confirmation)).toContain(`href="${link.replace('&', '&amp;')}"`);
    const first = icsOf(confirmation);
    expect(first.method).toBe('REQUEST');
    expect(icsProp(first.event, 'DTSTART')!.value).toBe(DateTime.fromISO(`${spring}T08:00:00Z`).toUTC().toFormat("yyyyLLdd'T'HHmmss'Z'"));
    expect(icsProp(first.event, 'URL')!.value).toBe(link);
    expect(icsProp(first.event, 'SUMMARY')!.value).toBe(`Coupe & brushing – ${SITE}`);
    expect(icsProp(first.event, 'ORGANIZER')!.params.CN).toBe(SITE);

    // Moved to the day before: standard time, and the old time is named.
    const moved = await s.api(`/appointments/${appointment.reference}`, { method: 'PATCH', token, json: { lockToken: await hold(dayBefore, '10:00'), date: dayBefore, time: '10:00' } });
    expect(moved.status).toBe(200);
    const notice = await lastMailTo('zoe@example.com');
    const beforeDay = DateTime.fromISO(dayBefore).setLocale('fr-FR').toFormat('cccc d LLLL yyyy');
    expect(notice.parsed.headers.subject).toMatch(/^Votre rendez-vous chez Salon Léa & Co a été déplacé\u00a0: sam\. \d+ mars, 10:00$/);
    expect(textOf(notice)).toContain(`Date et heure\u00a0: ${beforeDay}, 10:00 – 10:45 (heure normale d’Europe centrale)`);
    expect(textOf(notice)).toContain(`Auparavant\u00a0: ${springDay}, 10:00 – 10:45 (heure d’été d’Europe centrale)`);
    expect(manageLinkIn(notice)).toBe(link);
    const second = icsOf(notice);
    expect([second.method, icsProp(second.event, 'UID')!.value]).toEqual(['REQUEST', icsProp(first.event, 'UID')!.value]);
    expect(Number(icsProp(second.event, 'SEQUENCE')!.value)).toBeGreaterThan(0);

    const cancelled = await s.api(`/appointments/${appointment.reference}`, { method: 'DELETE', token });
    expect(cancelled.status).toBe(200);
    const cancellation = await lastMailTo('zoe@example.com');
    expect(cancellation.parsed.headers.subject).toMatch(/^Votre rendez-vous chez Salon Léa & Co du sam\. \d+ mars a été annulé$/);
    expect(textOf(cancellation)).toContain('Votre rendez-vous a été annulé');
    expect(textOf(cancellation)).toContain(`${beforeDay}, 10:00 – 10:45 (heure normale d’Europe centrale)`);
    expect(htmlOf(cancellation)).toContain('>Voir mes réservations</a>');
    expect(manageLinkIn(cancellation)).toBe(link);
    const third = icsOf(cancellation);
    expect([third.method, icsProp(third.event, 'STATUS')!.value, icsProp(third.event, 'UID')!.value]).toEqual(['CANCEL', 'CANCELLED', icsProp(first.event, 'UID')!.value]);
    expect(Number(icsProp(third.event, 'SEQUENCE')!.value)).toBeGreaterThanOrEqual(Number(icsProp(second.event, 'SEQUENCE')!.value));
  });

  it('the signed manage link opens the manage view with the address filled in; forged, altered or swapped links are refused without a lookup', async () => {
    const ana = await signIn(s, 'ana@example.com', read);
    const bookedA = await s.api('/appointments', { method: 'POST', token: ana, json: { lockToken: await hold(dayBefore, '14:00'), date: dayBefore, time: '14:00', employeeId: lea, serviceId: svc, name: 'Ana' } });
    expect(bookedA.status).toBe(201);
    const refA = (await bookedA.json()).appointment.reference as string;
    const linkA = manageLinkIn(await lastMailTo('ana@example.com'));
    const bob = await signIn(s, 'bob@example.com', read);
    const bookedB = await s.api('/appointments', { method: 'POST', token: bob, json: { lockToken: await hold(dayBefore, '15:00'), date: dayBefore, time: '15:00', employeeId: lea, serviceId: svc, name: 'Bob' } });
    const refB = (await bookedB.json()).appointment.reference as string;

    const lookups: string[] = [];
    const find = s.deps.repos.appointments.adminFind.bind(s.deps.repos.appointments);
    s.deps.repos.appointments.adminFind = (ref, conn) => {
      lookups.push(ref);
      return find(ref, conn);
    };
    try {
      const ok = await fetch(linkA);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('cache-control')).toBe('no-store');
      expect(ok.headers.get('referrer-policy')).toBe('no-referrer');
      expect(ok.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      const page = await ok.text();
      expect(page).toContain('<html lang="fr-FR" dir="ltr">');
      expect(page).toContain('<header>Salon Léa &amp; Co</header>');
      expect(page).toContain('<appointease-booking locale="fr-FR" view="manage" email="ana@example.com"></appointease-booking>');
      expect(page).not.toContain('role="alert"');
      expect(lookups).toEqual([refA]);

      const sig = new URL(linkA).searchParams.get('sig')!;
      const forged = [
        `${s.url}/appointease/v1/manage?ref=${refB}&sig=${sig}`, // Ana's signature on Bob's booking
        `${s.url}/appointease/v1/manage?ref=${refA}&sig=${(sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)}`,
        `${s.url}/appointease/v1/manage?ref=${refA}&sig=`,
        `${s.url}/appointease/v1/manage?ref=${refA}`,
        `${s.url}/appointease/v1/manage?sig=${sig}`,
        `${s.url}/appointease/v1/manage?ref=${encodeURIComponent(`${refA}' OR '1'='1`)}&sig=${sig}`,
      ];
      for (const url of forged) {
        const res = await fetch(url);
        expect(res.status, url).toBe(403);
        const body = await res.text();
        expect(body).not.toMatch(/@example\.com/);
        expect(body).toContain('<appointease-booking locale="fr-FR" view="manage"></appointease-booking>');
        expect(body).toContain('Ce lien n’est pas valide.');
      }
      expect(lookups).toEqual([refA]);

      // Genuine, but the booking has gone: nothing to prefill.
      await s.db.pool.query('DELETE FROM wp_appointments WHERE strong_id = ?', [refA]);
      const gone = await fetch(linkA);
      expect(gone.status).toBe(404);
      expect(await gone.text()).not.toContain('ana@example.com');

      // Without parameters: the plain manage view.
      const bare = await fetch(`${s.url}/appointease/v1/manage`);
      expect(bare.status).toBe(200);
      expect(await bare.text()).toContain('<appointease-booking locale="fr-FR" view="manage"></appointease-booking>');
    } finally {
      s.deps.repos.appointments.adminFind = find;
    }
  });

  it('a second instance of the site accepts the first one’s links (no state, only the shared secret)', async () => {
    const b = await startSidecar({ db: s.db, prefix: s.prefix, env: { MAIL_TRANSPORT: smtp.url } });
    try {
      const cara = await signIn(s, 'cara@example.com', read);
      const res = await s.api('/appointments', { method: 'POST', token: cara, json: { lockToken: await hold(dayBefore, '16:00'), date: dayBefore, time: '16:00', employeeId: lea, serviceId: svc, name: 'Cara' } });
      expect(res.status).toBe(201);
      const link = new URL(manageLinkIn(await lastMailTo('cara@example.com')));
      const onB = await fetch(`${b.url}${link.pathname}${link.search}`);
      expect(onB.status).toBe(200);
      expect(await onB.text()).toContain('email="cara@example.com"');
    } finally {
      await b.stop();
    }
  });

  it('many customers booking at once each get their own mail: their name, time, reference and link', async () => {
    const people = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'].map((n, i) => ({ email: `${n}@example.com`, name: `Client ${n}`, time: `${String(9 + i).padStart(2, '0')}:00` }));
    const tokens = await Promise.all(people.map((p) => signIn(s, p.email, read)));
    const day = DateTime.fromISO(dayBefore).minus({ days: 1 }).toISODate()!;
    const locks = await Promise.all(people.map((p) => hold(day, p.time)));
    const results = await Promise.all(
      people.map((p, i) => s.api('/appointments', { method: 'POST', token: tokens[i], json: { lockToken: locks[i], date: day, time: p.time, employeeId: lea, serviceId: svc, name: p.name } })),
    );
    expect(results.map((r) => r.status)).toEqual(people.map(() => 201));
    const refs = await Promise.all(results.map(async (r) => (await r.json()).appointment.reference as string));
    await s.deps.mailer.idle();
    for (const [i, p] of people.entries()) {
      const mails = smtp.mails.filter((m) => m.to.includes(p.email) && m.parsed.headers.subject!.includes('confirmé'));
      expect(mails).toHaveLength(1);
      const text = textOf(mails[0]!);
      expect(text).toContain(`Bonjour ${p.name},`);
      expect(text).toContain(`, ${p.time} – `);
      expect(text).toContain(refs[i]);
      expect(manageLinkIn(mails[0]!)).toContain(`ref=${refs[i]}&`);
      for (const other of refs.filter((_r, j) => j !== i)) expect(text).not.toContain(other);
    }
  });
});

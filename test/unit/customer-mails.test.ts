import { describe, expect, it } from 'vitest';
import * as build from '../../server/src/mail/customer-mails';
import type { AppointmentMailInput } from '../../server/src/mail/customer-mails';
import { mailLanguageFor } from '../../server/src/mail/language';
import type { MailMessage } from '../../server/src/mail/message';
import { icsProp, parseIcs } from '../helpers/mail';

/**
 * ICU writes thin spaces around a range's dash and a narrow no-break space
 * before AM/PM (good typography, kept in the mails); the expectations below
 * are typed with plain spaces.
 */
const sp = (s: string) => s.replace(/[\u2009\u202f]/g, ' ');
const plain = (m: MailMessage): MailMessage => ({ ...m, subject: sp(m.subject), text: sp(m.text), html: sp(m.html) });
const confirmationMail = (i: AppointmentMailInput) => plain(build.confirmationMail(i));
const rescheduleMail = (i: build.RescheduleMailInput) => plain(build.rescheduleMail(i));
const cancellationMail = (i: AppointmentMailInput) => plain(build.cancellationMail(i));
const reminderMail = (i: AppointmentMailInput) => plain(build.reminderMail(i));
const codeMail = (i: build.CodeMailInput) => plain(build.codeMail(i));

const MANAGE = 'https://salon.example/appointease/v1/manage?ref=APT-2026-000123&sig=AAAAAAAAAAAAAAAAAAAAAA';
const at = (iso: string) => Date.parse(iso);

function input(wpLocale: string, over: Partial<AppointmentMailInput['appointment']> = {}, extra: Partial<AppointmentMailInput> = {}): AppointmentMailInput {
  return {
    to: 'zoe@example.com',
    site: { name: 'Salon Léa', language: mailLanguageFor(wpLocale) },
    appointment: {
      reference: 'APT-2026-000123',
      customerName: 'Zoë Müller',
      serviceName: 'Haircut & style',
      employeeName: 'Léa Dubois',
      // 10:00–10:45 in Berlin (CET, winter).
      start: at('2026-12-14T09:00:00Z'),
      end: at('2026-12-14T09:45:00Z'),
      zone: 'Europe/Berlin',
      ...over,
    },
    manageUrl: MANAGE,
    organizer: { name: 'Salon Léa', email: 'bookings@salon.example' },
    sequence: 0,
    now: at('2026-12-13T08:00:00Z'),
    ...extra,
  };
}

function ics(m: MailMessage) {
  const a = m.attachments!.find((x) => x.contentType.startsWith('text/calendar'))!;
  const cal = parseIcs(String(a.content));
  return { attachment: a, method: icsProp(cal.props, 'METHOD')!.value, event: cal.components.find((c) => c.name === 'VEVENT')!.props };
}

/** What every appointment mail must carry, in both parts. */
function expectTheFacts(m: MailMessage, facts: { site: string; date: string; time: string; zone: string; duration: string }) {
  for (const part of [m.text, m.html]) {
    expect(part).toContain(facts.date);
    expect(part).toContain(facts.time);
    expect(part).toContain(facts.zone);
    expect(part).toContain(facts.duration);
    expect(part).toContain('Léa Dubois');
    expect(part).toContain('APT-2026-000123');
  }
  expect(m.text).toContain('Haircut & style');
  expect(m.html).toContain('Haircut &amp; style');
  expect(m.text.split('\n')[0]).toBe(facts.site);
  expect(m.html).toContain(`>${facts.site}</td>`);
  expect(m.text).toContain(`\n${MANAGE}\n`);
  expect(m.html).toContain(`href="${MANAGE.replace(/&/g, '&amp;')}"`);
  expect(m.fromName).toBe(facts.site);
}

describe('appointment mails, by language', () => {
  const cases = [
    { wp: '', lang: 'en', date: 'Monday, December 14, 2026', time: '10:00 – 10:45 AM', zone: 'Central European Standard Time', duration: '45 minutes', subject: 'Your appointment at Salon Léa is confirmed: Mon, Dec 14, 10:00 AM', greeting: 'Hello Zoë Müller,' },
    { wp: 'en_GB', lang: 'en-GB', date: 'Monday, 14 December 2026', time: '10:00–10:45', zone: 'Central European Standard Time', duration: '45 minutes', subject: 'Your appointment at Salon Léa is confirmed: Mon 14 Dec, 10:00', greeting: 'Hello Zoë Müller,' },
    { wp: 'de_DE', lang: 'de-DE', date: 'Montag, 14. Dezember 2026', time: '10:00–10:45 Uhr', zone: 'Mitteleuropäische Normalzeit', duration: '45 Minuten', subject: 'Ihr Termin bei Salon Léa ist bestätigt: Mo., 14. Dez., 10:00', greeting: 'Guten Tag Zoë Müller,' },
    { wp: 'fr_FR', lang: 'fr-FR', date: 'lundi 14 décembre 2026', time: '10:00 – 10:45', zone: 'heure normale d’Europe centrale', duration: '45 minutes', subject: 'Votre rendez-vous chez Salon Léa est confirmé\u00a0: lun. 14 déc., 10:00', greeting: 'Bonjour Zoë Müller,' },
    { wp: 'es_ES', lang: 'es-ES', date: 'lunes, 14 de diciembre de 2026', time: '10:00–10:45', zone: 'hora estándar de Europa central', duration: '45 minutos', subject: 'Tu cita en Salon Léa está confirmada: lun, 14 dic, 10:00', greeting: 'Hola, Zoë Müller:' },
    { wp: 'it_IT', lang: 'it-IT', date: 'lunedì 14 dicembre 2026', time: '10:00–10:45', zone: 'Ora standard dell’Europa centrale', duration: '45 minuti', subject: 'Il tuo appuntamento da Salon Léa è confermato: lun 14 dic, 10:00', greeting: 'Ciao Zoë Müller,' },
    { wp: 'nl_NL', lang: 'nl-NL', date: 'maandag 14 december 2026', time: '10:00–10:45', zone: 'Midden-Europese standaardtijd', duration: '45 minuten', subject: 'Je afspraak bij Salon Léa is bevestigd: ma 14 dec, 10:00', greeting: 'Hallo Zoë Müller,' },
    { wp: 'pt_BR', lang: 'pt-BR', date: 'segunda-feira, 14 de dezembro de 2026', time: '10:00 – 10:45', zone: 'Horário Padrão da Europa Central', duration: '45 minutos', subject: 'Seu horário em Salon Léa está confirmado: seg., 14 de dez., 10:00', greeting: 'Olá, Zoë Müller!' },
    { wp: 'ar', lang: 'ar', date: 'الاثنين، 14 ديسمبر 2026', time: '10:00–10:45 ص', zone: 'توقيت وسط أوروبا الرسمي', duration: '45 دقيقة', subject: 'تم تأكيد موعدك لدى Salon Léa: الاثنين، 14 ديسمبر، 10:00 ص', greeting: 'مرحبًا Zoë Müller،' },
  ];

  for (const c of cases) {
    it(`confirmation in ${c.lang}: site, weekday date, time with the zone, service, staff, duration, manage link, .ics`, () => {
      const m = confirmationMail(input(c.wp));
      expect(m.kind).toBe('confirmation');
      expect(m.to).toBe('zoe@example.com');
      expect(m.subject).toBe(c.subject);
      expectTheFacts(m, { site: 'Salon Léa', ...c });
      expect(m.text).toContain(c.greeting);
      expect(m.html).toMatch(new RegExp(`<html lang="${c.lang}" dir="${c.lang === 'ar' ? 'rtl' : 'ltr'}"`));
      const { method, event, attachment } = ics(m);
      expect([method, attachment.filename, icsProp(event, 'SEQUENCE')!.value]).toEqual(['REQUEST', 'invite.ics', '0']);
      expect(icsProp(event, 'DTSTART')!.value).toBe('20261214T090000Z');
      expect(icsProp(event, 'URL')!.value).toBe(MANAGE);
      expect(icsProp(event, 'SUMMARY')!.params.LANGUAGE).toBe(c.lang);
    });
  }

  it('Arabic is right to left in the content itself (webmail drops <html dir>), with the reference kept left to right', () => {
    const m = confirmationMail(input('ar'));
    expect(m.html).toContain('dir="rtl" lang="ar"');
    expect(m.html).toMatch(/text-align:right/);
    expect(m.html).not.toMatch(/text-align:left/);
    expect(m.html).toMatch(/<span dir="ltr"><span style="[^"]*">APT-2026-000123<\/span><\/span>/);
    expect(m.text).toContain('الموعد: الاثنين، 14 ديسمبر 2026، 10:00–10:45 ص (توقيت وسط أوروبا الرسمي)');
  });

  it('each kind says what happened, in the site language, with its own .ics method', () => {
    const previous = { start: at('2026-12-12T09:00:00Z'), end: at('2026-12-12T09:45:00Z') };
    const moved = rescheduleMail({ ...input('de_DE'), sequence: 4711, previous });
    expect(moved.kind).toBe('reschedule');
    expect(moved.subject).toBe('Ihr Termin bei Salon Léa wurde verschoben: Mo., 14. Dez., 10:00');
    expect(moved.text).toContain('Ihr Termin wurde verschoben');
    expect(moved.text).toContain('Bisher: Samstag, 12. Dezember 2026, 10:00–10:45 Uhr (Mitteleuropäische Normalzeit)');
    expect(moved.text).toContain('aktualisiert den Termin');
    expect([ics(moved).method, icsProp(ics(moved).event, 'SEQUENCE')!.value]).toEqual(['REQUEST', '4711']);

    const cancelled = cancellationMail({ ...input('fr_FR'), sequence: 4712 });
    expect(cancelled.kind).toBe('cancellation');
    expect(cancelled.subject).toBe('Votre rendez-vous chez Salon Léa du lun. 14 déc. a été annulé');
    expect(cancelled.text).toContain('Consultez vos réservations ou prenez un nouveau rendez-vous ici\u00a0:');
    expect(cancelled.html).toContain('>Voir mes réservations</a>');
    expect(cancelled.text).toContain('retire le rendez-vous de votre agenda');
    const c = ics(cancelled);
    expect([c.method, c.attachment.filename, icsProp(c.event, 'STATUS')!.value]).toEqual(['CANCEL', 'cancel.ics', 'CANCELLED']);

    const reminder = reminderMail(input('es_ES'));
    expect(reminder.kind).toBe('reminder');
    expect(reminder.subject).toBe('Recordatorio: tu cita en Salon Léa, lun, 14 dic, 10:00');
    // Written the day before (now = 13 December): "mañana".
    expect(reminder.text).toContain('Te recordamos que tienes una cita mañana.');
    expect(ics(reminder).method).toBe('REQUEST');
    expect(reminderMail({ ...input('it_IT'), now: at('2026-12-14T06:00:00Z') }).text).toContain('Ti ricordiamo che hai un appuntamento oggi.');
    expect(reminderMail({ ...input('nl_NL'), now: at('2026-12-11T06:00:00Z') }).text).toContain('We herinneren je graag aan je afspraak over 3 dagen.');
  });

  it('a missing service or staff member and an empty name still make a sensible mail', () => {
    const m = confirmationMail(input('pt_BR', { serviceName: null, employeeName: null, customerName: '  ' }));
    expect(m.text).toContain('Olá!');
    expect(m.text).toContain('Serviço: Agendamento (45 minutos)');
    expect(m.text).not.toContain('Com:');
  });
});

describe('times on DST days are written with the zone they are in', () => {
  it('Berlin: the Sunday of the spring change is summer time, the day before is standard time', () => {
    const before = confirmationMail(input('en_GB', { start: at('2026-03-28T09:00:00Z'), end: at('2026-03-28T09:30:00Z') }));
    expect(before.text).toContain('When: Saturday, 28 March 2026, 10:00–10:30 (Central European Standard Time)');
    const after = confirmationMail(input('en_GB', { start: at('2026-03-29T08:00:00Z'), end: at('2026-03-29T08:30:00Z') }));
    expect(after.text).toContain('When: Sunday, 29 March 2026, 10:00–10:30 (Central European Summer Time)');
  });

  it('Berlin autumn: the hour that happens twice is told apart by its zone', () => {
    const first = confirmationMail(input('de_DE', { start: at('2026-10-25T00:30:00Z'), end: at('2026-10-25T00:45:00Z') }));
    const second = confirmationMail(input('de_DE', { start: at('2026-10-25T01:30:00Z'), end: at('2026-10-25T01:45:00Z') }));
    expect(first.text).toContain('Sonntag, 25. Oktober 2026, 02:30–02:45 Uhr (Mitteleuropäische Sommerzeit)');
    expect(second.text).toContain('Sonntag, 25. Oktober 2026, 02:30–02:45 Uhr (Mitteleuropäische Normalzeit)');
  });

  it('an appointment across the change names the zone at each end', () => {
    // 01:30 CET → 03:30 CEST is one hour on 29 March 2026.
    const m = confirmationMail(input('en_GB', { start: at('2026-03-29T00:30:00Z'), end: at('2026-03-29T01:30:00Z') }));
    expect(m.text).toContain('Sunday, 29 March 2026, 01:30 (Central European Standard Time) – 03:30 (Central European Summer Time)');
    expect(m.text).toContain('Service: Haircut & style (1 hour)');
  });

  it('New York on its own change day, and a fixed WordPress offset', () => {
    const ny = confirmationMail(input('', { zone: 'America/New_York', start: at('2026-03-08T14:00:00Z'), end: at('2026-03-08T15:30:00Z') }));
    expect(ny.text).toContain('When: Sunday, March 8, 2026, 10:00 – 11:30 AM (Eastern Daylight Time)');
    expect(ny.text).toContain('(1 hour, 30 minutes)');
    const kolkata = confirmationMail(input('fr_FR', { zone: 'UTC+5:30', start: at('2026-12-14T04:30:00Z'), end: at('2026-12-14T05:15:00Z') }));
    expect(kolkata.text).toContain('lundi 14 décembre 2026, 10:00 – 10:45 (UTC+5:30)');
  });
});

describe('escaping and headers', () => {
  const hostile = '<script>alert("x")</script> & {reference}';

  it('every customer-supplied value is escaped in the HTML and left as typed in the text', () => {
    const m = confirmationMail(input('en_GB', { customerName: hostile, serviceName: '<b>Cut</b> "&" \'style\'', employeeName: '<img src=x onerror=alert(1)>' }, { site: { name: 'Salon <Léa> & "Co"', language: mailLanguageFor('en_GB') } }));
    expect(m.html).not.toMatch(/<script|<img|<b>Cut/);
    expect(m.html).toContain('Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; {reference},');
    expect(m.html).toContain('&lt;b&gt;Cut&lt;/b&gt; &quot;&amp;&quot; &#39;style&#39;');
    expect(m.html).toContain('Salon &lt;Léa&gt; &amp; &quot;Co&quot;');
    expect(m.text).toContain(`Hello ${hostile},`);
    expect(m.text).not.toContain('APT-2026-000123,'); // {reference} inside a value is not expanded
  });

  it('no header injection through the site name or a template subject', () => {
    const m = confirmationMail(input('en', {}, { site: { name: 'Salon\r\nBcc: eve@example.com', language: mailLanguageFor('') } }));
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject).toContain('Salon Bcc: eve@example.com');
    const t = confirmationMail(input('en', {}, { template: { subject: 'Hi {customer_name}\nBcc: eve@example.com', body: 'x' } }));
    expect(t.subject).toBe('Hi Zoë Müller Bcc: eve@example.com');
  });
});

describe('the plain-text part is written, not stripped HTML', () => {
  it('has no markup or entities, labels with their values, the link on its own line, and a signature separator', () => {
    const m = confirmationMail(input('fr_FR'));
    expect(m.text).not.toMatch(/<[a-z/]|&[a-z]+;|&#\d+;/i);
    expect(m.text).toContain('Date et heure\u00a0: lundi 14 décembre 2026, 10:00 – 10:45 (heure normale d’Europe centrale)');
    expect(m.text).toContain('Prestation\u00a0: Haircut & style (45 minutes)');
    expect(m.text).toContain('Référence\u00a0: APT-2026-000123');
    expect(m.text).toContain('Gérez votre réservation ici\u00a0:\n' + MANAGE + '\nVous confirmerez votre adresse e-mail');
    expect(m.text).toMatch(/\n-- \nCet e-mail vous a été envoyé par Salon Léa/);
    expect(m.text.split('\n').every((line) => line === line.trimEnd() || line === '-- ')).toBe(true);
  });
});

describe('the HTML layout', () => {
  it('is a 600 px table column that shrinks, with a cell button and Outlook fallbacks', () => {
    const m = confirmationMail(input('en'));
    expect(m.html).toMatch(/^<!doctype html>/);
    expect(m.html).toContain('max-width:600px');
    expect(m.html).toContain('<!--[if mso]><table role="presentation" width="600"');
    expect(m.html).toContain('@media only screen and (max-width:480px)');
    expect(m.html).toContain('mso-padding-alt:12px 24px');
    expect(m.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(m.html).not.toMatch(/<img|<script|<link /);
    // The preview line: when and what.
    expect(m.html).toMatch(/<div style="display:none;[^"]*">Monday, December 14, 2026, 10:00 – 10:45 AM \(Central European Standard Time\) · Haircut &amp; style/);
  });
});

describe('a template from the site (AppointEase’s table)', () => {
  it('a plain-text template keeps AppointEase’s placeholders, gets the new ones, and the facts it leaves out are added', () => {
    const m = confirmationMail(
      input('de_DE', {}, {
        template: {
          subject: '{site_name}: Termin {reference} am {appointment_date}',
          body: 'Liebe/r {customer_name},\n\nwir sehen uns am {appointment_date} um {appointment_time} Uhr ({time_zone}) zu {service_name} ({duration}) bei {employee_name}.\n\nBis bald!',
        },
      }),
    );
    expect(m.subject).toBe('Salon Léa: Termin APT-2026-000123 am Montag, 14. Dezember 2026');
    expect(m.text).toContain('Liebe/r Zoë Müller,\n\nwir sehen uns am Montag, 14. Dezember 2026 um 10:00 Uhr (Mitteleuropäische Normalzeit) zu Haircut & style (45 Minuten) bei Léa Dubois.\n\nBis bald!');
    expect(m.html).toContain('<p style="margin:0 0 16px;">Liebe/r Zoë Müller,</p>');
    expect(m.html).toContain('zu Haircut &amp; style (45 Minuten)');
    // Not placed by the template: the details and the manage button follow its text.
    expect(m.text).toContain('Datum und Uhrzeit: Montag, 14. Dezember 2026, 10:00–10:45 Uhr (Mitteleuropäische Normalzeit)');
    expect(m.text).toContain(MANAGE);
    expect(m.html).toContain('>Buchung verwalten</a>');
    expect(m.text.indexOf('Bis bald!')).toBeLessThan(m.text.indexOf('Datum und Uhrzeit'));
  });

  it('an HTML template places the blocks itself; its markup stays, values are escaped, the text part is derived from its words', () => {
    const m = cancellationMail(
      input('en_GB', { customerName: 'Ann <b>' }, {
        template: {
          subject: '',
          body: '<h2>Sorry, {customer_name}</h2><p>Your {service_name} is off.</p>{appointment_details}<p>Rebook: <a href="{manage_url}">here</a></p>',
        },
      }),
    );
    expect(m.subject).toBe('Your appointment at Salon Léa on Mon 14 Dec has been cancelled');
    expect(m.html).toContain('<h2>Sorry, Ann &lt;b&gt;</h2><p>Your Haircut &amp; style is off.</p><table role="presentation"');
    expect(m.html).toContain(`<a href="${MANAGE.replace(/&/g, '&amp;')}">here</a>`);
    expect(m.html).not.toContain('>View my bookings</a>'); // {manage_url} placed: no second button
    expect(m.text).toContain('Sorry, Ann <b>\nYour Haircut & style is off.\nWhen: Monday, 14 December 2026, 10:00–10:45 (Central European Standard Time)');
    expect((m.html.match(/Booking reference/g) ?? []).length).toBe(1);
  });

  it('placeholders expand once, unknown braces stay, and the reminder uses the template of its own type', () => {
    const m = reminderMail(input('en', { customerName: '{manage_url}' }, { template: { subject: 'See you {appointment_when}', body: 'Hi {customer_name}, {unknown} {appointment_details}' } }));
    expect(m.subject).toBe('See you Monday, December 14, 2026, 10:00 – 10:45 AM (Central European Standard Time)');
    expect(m.text).toContain('Hi {manage_url}, {unknown} When: Monday');
  });
});

describe('the one-time code mail', () => {
  it('carries the site and the code, and how long it lasts in the language', () => {
    const m = codeMail({ to: 'zoe@example.com', site: { name: 'Salon Léa', language: mailLanguageFor('de_DE') }, code: '042917', validMinutes: 10 });
    expect(m.kind).toBe('otp');
    expect(m.subject).toBe('042917 ist Ihr Bestätigungscode für Salon Léa');
    expect(m.text).toContain('\n\n042917\n\n');
    expect(m.text).toContain('Er ist 10 Minuten lang gültig');
    expect(m.html).toContain('>042917</p>');
    expect(m.attachments).toBeUndefined();
    // The first six digits a reader (or the e2e's extractor) meets in the text are the code.
    expect(/\b(\d{6})\b/.exec(m.text)![1]).toBe('042917');
  });

  it('Arabic keeps the code left to right; a site template without {code} still gets the code', () => {
    const ar = codeMail({ to: 'z@example.com', site: { name: 'صالون', language: mailLanguageFor('ar') }, code: '123456', validMinutes: 1 });
    expect(ar.html).toContain('<p dir="ltr"');
    expect(ar.text).toContain('الرمز صالح لمدة دقيقة');
    const own = codeMail({ to: 'z@example.com', site: { name: 'S', language: mailLanguageFor('') }, code: '654321', validMinutes: 10, template: { subject: 'Code from {site_name}', body: 'Valid for {code_minutes}.' } });
    expect(own.subject).toBe('Code from S');
    expect(own.text).toContain('Valid for 10 minutes.\n\n654321');
  });
});

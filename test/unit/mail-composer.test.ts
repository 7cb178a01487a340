import { describe, expect, it } from 'vitest';
import type { AppointmentRow } from '../../server/src/db/repositories/appointments-repository';
import type { WordPressSiteOptions } from '../../server/src/db/repositories/settings-repository';
import { MailComposer } from '../../server/src/mail/composer';
import { revisionSequence } from '../../server/src/mail/ics-format';
import { verifyManageSignature } from '../../server/src/mail/manage-link';
import { icsProp, parseIcs } from '../helpers/mail';

const SECRET = 'composer-test-secret-at-least-32-characters';
const NOW = Date.parse('2026-12-13T08:00:00Z');

function composer(o: { wp?: () => Promise<WordPressSiteOptions>; publicUrl?: string; from?: string; templates?: Record<string, { subject: string; body: string }> } = {}) {
  const reads = { site: 0, templates: [] as string[] };
  const c = new MailComposer({
    templates: {
      activeOf: async (type: string) => {
        reads.templates.push(type);
        return o.templates?.[type];
      },
    } as any,
    catalogue: {
      snapshot: async () => ({
        services: new Map([[1, { id: 1, name: 'Haircut & style', description: '', duration: 45, price: 0, bufferBefore: 10, bufferAfter: 5, active: true }]]),
        staff: new Map([[2, { id: 2, name: 'Léa Dubois', email: 'lea@salon.example', phone: '', active: true, serviceIds: [], workingHours: {} }]]),
        rules: { timezone: 'Europe/Berlin', slotInterval: 30, minNoticeMinutes: 0, maxAdvanceDays: 365 },
      }),
    } as any,
    settings: {
      wordpressSite: async () => {
        reads.site += 1;
        return (o.wp ?? (async () => ({ blogname: 'Salon L&eacute;a &amp; Co', locale: 'de_DE', home: 'https://salon.example/blog' })))();
      },
    } as any,
    config: { mail: { transport: 'log', from: o.from ?? 'AppointEase <bookings@salon.example>', wordpressUrl: '', retryDelayMs: 10 }, otpTtlSeconds: 600, secret: SECRET, publicUrl: o.publicUrl ?? '' },
    listenUrl: () => 'http://127.0.0.1:8787',
    now: () => NOW,
  });
  return { c, reads };
}

const row = (over: Partial<AppointmentRow> = {}): AppointmentRow => ({
  id: 7, name: 'Zoë', email: 'zoe@example.com', phone: null, appointment_date: '2026-12-14 10:00:00', end_date: '2026-12-14 10:45:00', status: 'confirmed',
  service_id: 1, employee_id: 2, customer_id: null, notes: null, strong_id: 'APT-2026-000123', idempotency_key: null, idempotency_hash: null,
  buffer_before: 10, buffer_after: 5, rescheduled_at: null, original_date: null, created_at: null, ...over,
});

const ics = (m: { attachments?: { content: string | Buffer }[] }) => parseIcs(String(m.attachments![0]!.content)).components.find((x) => x.name === 'VEVENT')!.props;

describe('MailComposer: the facts of a mail from the row, the catalogue and WordPress', () => {
  it('the appointment without its buffers, the site in its language, links to the site’s own origin', async () => {
    const { c } = composer();
    const m = await c.confirmation(row());
    expect(m.text).toContain('Datum und Uhrzeit: Montag, 14. Dezember 2026, 10:00–10:45 Uhr (Mitteleuropäische Normalzeit)');
    expect(m.text.split('\n')[0]).toBe('Salon L&eacute;a & Co'); // only WordPress's own escapes are decoded
    const link = /https:\/\/salon\.example\/appointease\/v1\/manage\?ref=APT-2026-000123&sig=([\w-]{22})/.exec(m.text)!;
    expect(verifyManageSignature(SECRET, 'APT-2026-000123', link[1]!)).toBe(true);
    expect(icsProp(ics(m), 'ORGANIZER')!.params.CN).toBe('Salon L&eacute;a & Co');
  });

  it('PUBLIC_URL wins over WordPress’s address; an operator’s sender name stays the organizer', async () => {
    const { c } = composer({ publicUrl: 'https://book.salon.example', from: 'Front Desk <desk@salon.example>' });
    const m = await c.confirmation(row());
    expect(m.text).toContain('https://book.salon.example/appointease/v1/manage?ref=APT-2026-000123&sig=');
    expect(icsProp(ics(m), 'ORGANIZER')!.params.CN).toBe('Front Desk');
  });

  it('a legacy row without a reference is linked by its id; without WordPress options the mail is English and links to this instance', async () => {
    const { c } = composer({ wp: async () => ({ blogname: '', locale: '', home: '' }) });
    const m = await c.cancellation(row({ strong_id: null }));
    expect(m.text.split('\n')[0]).toBe('AppointEase');
    expect(m.subject).toMatch(/^Your appointment at AppointEase on Mon, Dec 14 has been cancelled$/);
    expect(m.text).toContain('http://127.0.0.1:8787/appointease/v1/manage?ref=7&sig=');
  });

  it('SEQUENCE: 0 first, the stored change time after a move (so the reminder repeats it), now for a cancellation', async () => {
    const { c } = composer();
    const moved = row({ rescheduled_at: '2026-12-10 09:30:00' });
    expect(icsProp(ics(await c.confirmation(row())), 'SEQUENCE')!.value).toBe('0');
    expect(icsProp(ics(await c.reschedule(moved, { date: '2026-12-12', time: '09:00' })), 'SEQUENCE')!.value).toBe(String(revisionSequence(Date.parse('2026-12-10T09:30:00Z'))));
    expect(icsProp(ics(await c.reminder(moved)), 'SEQUENCE')!.value).toBe(String(revisionSequence(Date.parse('2026-12-10T09:30:00Z'))));
    expect(icsProp(ics(await c.reminder(row())), 'SEQUENCE')!.value).toBe('0');
    expect(icsProp(ics(await c.cancellation(moved)), 'SEQUENCE')!.value).toBe(String(revisionSequence(NOW)));
  });

  it('the reschedule names the old time; the reminder uses the reminder template', async () => {
    const { c, reads } = composer({ templates: { reminder: { subject: 'Bis {appointment_when}', body: 'Hallo {customer_name}' } } });
    const notice = await c.reschedule(row(), { date: '2026-12-12', time: '09:00' });
    expect(notice.text).toContain('Bisher: Samstag, 12. Dezember 2026, 09:00–09:45 Uhr (Mitteleuropäische Normalzeit)');
    const reminder = await c.reminder(row());
    expect(reminder.kind).toBe('reminder');
    expect(reminder.subject).toBe('Bis Montag, 14. Dezember 2026, 10:00–10:45 Uhr (Mitteleuropäische Normalzeit)');
    expect(reads.templates).toEqual(['reschedule', 'reminder']);
  });

  it('WordPress’s options are read once a minute, not once a mail', async () => {
    const { c, reads } = composer();
    await Promise.all([c.code('a@example.com', '111111'), c.code('b@example.com', '222222'), c.confirmation(row())]);
    expect(reads.site).toBe(1);
  });

  it('the code mail goes out even when the options and the template cannot be read', async () => {
    let fail = false;
    const { c } = composer({
      wp: async () => {
        if (fail) throw new Error('ECONNREFUSED');
        return { blogname: 'Salon', locale: 'fr_FR', home: '' };
      },
    });
    // Never read: MAIL_FROM's name, in English.
    fail = true;
    const cold = await c.code('a@example.com', '123456');
    expect(cold.subject).toBe('123456 is your verification code for AppointEase');
    await expect(c.confirmation(row())).rejects.toThrow('ECONNREFUSED');
  });
});

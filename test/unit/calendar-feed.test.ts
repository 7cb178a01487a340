import fc from 'fast-check';
import ICAL from 'ical.js';
import { convertIcsCalendar } from 'ts-ics';
import { describe, expect, it } from 'vitest';
import { busyIntervalsFromIcs } from '../../server/src/calendar/busy-time';
import { buildCalendarFeed, feedValidators, isNotModified, type FeedAppointment } from '../../server/src/calendar/feed';
import { buildIcs } from '../../server/src/mail/ics';
import { revisionSequence } from '../../server/src/mail/ics-format';

const appointment = (over: Partial<FeedAppointment> = {}): FeedAppointment => ({
  reference: 'APT-2025-000123',
  start: Date.UTC(2025, 9, 28, 8, 0),
  end: Date.UTC(2025, 9, 28, 9, 0),
  serviceName: 'Cut & colour',
  customerName: 'Zoë Ünal',
  cancelled: false,
  revisedAt: null,
  updatedAt: Date.UTC(2025, 9, 1, 12, 0),
  ...over,
});

const feed = (appointments: FeedAppointment[]) => buildCalendarFeed({ name: 'AppointEase – Ana', timezone: 'Europe/Berlin', appointments });

/** The VEVENTs as ical.js (Mozilla's client library) reads them. */
function icalEvents(text: string) {
  const root = new ICAL.Component(ICAL.parse(text));
  return {
    name: root.getFirstPropertyValue('x-wr-calname'),
    events: root.getAllSubcomponents('vevent').map((v) => {
      const e = new ICAL.Event(v);
      return {
        uid: e.uid,
        start: e.startDate.toUnixTime() * 1000,
        end: e.endDate.toUnixTime() * 1000,
        summary: e.summary,
        status: v.getFirstPropertyValue('status'),
        sequence: e.sequence,
      };
    }),
  };
}

const references = fc.integer({ min: 1, max: 999_999 }).map((n) => `APT-2025-${String(n).padStart(6, '0')}`);
const hostileText = fc.string({ unit: fc.constantFrom('a', 'Ä', '😀', ',', ';', '\\', '\n', '\r\n', ':', '"', 'END:VEVENT', 'BEGIN:VEVENT', ' ', 'ß'), maxLength: 60 });
const appointments = fc.uniqueArray(
  fc.record({
    reference: references,
    start: fc.integer({ min: Date.UTC(2024, 0, 1) / 60_000, max: Date.UTC(2027, 0, 1) / 60_000 }).map((m) => m * 60_000),
    minutes: fc.integer({ min: 5, max: 480 }),
    serviceName: hostileText,
    customerName: hostileText,
    cancelled: fc.boolean(),
    revisedAt: fc.option(fc.integer({ min: Date.UTC(2024, 0, 2), max: Date.UTC(2026, 0, 1) })),
    updatedAt: fc.integer({ min: Date.UTC(2024, 0, 2), max: Date.UTC(2026, 0, 1) }),
  }),
  { selector: (a) => a.reference, maxLength: 20 },
).map((xs) => xs.map(({ minutes, ...a }) => ({ ...a, end: a.start + minutes * 60_000 }) as FeedAppointment));

describe('staff calendar feed', () => {
  it('round-trips through ical.js: UIDs, UTC instants, summary text, status and SEQUENCE', () => {
    fc.assert(
      fc.property(appointments, (list) => {
        const text = feed(list);
        const parsed = icalEvents(text);
        expect(parsed.name).toBe('AppointEase – Ana');
        const byUid = new Map(parsed.events.map((e) => [e.uid, e]));
        expect(parsed.events).toHaveLength(list.length);
        for (const a of list) {
          const e = byUid.get(`${a.reference.toLowerCase()}@appointease`)!;
          expect(e.start).toBe(a.start);
          expect(e.end).toBe(a.end);
          expect(e.summary).toBe(`${a.serviceName} – ${a.customerName}`.replace(/\r\n/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ''));
          expect(e.status).toBe(a.cancelled ? 'CANCELLED' : 'CONFIRMED');
          expect(e.sequence).toBe(a.revisedAt == null ? 0 : revisionSequence(a.revisedAt));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('round-trips through a second client library (ts-ics)', () => {
    // ts-ics finds components by searching the text for "END:VEVENT", so a
    // name containing those words (valid RFC 5545, and read right by ical.js
    // above) would cut its event short; that part of its input is left out here.
    const plain = appointments.filter((list) => list.every((a) => !/BEGIN:|END:/.test(a.serviceName + a.customerName)));
    fc.assert(
      fc.property(plain, (list) => {
        const parsed = convertIcsCalendar(undefined, feed(list));
        expect(parsed.events ?? []).toHaveLength(list.length);
        for (const a of list) {
          const e = parsed.events!.find((x) => x.uid === `${a.reference.toLowerCase()}@appointease`)!;
          expect(e.start.date.getTime()).toBe(a.start);
          expect(e.end!.date.getTime()).toBe(a.end);
          expect(e.status).toBe(a.cancelled ? 'CANCELLED' : 'CONFIRMED');
        }
      }),
      { numRuns: 100 },
    );
  });

  it('uses the invitation mails\' UID and SEQUENCE, so a mailed entry and the feed entry are one event', () => {
    const revisedAt = Date.UTC(2025, 9, 20, 10, 30, 15);
    const cancelledAt = appointment({ cancelled: true, revisedAt, updatedAt: revisedAt });
    const mail = buildIcs({
      reference: cancelledAt.reference,
      start: cancelledAt.start,
      end: cancelledAt.end,
      summary: 'Cut & colour with Ana',
      description: 'Reference APT-2025-000123',
      organizer: { name: 'Salon', email: 'no-reply@example.com' },
      attendee: { name: 'Zoë', email: 'zoe@example.com' },
      timezone: 'Europe/Berlin',
      sequence: revisionSequence(revisedAt),
      method: 'CANCEL',
    });
    const fromMail = icalEvents(mail).events[0]!;
    const fromFeed = icalEvents(feed([cancelledAt])).events[0]!;
    expect(fromFeed.uid).toBe(fromMail.uid);
    expect(fromFeed.sequence).toBe(fromMail.sequence);
    expect(fromFeed.status).toBe('CANCELLED');
    expect([fromFeed.start, fromFeed.end]).toEqual([fromMail.start, fromMail.end]);
    // Before any revision the feed says 0, like the confirmation mail.
    expect(icalEvents(feed([appointment()])).events[0]!.sequence).toBe(0);
  });

  it('is folded at 75 octets with CRLF, and user text cannot add properties or events', () => {
    const text = feed([appointment({ customerName: `x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil${'ü'.repeat(80)}`, serviceName: 'a;b,c\\d' })]);
    expect(text.endsWith('\r\n')).toBe(true);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(text.replace(/\r\n/g, '').includes('\n')).toBe(false);
    const events = icalEvents(text).events;
    expect(events).toHaveLength(1);
    expect(events[0]!.summary).toBe(`a;b,c\\d – x\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil${'ü'.repeat(80)}`);
  });

  it('an employee who adds their own feed as a busy calendar does not block their appointments twice', () => {
    const text = feed([appointment()]);
    expect(busyIntervalsFromIcs(text, { from: Date.UTC(2025, 9, 1), to: Date.UTC(2025, 11, 1), zone: 'Europe/Berlin' }).intervals).toEqual([]);
  });
});

describe('feed validators', () => {
  const window = Date.UTC(2025, 8, 1);
  const a = appointment();
  const b = appointment({ reference: 'APT-2025-000124', start: Date.UTC(2025, 9, 29, 8), end: Date.UTC(2025, 9, 29, 9), updatedAt: Date.UTC(2025, 9, 2) });

  it('the same appointments give the same bytes and ETag, in any order; any change gives another', () => {
    const one = feedValidators(feed([a, b]), [a, b], window);
    expect(feed([b, a])).toBe(feed([a, b]));
    expect(feedValidators(feed([b, a]), [b, a], window)).toEqual(one);
    expect(one.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    const changed = [a, { ...b, cancelled: true, revisedAt: Date.UTC(2025, 9, 3), updatedAt: Date.UTC(2025, 9, 3) }];
    expect(feedValidators(feed(changed), changed, window).etag).not.toBe(one.etag);
    expect(feedValidators(feed([a]), [a], window).etag).not.toBe(one.etag);
  });

  it('Last-Modified is the newest change, but never before the window start', () => {
    expect(feedValidators(feed([a, b]), [a, b], window).lastModified).toBe('Thu, 02 Oct 2025 00:00:00 GMT');
    expect(feedValidators(feed([a]), [a], Date.UTC(2025, 9, 5, 0, 0, 0, 500)).lastModified).toBe('Sun, 05 Oct 2025 00:00:00 GMT');
  });

  it('If-None-Match decides when sent; otherwise If-Modified-Since', () => {
    const v = feedValidators(feed([a, b]), [a, b], window);
    expect(isNotModified(v, v.etag, undefined)).toBe(true);
    expect(isNotModified(v, `"other", W/${v.etag}`, undefined)).toBe(true);
    expect(isNotModified(v, '*', undefined)).toBe(true);
    expect(isNotModified(v, '"other"', v.lastModified)).toBe(false); // the ETag wins over a matching date
    expect(isNotModified(v, undefined, v.lastModified)).toBe(true);
    expect(isNotModified(v, undefined, 'Wed, 01 Oct 2025 23:59:59 GMT')).toBe(false);
    expect(isNotModified(v, undefined, 'yesterday')).toBe(false);
    expect(isNotModified(v, undefined, undefined)).toBe(false);
  });
});

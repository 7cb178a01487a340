import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { busyIntervalsFromIcs, type BusyOptions } from '../../server/src/calendar/busy-time';
import { CalendarError } from '../../server/src/calendar/calendar-error';
import { mergeIntervals } from '../../server/src/calendar/intervals';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ics/${name}`, import.meta.url), 'utf8');

// Monday 2025-09-29 00:00 to Monday 2025-11-10 00:00 in Berlin: six weeks across the October DST change.
const BERLIN: BusyOptions = { from: Date.parse('2025-09-28T22:00:00Z'), to: Date.parse('2025-11-09T23:00:00Z'), zone: 'Europe/Berlin' };

const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');
const spans = (text: string, options: BusyOptions = BERLIN) => busyIntervalsFromIcs(text, options).intervals.map((i) => `${iso(i.start)}/${iso(i.end)}`);

function calendar(...body: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//AppointEase tests//EN', ...body, 'END:VCALENDAR', ''].join('\r\n');
}

let uid = 0;
function vevent(...props: string[]): string {
  const hasUid = props.some((p) => p.startsWith('UID:'));
  return ['BEGIN:VEVENT', ...(hasUid ? [] : [`UID:test-${++uid}@example.com`]), 'DTSTAMP:20250901T000000Z', ...props, 'END:VEVENT'].join('\r\n');
}

function errorOf(fn: () => unknown): CalendarError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CalendarError) return e;
    throw e;
  }
  throw new Error('expected a CalendarError');
}

describe('busy time from real-world export shapes', () => {
  it('Google: weekly series with EXDATE, a moved and a cancelled instance across DST, all-day, transparent and cancelled events', () => {
    expect(spans(fixture('google-export.ics'))).toEqual([
      '2025-09-28T22:00Z/2025-09-28T23:00Z', // night train 23:00–01:00 local, clipped to the horizon start
      '2025-09-29T07:00Z/2025-09-29T08:00Z', // Monday 09:00 CEST
      '2025-10-01T16:00Z/2025-10-01T17:00Z', // physio, DAILY;COUNT=3
      '2025-10-02T16:00Z/2025-10-02T17:00Z',
      '2025-10-03T16:00Z/2025-10-03T17:00Z',
      '2025-10-06T07:00Z/2025-10-06T08:00Z', // (13 Oct is an EXDATE)
      '2025-10-08T14:00Z/2025-10-08T14:30Z', // event with a VALARM
      '2025-10-14T22:00Z/2025-10-15T22:00Z', // opaque all-day: the whole Berlin day
      '2025-10-16T12:00Z/2025-10-16T13:00Z', // UTC dentist (the transparent all-day birthday that day blocks nothing)
      '2025-10-21T12:00Z/2025-10-21T13:00Z', // 20 Oct's instance moved to Tuesday 14:00 (RECURRENCE-ID)
      '2025-11-03T08:00Z/2025-11-03T09:00Z', // Monday 09:00 CET after the change (27 Oct cancelled by its override)
      '2025-11-04T23:00Z/2025-11-07T23:00Z', // three all-day holiday days
    ]);
  });

  it('Outlook: Windows zone names, multi-value EXDATE, a moved instance, free/tentative/OOF, a TZID without VTIMEZONE', () => {
    const result = busyIntervalsFromIcs(fixture('outlook-export.ics'), BERLIN);
    expect(result.intervals.map((i) => `${iso(i.start)}/${iso(i.end)}`)).toEqual([
      '2025-10-02T08:00Z/2025-10-02T10:00Z', // tentative 10–11 and an overlapping 10:30–12:00 merged
      '2025-10-09T07:00Z/2025-10-09T08:00Z', // "Romance Standard Time" without a VTIMEZONE: Paris
      '2025-10-10T15:00Z/2025-10-10T16:00Z', // Pacific Standard Time (PDT) from its VTIMEZONE
      '2025-10-13T06:30Z/2025-10-13T07:30Z', // "Customized Time Zone" (+05:30) from its VTIMEZONE
      '2025-10-14T14:00Z/2025-10-14T15:00Z', // 14 Oct's 14:00 moved to 16:00 (30 Sep and 7 Oct are EXDATEs)
      '2025-10-21T12:00Z/2025-10-21T13:00Z',
      '2025-10-28T13:00Z/2025-10-28T14:00Z', // 14:00 CET
      '2025-11-02T23:00Z/2025-11-03T23:00Z', // all-day out of office
      '2025-11-04T13:00Z/2025-11-04T14:00Z',
    ]);
    expect(result).toMatchObject({ events: 10, skipped: 0, unknownZones: [] });
  });

  it('all-day events are whole days in the business zone, however the feed is zoned', () => {
    const ny: BusyOptions = { ...BERLIN, zone: 'America/New_York' };
    expect(spans(fixture('google-export.ics'), ny)).toContain('2025-10-15T04:00Z/2025-10-16T04:00Z');
    // 2 Nov is New York's fall-back day: 25 hours long.
    const text = calendar(vevent('DTSTART;VALUE=DATE:20251102', 'DTEND;VALUE=DATE:20251103', 'SUMMARY:Long day'));
    expect(spans(text, ny)).toEqual(['2025-11-02T04:00Z/2025-11-03T05:00Z']);
  });

  it('an endless series is expanded up to the horizon end and no further', () => {
    const text = calendar(vevent('DTSTART:20250101T080000Z', 'DTEND:20250101T083000Z', 'RRULE:FREQ=DAILY'));
    const result = busyIntervalsFromIcs(text, BERLIN);
    expect(result.intervals).toHaveLength(42);
    expect(iso(result.intervals.at(-1)!.start)).toBe('2025-11-09T08:00Z');
    // Not the 300-odd days since DTSTART (1 Jan): expansion starts a few days before the horizon.
    expect(result.instances).toBeLessThan(50);
  });

  it('starting a long series near the horizon yields exactly what expanding it from DTSTART does', () => {
    const weekdays = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
    const series = fc.record({
      daysBefore: fc.integer({ min: 0, max: 5 * 365 }),
      minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
      weekly: fc.boolean(),
      interval: fc.integer({ min: 1, max: 4 }),
      byday: fc.subarray(weekdays, { minLength: 1 }),
    });
    fc.assert(
      fc.property(series, (s) => {
        const start = new Date(BERLIN.from - s.daysBefore * 86_400_000 + s.minute * 60_000).toISOString().replace(/[-:]/g, '').slice(0, 15);
        const rule = `FREQ=${s.weekly ? 'WEEKLY' : 'DAILY'};INTERVAL=${s.interval};BYDAY=${s.byday.join(',')}`;
        const text = (extra: string) => calendar(vevent(`DTSTART;TZID=Europe/Berlin:${start}`, 'DURATION:PT45M', `RRULE:${rule}${extra}`));
        // COUNT makes the parser walk from DTSTART; a COUNT this large never ends the series before the horizon does.
        const fromStart = busyIntervalsFromIcs(text(';COUNT=15000'), BERLIN);
        const forwarded = busyIntervalsFromIcs(text(''), BERLIN);
        expect(forwarded.intervals).toEqual(fromStart.intervals);
        expect(forwarded.instances).toBeLessThanOrEqual(fromStart.instances);
      }),
      { numRuns: 40 },
    );
  });
});

describe('recurrence details', () => {
  it('EXDATE in UTC against a zoned series, and a stale EXDATE that matches no instance', () => {
    const text = calendar(
      vevent(
        'DTSTART;TZID=Europe/Berlin:20250929T090000',
        'DTEND;TZID=Europe/Berlin:20250929T100000',
        'RRULE:FREQ=WEEKLY;COUNT=4',
        'EXDATE:20251007T070000Z', // a Tuesday: no such instance
        'EXDATE;TZID=Europe/Berlin:20251013T090000',
        'EXDATE:20251020T070000Z', // 09:00 CEST in UTC
      ),
    );
    expect(spans(text)).toEqual(['2025-09-29T07:00Z/2025-09-29T08:00Z', '2025-10-06T07:00Z/2025-10-06T08:00Z']);
  });

  it('a RECURRENCE-ID written in UTC still replaces the zoned instance; an orphan override blocks on its own', () => {
    const text = calendar(
      vevent('UID:series@example.com', 'DTSTART;TZID=Europe/Berlin:20250929T090000', 'DTEND;TZID=Europe/Berlin:20250929T100000', 'RRULE:FREQ=WEEKLY;COUNT=2'),
      vevent('UID:series@example.com', 'RECURRENCE-ID:20251006T070000Z', 'DTSTART:20251006T150000Z', 'DTEND:20251006T160000Z'),
      vevent('UID:not-here@example.com', 'RECURRENCE-ID:20251008T070000Z', 'DTSTART:20251008T070000Z', 'DTEND:20251008T080000Z'),
    );
    expect(spans(text)).toEqual(['2025-09-29T07:00Z/2025-09-29T08:00Z', '2025-10-06T15:00Z/2025-10-06T16:00Z', '2025-10-08T07:00Z/2025-10-08T08:00Z']);
  });

  it('overrides of one series do not touch another series at the same time', () => {
    const text = calendar(
      vevent('UID:a@example.com', 'DTSTART:20251001T080000Z', 'DTEND:20251001T090000Z', 'RRULE:FREQ=DAILY;COUNT=2'),
      vevent('UID:b@example.com', 'DTSTART:20251001T080000Z', 'DTEND:20251001T083000Z', 'RRULE:FREQ=DAILY;COUNT=2'),
      vevent('UID:b@example.com', 'RECURRENCE-ID:20251002T080000Z', 'DTSTART:20251002T080000Z', 'DTEND:20251002T083000Z', 'STATUS:CANCELLED'),
    );
    expect(spans(text)).toEqual(['2025-10-01T08:00Z/2025-10-01T09:00Z', '2025-10-02T08:00Z/2025-10-02T09:00Z']);
  });

  it('RANGE=THISANDFUTURE moves the instance and every later one', () => {
    const text = calendar(
      vevent('UID:r@example.com', 'DTSTART:20251001T080000Z', 'DTEND:20251001T090000Z', 'RRULE:FREQ=DAILY;COUNT=4'),
      vevent('UID:r@example.com', 'RECURRENCE-ID;RANGE=THISANDFUTURE:20251003T080000Z', 'DTSTART:20251003T120000Z', 'DTEND:20251003T123000Z'),
    );
    expect(spans(text)).toEqual([
      '2025-10-01T08:00Z/2025-10-01T09:00Z',
      '2025-10-02T08:00Z/2025-10-02T09:00Z',
      '2025-10-03T12:00Z/2025-10-03T12:30Z',
      '2025-10-04T12:00Z/2025-10-04T12:30Z',
    ]);
  });

  it('recurring all-day events, DURATION instead of DTEND, and RDATE', () => {
    const text = calendar(
      vevent('DTSTART;VALUE=DATE:20251006', 'DURATION:P1D', 'RRULE:FREQ=WEEKLY;COUNT=2'),
      vevent('DTSTART;TZID=Europe/Berlin:20251001T220000', 'DURATION:PT90M', 'RDATE;TZID=Europe/Berlin:20251030T220000'),
    );
    expect(spans(text)).toEqual([
      '2025-10-01T20:00Z/2025-10-01T21:30Z',
      '2025-10-05T22:00Z/2025-10-06T22:00Z',
      '2025-10-12T22:00Z/2025-10-13T22:00Z',
      '2025-10-30T21:00Z/2025-10-30T22:30Z', // the RDATE, after the change to CET
    ]);
  });

  it('DTEND fixes an exact length for every instance, also across a DST change', () => {
    // 01:30–03:30 local is two real hours; on 26 Oct (clocks back at 03:00) and after it, each instance still lasts two.
    const text = calendar(vevent('DTSTART;TZID=Europe/Berlin:20251025T013000', 'DTEND;TZID=Europe/Berlin:20251025T033000', 'RRULE:FREQ=DAILY;COUNT=3'));
    expect(spans(text)).toEqual(['2025-10-24T23:30Z/2025-10-25T01:30Z', '2025-10-25T23:30Z/2025-10-26T01:30Z', '2025-10-27T00:30Z/2025-10-27T02:30Z']);
  });

  it('a cancelled or transparent series blocks nothing, but its own confirmed override does', () => {
    const text = calendar(
      vevent('UID:c@example.com', 'DTSTART:20251001T080000Z', 'DTEND:20251001T090000Z', 'RRULE:FREQ=DAILY;COUNT=3', 'STATUS:CANCELLED'),
      vevent('UID:t@example.com', 'DTSTART:20251001T100000Z', 'DTEND:20251001T110000Z', 'RRULE:FREQ=DAILY;COUNT=3', 'TRANSP:TRANSPARENT'),
      vevent('UID:t@example.com', 'RECURRENCE-ID:20251002T100000Z', 'DTSTART:20251002T100000Z', 'DTEND:20251002T110000Z', 'TRANSP:OPAQUE'),
    );
    expect(spans(text)).toEqual(['2025-10-02T10:00Z/2025-10-02T11:00Z']);
  });
});

describe('time zones', () => {
  it('TZIDs without VTIMEZONE: IANA names, Windows names (numbered too), old Mozilla prefixes', () => {
    const text = calendar(
      vevent('DTSTART;TZID=America/New_York:20251001T090000', 'DTEND;TZID=America/New_York:20251001T100000'),
      vevent('DTSTART;TZID=Eastern Standard Time 1:20251002T090000', 'DTEND;TZID=Eastern Standard Time 1:20251002T100000'),
      vevent('DTSTART;TZID=/mozilla.org/20050126_1/Asia/Tokyo:20251003T090000', 'DTEND;TZID=/mozilla.org/20050126_1/Asia/Tokyo:20251003T100000'),
      // London after its summer time ended: UTC.
      vevent('DTSTART;TZID="GMT Standard Time":20251104T090000', 'DTEND;TZID="GMT Standard Time":20251104T100000'),
    );
    const result = busyIntervalsFromIcs(text, BERLIN);
    expect(result.intervals.map((i) => `${iso(i.start)}/${iso(i.end)}`)).toEqual([
      '2025-10-01T13:00Z/2025-10-01T14:00Z',
      '2025-10-02T13:00Z/2025-10-02T14:00Z',
      '2025-10-03T00:00Z/2025-10-03T01:00Z',
      '2025-11-04T09:00Z/2025-11-04T10:00Z',
    ]);
    expect(result.unknownZones).toEqual([]);
  });

  it('floating times and unknown TZIDs are business-zone wall time, and the unknown names are reported', () => {
    const text = calendar(
      vevent('DTSTART:20251001T090000', 'DTEND:20251001T100000'),
      vevent('DTSTART;TZID=Mars/Olympus_Mons:20251002T090000', 'DTEND;TZID=Mars/Olympus_Mons:20251002T100000'),
    );
    const result = busyIntervalsFromIcs(text, BERLIN);
    expect(result.intervals.map((i) => `${iso(i.start)}/${iso(i.end)}`)).toEqual(['2025-10-01T07:00Z/2025-10-01T08:00Z', '2025-10-02T07:00Z/2025-10-02T08:00Z']);
    expect(result.unknownZones).toEqual(['Mars/Olympus_Mons']);
  });

  it("a known zone name is read from the tz database, a custom name from the feed's own block", () => {
    const block = (tzid: string) => ['BEGIN:VTIMEZONE', `TZID:${tzid}`, 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0300', 'TZOFFSETTO:+0300', 'END:STANDARD', 'END:VTIMEZONE'];
    const text = calendar(
      ...block('Europe/Berlin'), // a wrong summary of a zone the database knows
      ...block('My office'),
      vevent('DTSTART;TZID=Europe/Berlin:20251001T090000', 'DTEND;TZID=Europe/Berlin:20251001T100000'),
      vevent('DTSTART;TZID=My office:20251002T090000', 'DTEND;TZID=My office:20251002T100000'),
    );
    expect(spans(text)).toEqual(['2025-10-01T07:00Z/2025-10-01T08:00Z', '2025-10-02T06:00Z/2025-10-02T07:00Z']);
  });
});

describe('bad and hostile input: bounded work, typed errors', () => {
  const limits = (l: BusyOptions['limits']): BusyOptions => ({ ...BERLIN, limits: l });

  it('too_large before parsing, counted in UTF-8 bytes', () => {
    const text = calendar(vevent('DTSTART:20251001T080000Z', 'DTEND:20251001T090000Z', `DESCRIPTION:${'ü'.repeat(600)}`));
    expect(text.length).toBeLessThan(1_000);
    expect(errorOf(() => busyIntervalsFromIcs(text, limits({ maxBytes: 1_000 }))).code).toBe('too_large');
    expect(errorOf(() => busyIntervalsFromIcs('x'.repeat(2_000), limits({ maxBytes: 1_000 }))).code).toBe('too_large');
  });

  it('too_many_events, also for BEGIN lines with parameters', () => {
    const many = calendar(...Array.from({ length: 101 }, (_, i) => vevent(`DTSTART:20251001T${String(i % 24).padStart(2, '0')}0000Z`)));
    expect(errorOf(() => busyIntervalsFromIcs(many, limits({ maxEvents: 100 }))).code).toBe('too_many_events');
    const sneaky = calendar(...Array.from({ length: 3 }, () => vevent('DTSTART:20251001T080000Z').replace('BEGIN:VEVENT', 'BEGIN;X-A=1:VEVENT')));
    expect(errorOf(() => busyIntervalsFromIcs(sneaky, limits({ maxEvents: 2 }))).code).toBe('too_many_events');
  });

  it('100,000 events are refused by the default cap', () => {
    const one = vevent('DTSTART:20251001T080000Z', 'DTEND:20251001T090000Z');
    const text = calendar(...Array.from({ length: 100_000 }, () => one));
    // ~10 MB: let the byte cap pass it through, so the event cap is what answers.
    expect(errorOf(() => busyIntervalsFromIcs(text, limits({ maxBytes: 64 * 1024 * 1024 }))).code).toBe('too_many_events');
  });

  it('too_deep for nested components', () => {
    const depth = 50_000;
    const text = calendar('BEGIN:VEVENT', ...Array.from({ length: depth }, () => 'BEGIN:X-NEST'), ...Array.from({ length: depth }, () => 'END:X-NEST'), 'END:VEVENT');
    expect(errorOf(() => busyIntervalsFromIcs(text, BERLIN)).code).toBe('too_deep');
  });

  it.each([
    ['not a calendar', '<html><body>Sign in</body></html>'],
    ['empty', ''],
    ['cut short', calendar(vevent('DTSTART:20251001T080000Z')).slice(0, 120)],
    ['END of the wrong component', 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\nEND:VEVENT\r\n'],
    ['a line the parser rejects', calendar('BEGIN:VEVENT', 'this line has no colon', 'END:VEVENT')],
  ])('malformed: %s', (_name, text) => {
    expect(errorOf(() => busyIntervalsFromIcs(text, BERLIN)).code).toBe('malformed');
  });

  it('a value the library cannot read skips that event only', () => {
    const text = calendar(
      vevent('DTSTART:tomorrow', 'DTEND:20251001T090000Z'),
      vevent('DTSTART:20251001T080000Z', 'DTEND:20251001T090000Z', 'RRULE:FREQ=WEEKLY;BYMONTHDAY=1'), // BYMONTHDAY is invalid for WEEKLY
      vevent('DTSTART:20251002T080000Z', 'DTEND:20251002T090000Z'),
      vevent('SUMMARY:no start at all'),
    );
    const result = busyIntervalsFromIcs(text, BERLIN);
    expect(result.intervals.map((i) => `${iso(i.start)}/${iso(i.end)}`)).toEqual(['2025-10-02T08:00Z/2025-10-02T09:00Z']);
    expect(result.skipped).toBe(3);
  });

  it('FREQ=SECONDLY stops at the per-event cap instead of looping millions of times', () => {
    const text = calendar(vevent('DTSTART:20250101T000000Z', 'DTEND:20250101T000001Z', 'RRULE:FREQ=SECONDLY'));
    const e = errorOf(() => busyIntervalsFromIcs(text, BERLIN));
    expect(e.code).toBe('too_many_instances');
  });

  it('the total cap counts every series together', () => {
    const text = calendar(...Array.from({ length: 5 }, () => vevent('DTSTART:20250101T080000Z', 'DTEND:20250101T090000Z', 'RRULE:FREQ=DAILY;COUNT=300')));
    expect(busyIntervalsFromIcs(text, limits({ maxInstancesTotal: 1_500 })).instances).toBe(1_500);
    expect(errorOf(() => busyIntervalsFromIcs(text, limits({ maxInstancesTotal: 1_499 }))).code).toBe('too_many_instances');
  });

  it.each([
    ['FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'],
    ['FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30'],
    ['FREQ=MINUTELY;BYMONTH=4;BYMONTHDAY=31'],
  ])('a rule no date can match (%s) is stopped inside the recurrence engine', (rule) => {
    const text = calendar(vevent('DTSTART:20250101T080000Z', 'DTEND:20250101T090000Z', `RRULE:${rule}`));
    expect(errorOf(() => busyIntervalsFromIcs(text, limits({ maxRecurrenceSteps: 20_000 }))).code).toBe('too_many_instances');
  });

  it('a hostile VTIMEZONE rule goes through the same budget', () => {
    const text = calendar(
      'BEGIN:VTIMEZONE',
      'TZID:Evil',
      'BEGIN:STANDARD',
      'DTSTART:16010101T000000',
      'RRULE:FREQ=SECONDLY',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0100',
      'END:STANDARD',
      'END:VTIMEZONE',
      vevent('DTSTART;TZID=Evil:20251001T080000', 'DTEND;TZID=Evil:20251001T090000'),
    );
    expect(errorOf(() => busyIntervalsFromIcs(text, limits({ maxRecurrenceSteps: 20_000 }))).code).toBe('too_many_instances');
  });

  it('the time budget stops the work on its clock', () => {
    let now = 0;
    const clock = () => (now += 1_000); // every reading one second later
    const text = calendar(vevent('DTSTART:20250101T080000Z', 'DTEND:20250101T090000Z', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'));
    expect(errorOf(() => busyIntervalsFromIcs(text, { ...BERLIN, clock, limits: { maxMillis: 10_000 } })).code).toBe('timeout');
  });

  it('after an error the recurrence engine works normally again', () => {
    const bad = calendar(vevent('DTSTART:20250101T080000Z', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'));
    expect(errorOf(() => busyIntervalsFromIcs(bad, limits({ maxRecurrenceSteps: 1_000 }))).code).toBe('too_many_instances');
    expect(spans(fixture('google-export.ics'))).toHaveLength(12);
  });

  it('rejects a horizon or zone that makes no sense (a programming error, not a feed error)', () => {
    expect(() => busyIntervalsFromIcs(fixture('google-export.ics'), { ...BERLIN, to: BERLIN.from })).toThrow(RangeError);
    expect(() => busyIntervalsFromIcs(fixture('google-export.ics'), { ...BERLIN, zone: 'Nowhere/Atlantis' })).toThrow(RangeError);
  });
});

describe('single events against a model', () => {
  it('the busy intervals are exactly the merged opaque, uncancelled events inside the horizon', () => {
    const event = fc.record({
      startMinute: fc.integer({ min: -3 * 24 * 60, max: 45 * 24 * 60 }),
      minutes: fc.integer({ min: 0, max: 3 * 24 * 60 }),
      transparent: fc.boolean(),
      cancelled: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 25 }), (events) => {
        const base = BERLIN.from;
        const at = (minute: number) => new Date(base + minute * 60_000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
        const text = calendar(
          ...events.map((e) =>
            vevent(
              `DTSTART:${at(e.startMinute)}`,
              `DTEND:${at(e.startMinute + e.minutes)}`,
              ...(e.transparent ? ['TRANSP:TRANSPARENT'] : []),
              ...(e.cancelled ? ['STATUS:CANCELLED'] : []),
            ),
          ),
        );
        const expected = mergeIntervals(
          events.filter((e) => !e.transparent && !e.cancelled).map((e) => ({ start: base + e.startMinute * 60_000, end: base + (e.startMinute + e.minutes) * 60_000 })),
          BERLIN.from,
          BERLIN.to,
        );
        expect(busyIntervalsFromIcs(text, BERLIN).intervals).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});

describe('mergeIntervals', () => {
  it('joins overlapping and touching intervals, clips, and drops empty ones', () => {
    expect(
      mergeIntervals(
        [
          { start: 50, end: 60 },
          { start: 0, end: 10 },
          { start: 10, end: 20 },
          { start: 15, end: 18 },
          { start: 30, end: 30 },
          { start: 95, end: 130 },
        ],
        5,
        100,
      ),
    ).toEqual([
      { start: 5, end: 20 },
      { start: 50, end: 60 },
      { start: 95, end: 100 },
    ]);
  });
});

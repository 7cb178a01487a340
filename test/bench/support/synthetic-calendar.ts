/**
 * A busy person's calendar export, made up deterministically (seeded): the
 * shape Google Calendar's "secret address" serves — a VTIMEZONE block, years
 * of history, single meetings, all-day days, free and cancelled entries,
 * recurring series (weekly, daily with COUNT, monthly, Mon/Wed/Fri) with
 * EXDATEs, and moved or cancelled instances (RECURRENCE-ID) of those series.
 */

export interface SyntheticCalendar {
  text: string;
  /** The same events as plain objects, for a baseline of equal content (JSON). */
  events: Array<Record<string, unknown>>;
  counts: { events: number; singles: number; series: number; overrides: number };
}

const DAY = 86_400_000;

/** Mulberry32: small, fast, seeded. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
/** Wall-clock `YYYYMMDDTHHMMSS` of a UTC-based day + minutes (used as Berlin local time). */
function local(dayMs: number, minutes: number): string {
  const d = new Date(dayMs);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(Math.floor(minutes / 60))}${pad(minutes % 60)}00`;
}
function date(dayMs: number): string {
  return local(dayMs, 0).slice(0, 8);
}

const TITLES = ['Team sync', 'Dentist', 'Call with supplier', 'Lunch with Sam', 'Gym', 'Parents evening', 'Workshop', 'Budget review', 'Haircut', 'Flight to Lisbon'];

/**
 * `total` VEVENTs around `now`: 3 years of history and 1 year ahead. About
 * 10% series masters, 6% overrides of them, the rest single events.
 */
export function syntheticCalendar(total: number, now: number, seed = 13): SyntheticCalendar {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const today = Math.floor(now / DAY) * DAY;
  const historyDays = 3 * 365;
  const aheadDays = 365;
  const seriesCount = Math.round(total * 0.1);
  const overrideCount = Math.round(total * 0.06);
  const singleCount = total - seriesCount - overrideCount;

  const lines: string[] = [
    'BEGIN:VCALENDAR',
    'PRODID:-//Google Inc//Google Calendar 70.9054//EN',
    'VERSION:2.0',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'X-WR-CALNAME:Synthetic',
    'X-WR-TIMEZONE:Europe/Berlin',
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Berlin',
    'X-LIC-LOCATION:Europe/Berlin',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'TZNAME:CEST',
    'DTSTART:19700329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'TZNAME:CET',
    'DTSTART:19701025T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'END:STANDARD',
    'END:VTIMEZONE',
  ];
  const events: SyntheticCalendar['events'] = [];
  const common = (uid: string, summary: string) => [`DTSTAMP:${local(today, 8 * 60)}Z`, `UID:${uid}`, `CREATED:20230101T080000Z`, `SUMMARY:${summary}`, 'SEQUENCE:0'];

  for (let i = 0; i < singleCount; i++) {
    const day = today + Math.floor(rnd() * (historyDays + aheadDays) - historyDays) * DAY;
    const uid = `single-${i}-${seed}@google.com`;
    const summary = pick(TITLES);
    const allDay = rnd() < 0.05;
    const transparent = rnd() < 0.1;
    const cancelled = rnd() < 0.03;
    lines.push('BEGIN:VEVENT');
    if (allDay) {
      const days = 1 + Math.floor(rnd() * 3);
      lines.push(`DTSTART;VALUE=DATE:${date(day)}`, `DTEND;VALUE=DATE:${date(day + days * DAY)}`);
      events.push({ uid, summary, date: date(day), days, transparent, cancelled });
    } else {
      const start = 7 * 60 + Math.floor(rnd() * 24) * 30;
      const minutes = pick([30, 45, 60, 60, 90, 120]);
      lines.push(`DTSTART;TZID=Europe/Berlin:${local(day, start)}`, `DTEND;TZID=Europe/Berlin:${local(day, Math.min(start + minutes, 23 * 60 + 59))}`);
      events.push({ uid, summary, start: local(day, start), minutes, transparent, cancelled });
    }
    lines.push(...common(uid, summary), `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`, `TRANSP:${transparent ? 'TRANSPARENT' : 'OPAQUE'}`);
    if (rnd() < 0.3) lines.push('DESCRIPTION:Notes for this meeting\\, with a link: https://example.com/agenda and a few more words to make the line long enough to fold.');
    lines.push('END:VEVENT');
  }

  const series: Array<{ uid: string; firstDay: number; start: number; weekly: boolean }> = [];
  for (let i = 0; i < seriesCount; i++) {
    const firstDay = today - Math.floor(rnd() * historyDays) * DAY;
    const start = 8 * 60 + Math.floor(rnd() * 18) * 30;
    const uid = `series-${i}-${seed}@google.com`;
    const summary = pick(TITLES);
    const kind = rnd();
    const rule =
      kind < 0.6
        ? `FREQ=WEEKLY;BYDAY=${pick(['MO', 'TU', 'WE', 'TH', 'FR'])}`
        : kind < 0.75
          ? `FREQ=DAILY;COUNT=${10 + Math.floor(rnd() * 60)}`
          : kind < 0.85
            ? `FREQ=MONTHLY;BYMONTHDAY=${1 + Math.floor(rnd() * 28)}`
            : 'FREQ=WEEKLY;BYDAY=MO,WE,FR';
    const until = rnd() < 0.5 ? `;UNTIL=${date(firstDay + Math.floor(rnd() * (historyDays + aheadDays)) * DAY)}T235959Z` : '';
    const fullRule = rule.includes('COUNT') ? rule : rule + until;
    lines.push('BEGIN:VEVENT', `DTSTART;TZID=Europe/Berlin:${local(firstDay, start)}`, `DTEND;TZID=Europe/Berlin:${local(firstDay, start + 60)}`, `RRULE:${fullRule}`);
    const exdates: string[] = [];
    if (rnd() < 0.3 && fullRule.startsWith('FREQ=WEEKLY;BYDAY=') && !fullRule.includes(',')) {
      for (let k = 1 + Math.floor(rnd() * 5); k > 0; k--) exdates.push(local(firstDay + 7 * DAY * (1 + Math.floor(rnd() * 150)), start));
      lines.push(`EXDATE;TZID=Europe/Berlin:${exdates.join(',')}`);
    }
    lines.push(...common(uid, summary), 'STATUS:CONFIRMED', 'TRANSP:OPAQUE', 'END:VEVENT');
    events.push({ uid, summary, start: local(firstDay, start), minutes: 60, rule: fullRule, exdates });
    series.push({ uid, firstDay, start, weekly: fullRule.startsWith('FREQ=WEEKLY;BYDAY=') && !fullRule.includes(',') });
  }

  const weekly = series.filter((s) => s.weekly);
  for (let i = 0; i < overrideCount; i++) {
    const s = weekly[i % weekly.length]!;
    const instanceDay = s.firstDay + 7 * DAY * (1 + Math.floor(rnd() * 150));
    const cancelled = rnd() < 0.4;
    const moved = s.start + 60 + Math.floor(rnd() * 4) * 30;
    lines.push(
      'BEGIN:VEVENT',
      `DTSTART;TZID=Europe/Berlin:${local(instanceDay, moved)}`,
      `DTEND;TZID=Europe/Berlin:${local(instanceDay, Math.min(moved + 60, 23 * 60 + 59))}`,
      `RECURRENCE-ID;TZID=Europe/Berlin:${local(instanceDay, s.start)}`,
      ...common(s.uid, 'Moved instance'),
      `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
      'TRANSP:OPAQUE',
      'END:VEVENT',
    );
    events.push({ uid: s.uid, recurrenceId: local(instanceDay, s.start), start: local(instanceDay, moved), minutes: 60, cancelled });
  }

  lines.push('END:VCALENDAR');
  // Fold like an exporter does (75 octets; the text here is ASCII).
  const folded = lines.map((l) => (l.length <= 75 ? l : l.match(/.{1,74}/g)!.join('\r\n ')));
  return { text: folded.join('\r\n') + '\r\n', events, counts: { events: total, singles: singleCount, series: seriesCount, overrides: overrideCount } };
}

/**
 * Appointment times written for people, in the business's zone and the
 * site's language, by Intl alone: "Monday, 14 December 2026", "10:00 – 10:45",
 * and the zone by its name for that instant ("Central European Summer Time"
 * on one side of a DST change, "… Standard Time" on the other), so a time on a
 * change day is never ambiguous.
 */

export interface AppointmentTimeText {
  /** "Monday, 14 December 2026" */
  date: string;
  /** "Mon 14 Dec" (subjects) */
  dateShort: string;
  /** "10:00" / "10:00 AM" */
  time: string;
  endTime: string;
  /** "10:00 – 10:45" (the language's own range form) */
  timeRange: string;
  /** "Central European Standard Time" — the zone's name at the start instant */
  zoneName: string;
  /** The zone as shown beside the range: `zoneName`, or empty when the range names each end's zone (a DST change inside). */
  zoneLabel: string;
  /** date, range and zone in one phrase: "Monday, 14 December 2026, 10:00 – 10:45 (Central European Standard Time)" */
  when: string;
}

interface IntlZone {
  /** A zone Intl accepts. */
  timeZone: string;
  /** Added to instants before formatting (fixed offsets Intl on Node 20 cannot name). */
  shiftMs: number;
  /** The name to show when Intl's would be wrong (a shifted UTC). */
  label?: string;
}

/**
 * The zones the sidecar uses: IANA names, `UTC`, and WordPress's manual
 * offsets (`UTC+5:30`, from `gmt_offset`), which Intl does not take as a zone.
 */
export function intlZone(zone: string): IntlZone {
  const m = /^UTC([+-])(\d{1,2})(?::(\d{2}))?$/.exec(zone);
  if (!m) return { timeZone: zone, shiftMs: 0 };
  const sign = m[1] === '-' ? -1 : 1;
  const minutes = sign * (Number(m[2]) * 60 + Number(m[3] ?? 0));
  return { timeZone: 'UTC', shiftMs: minutes * 60_000, label: zone };
}

function formatter(tag: string, zone: IntlZone, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(tag, { ...options, timeZone: zone.timeZone });
}

export function zoneNameAt(instant: number, zone: string, tag: string): string {
  const z = intlZone(zone);
  if (z.label) return z.label;
  const parts = formatter(tag, z, { timeZoneName: 'long' }).formatToParts(new Date(instant));
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? zone;
}

/**
 * `whenPattern` joins the parts in the language's punctuation
 * (`{date}, {time} ({zone})`; Arabic uses its own comma).
 */
export function describeAppointmentTime(start: number, end: number, zone: string, tag: string, whenPattern = '{date}, {time} ({zone})'): AppointmentTimeText {
  const z = intlZone(zone);
  const s = new Date(start + z.shiftMs);
  const e = new Date(end + z.shiftMs);
  const date = formatter(tag, z, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(s);
  const timeFormat = formatter(tag, z, { timeStyle: 'short' });
  const zoneName = zoneNameAt(start, zone, tag);
  const endZoneName = zoneNameAt(end, zone, tag);
  let timeRange: string;
  let zoneText = zoneName;
  if (endZoneName !== zoneName) {
    // Across a DST change each end carries its own zone name: "02:30 (… Summer Time) – 02:00 (… Standard Time)".
    timeRange = `${timeFormat.format(s)} (${zoneName}) – ${timeFormat.format(e)} (${endZoneName})`;
    zoneText = '';
  } else if (sameLocalDay(s, e, z)) {
    timeRange = timeFormat.formatRange(s, e);
  } else {
    // Past midnight: the end names its own day. "22:30 – 00:30 (Mon 26 Oct)".
    const endDay = formatter(tag, z, { weekday: 'short', day: 'numeric', month: 'short' }).format(e);
    timeRange = `${timeFormat.format(s)} – ${timeFormat.format(e)} (${endDay})`;
  }
  const when = zoneText
    ? fillPattern(whenPattern, { date, time: timeRange, zone: zoneText })
    : fillPattern(whenPattern.replace(/\s*[(（]?\{zone\}[)）]?/, ''), { date, time: timeRange });
  return {
    date,
    dateShort: formatter(tag, z, { weekday: 'short', day: 'numeric', month: 'short' }).format(s),
    time: timeFormat.format(s),
    endTime: timeFormat.format(e),
    timeRange,
    zoneName,
    zoneLabel: zoneText,
    when,
  };
}

function fillPattern(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/\{(\w+)\}/g, (whole, k: string) => values[k] ?? whole);
}

function sameLocalDay(a: Date, b: Date, z: IntlZone): boolean {
  const day = formatter('en-CA', z, { year: 'numeric', month: '2-digit', day: '2-digit' });
  // An appointment ending exactly at midnight still belongs to its day.
  return day.format(a) === day.format(new Date(b.getTime() - 1));
}

/** "45 minutes", "1 hour, 30 minutes" in the language (Intl's unit names carry the plurals). */
export function formatDuration(minutes: number, tag: string): string {
  const unit = (u: 'hour' | 'minute', n: number) => new Intl.NumberFormat(tag, { style: 'unit', unit: u, unitDisplay: 'long' }).format(n);
  if (minutes < 60) return unit('minute', minutes);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (m === 0) return unit('hour', h);
  return new Intl.ListFormat(tag, { type: 'unit', style: 'long' }).format([unit('hour', h), unit('minute', m)]);
}

/** "today", "tomorrow", "in 3 days": the appointment's local day seen from `now`'s local day. */
export function relativeDay(start: number, now: number, zone: string, tag: string): string {
  const z = intlZone(zone);
  const day = formatter('en-CA', z, { year: 'numeric', month: '2-digit', day: '2-digit' });
  const days = Math.round((Date.parse(day.format(new Date(start + z.shiftMs))) - Date.parse(day.format(new Date(now + z.shiftMs)))) / 86_400_000);
  return new Intl.RelativeTimeFormat(tag, { numeric: 'auto' }).format(days, 'day');
}

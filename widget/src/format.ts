// Dates are business-zone calendar days (`YYYY-MM-DD`); they are formatted as UTC
// midnights so that no visitor zone can shift them onto the neighbouring day.

export function parseDay(date: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d!));
}

export function dayString(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  const d = parseDay(date);
  d.setUTCDate(d.getUTCDate() + n);
  return dayString(d);
}

/** `2025-10` + 1 → `2025-11`. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y!, m! - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

/** The same day of the month `n` months away, or that month's last day (31 Jan + 1 → 28/29 Feb). */
export function addMonthsToDay(date: string, n: number): string {
  const month = addMonths(date.slice(0, 7), n);
  const last = Number(addDays(addMonths(month, 1) + '-01', -1).slice(8));
  return `${month}-${String(Math.min(Number(date.slice(8)), last)).padStart(2, '0')}`;
}

/** The last day of a `YYYY-MM` month. */
export function lastOfMonth(month: string): string {
  return addDays(addMonths(month, 1) + '-01', -1);
}

/** Day of the week, 0 = Sunday. */
export function weekdayOf(date: string): number {
  return parseDay(date).getUTCDay();
}

/** Today's calendar day in `timeZone` (the business zone decides what "today" is). */
export function todayIn(timeZone: string, now = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The calendar day of an instant in `timeZone`. */
export function dayIn(iso: string, timeZone: string): string {
  return todayIn(timeZone, new Date(iso));
}

/** `HH:MM` of an instant in `timeZone`, 24 h, to compare with the business grid. */
export function clockIn(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('hour')}:${get('minute')}`;
}

export function formatDay(date: string, locale: string, style: 'long' | 'short' = 'long'): string {
  return new Intl.DateTimeFormat(locale, style === 'long'
    ? { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }
    : { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(parseDay(date));
}

/** A number as the visitor's language writes it (Arabic-Indic digits in Arabic). */
export function formatNumber(n: number, locale: string): string {
  return new Intl.NumberFormat(locale, { useGrouping: false }).format(n);
}

export function formatMonth(month: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(parseDay(month + '-01'));
}

/** Weekday names in display order, starting on `weekStart` (0 = Sunday … 6 = Saturday). */
export function weekdayNames(locale: string, weekStart: number): { short: string; narrow: string; long: string }[] {
  const out = [];
  for (let i = 0; i < 7; i++) {
    // 2023-01-01 was a Sunday.
    const d = new Date(Date.UTC(2023, 0, 1 + ((i + weekStart) % 7)));
    const name = (weekday: 'short' | 'narrow' | 'long') => new Intl.DateTimeFormat(locale, { weekday, timeZone: 'UTC' }).format(d);
    out.push({ short: name('short'), narrow: name('narrow'), long: name('long') });
  }
  return out;
}

/**
 * The month view's cells: leading nulls up to the first weekday, then every day.
 * Rows are cut by the caller in sevens.
 */
export function monthCells(month: string, weekStart: number): (string | null)[] {
  const first = parseDay(month + '-01');
  const lead = (first.getUTCDay() - weekStart + 7) % 7;
  const cells: (string | null)[] = Array(lead).fill(null);
  for (let d = first; d.toISOString().slice(0, 7) === month; d = new Date(d.getTime() + 86400000)) {
    cells.push(dayString(d));
  }
  while (cells.length % 7) cells.push(null);
  return cells;
}

/** A visitor-zone time for a slot, or null when it shows the same clock as the business zone. */
export function visitorTime(slot: { time: string; start: string }, visitorZone: string): string | null {
  try {
    const t = clockIn(slot.start, visitorZone);
    return t === slot.time ? null : t;
  } catch {
    return null;
  }
}

/**
 * Whether the two zones show different clocks on `date` (a business-zone day):
 * Paris and Berlin never do, New York and Berlin do on every day, by 5 or 6
 * hours depending on which side has changed for summer time.
 */
export function clocksDiffer(date: string, zoneA: string, zoneB: string): boolean {
  if (zoneA === zoneB) return false;
  try {
    // Two zones with one offset at that instant show one clock; the day follows from it.
    const noon = `${date}T12:00:00Z`;
    return clockIn(noon, zoneA) !== clockIn(noon, zoneB);
  } catch {
    return false;
  }
}

/**
 * A zone as people name it: its city (`Europe/Berlin` → "Berlin",
 * `America/Argentina/Buenos_Aires` → "Buenos Aires"); UTC and the fixed
 * `Etc/GMT±N` zones by their offset (POSIX writes those with the sign inverted).
 */
export function zoneCity(zone: string): string {
  const z = zone.replace(/^Etc\//, '');
  if (/^(UTC|UCT|GMT|Zulu|Universal|Greenwich)(0|[+-]0)?$/i.test(z)) return 'UTC';
  const fixed = /^GMT([+-])(\d{1,2})$/.exec(z);
  if (fixed) return `UTC${fixed[1] === '+' ? '-' : '+'}${fixed[2]}`;
  return z.split('/').pop()!.replace(/_/g, ' ');
}

export function visitorZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** `m:ss` for the hold countdown. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

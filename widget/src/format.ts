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

/** Today's calendar day in `timeZone` (the business zone decides what "today" is). */
export function todayIn(timeZone: string, now = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
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

export function formatMonth(month: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(parseDay(month + '-01'));
}

/** Short weekday names in display order, starting on `weekStart` (0 = Sunday). */
export function weekdayNames(locale: string, weekStart: 0 | 1): { short: string; long: string }[] {
  const out = [];
  for (let i = 0; i < 7; i++) {
    // 2023-01-01 was a Sunday.
    const d = new Date(Date.UTC(2023, 0, 1 + ((i + weekStart) % 7)));
    out.push({
      short: new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(d),
      long: new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(d),
    });
  }
  return out;
}

/**
 * The month view's cells: leading nulls up to the first weekday, then every day.
 * Rows are cut by the caller in sevens.
 */
export function monthCells(month: string, weekStart: 0 | 1): (string | null)[] {
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

// The calendar's arithmetic, free of the DOM: business-zone days, weeks, the hours axis and
// side-by-side lanes for blocks that overlap. Dates are `YYYY-MM-DD` and times `HH:MM` in the
// business time zone, as the admin API gives them (CONTRACT §7).
import type { Weekday, WorkingHours } from '../types';

export const toMinutes = (time: string): number => {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
};

export const clock = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const utc = (date: string) => new Date(`${date}T00:00:00Z`);

export function addDays(date: string, n: number): string {
  const d = utc(date);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
export const weekdayOf = (date: string): number => utc(date).getUTCDay();

const WEEKDAY_KEYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
export const weekdayKey = (date: string): Weekday => WEEKDAY_KEYS[weekdayOf(date)];

/** The seven days of the week holding `date`, from `weekStart` (WordPress's start_of_week, 0 = Sunday). */
export function weekOf(date: string, weekStart: number): string[] {
  const first = addDays(date, -((weekdayOf(date) - weekStart + 7) % 7));
  return Array.from({ length: 7 }, (_, i) => addDays(first, i));
}

/** Today in `timeZone`: the business decides what "today" is, not the administrator's browser. */
export function todayIn(timeZone: string, now = new Date()): string {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
    const get = (t: string) => parts.find((p) => p.type === t)!.value;
    return `${get('year')}-${get('month')}-${get('day')}`;
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

/** Minutes since midnight of `now` in `timeZone` (the "now" line). */
export function minutesIn(timeZone: string, now = new Date()): number {
  try {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
    const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
    return get('hour') * 60 + get('minute');
  } catch {
    return now.getUTCHours() * 60 + now.getUTCMinutes();
  }
}

export interface Span {
  start: number;
  end: number;
}

/**
 * The hours the grid shows: every working window of the shown staff on the shown days and
 * every shown block, on whole hours; 08:00–18:00 when there is nothing to show.
 */
export function hoursAxis(spans: Span[]): Span {
  if (!spans.length) return { start: 8 * 60, end: 18 * 60 };
  const start = Math.min(...spans.map((s) => s.start));
  const end = Math.max(...spans.map((s) => s.end));
  return { start: Math.max(0, Math.floor(start / 60) * 60), end: Math.min(24 * 60, Math.max(Math.ceil(end / 60) * 60, Math.floor(start / 60) * 60 + 60)) };
}

/** The working windows of one staff member on one day. */
export function workingSpans(hours: WorkingHours | undefined, date: string): Span[] {
  return (hours?.[weekdayKey(date)] ?? []).map((w) => ({ start: toMinutes(w.start), end: toMinutes(w.end) }));
}

/**
 * Side-by-side lanes for overlapping blocks of one column: blocks that overlap (directly or
 * through others) form a cluster and share its width; each takes the first free lane.
 */
export function lanes<T extends Span>(blocks: T[]): Map<T, { lane: number; of: number }> {
  const out = new Map<T, { lane: number; of: number }>();
  const sorted = [...blocks].sort((a, b) => a.start - b.start || b.end - a.end);
  let cluster: T[] = [];
  let laneEnds: number[] = [];
  let clusterEnd = -1;
  const close = () => {
    for (const b of cluster) out.get(b)!.of = laneEnds.length;
    cluster = [];
    laneEnds = [];
  };
  for (const b of sorted) {
    if (b.start >= clusterEnd) close();
    let lane = laneEnds.findIndex((end) => end <= b.start);
    if (lane < 0) lane = laneEnds.push(b.end) - 1;
    else laneEnds[lane] = b.end;
    out.set(b, { lane, of: 0 });
    cluster.push(b);
    clusterEnd = Math.max(clusterEnd, b.end);
  }
  close();
  return out;
}

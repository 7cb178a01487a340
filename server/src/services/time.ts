import { DateTime, IANAZone } from 'luxon';

/**
 * Wall-clock ↔ instant conversion in the business time zone. Dates and times
 * on the wire are local (`YYYY-MM-DD`, `HH:MM`); all arithmetic is on epoch
 * milliseconds so DST days come out right.
 */

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** A real calendar date (rejects 2025-02-30). */
export function isValidDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

export function isValidTime(value: string): boolean {
  return TIME_RE.test(value);
}

export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone) || /^UTC[+-]\d{1,2}(:\d{2})?$/.test(zone) || zone === 'UTC';
}

export function minutesOf(time: string): number {
  const [h, m] = time.split(':');
  return Number(h) * 60 + Number(m);
}

export function timeOf(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/**
 * The instant of a local wall time, or null when that wall time does not
 * exist (skipped by a spring-forward change). On a fall-back day an ambiguous
 * wall time maps to one occurrence, always the same one (luxon's choice: the
 * later, standard-time one), so stored appointments and grid cells agree.
 */
export function localInstant(date: string, minutes: number, zone: string): number | null {
  const dt = DateTime.fromISO(`${date}T${timeOf(minutes)}`, { zone });
  if (!dt.isValid) return null;
  if (dt.hour * 60 + dt.minute !== minutes || dt.toISODate() !== date) return null;
  return dt.toMillis();
}

/**
 * Like localInstant, but a skipped wall time maps to the first instant after
 * the gap: a window "01:00–02:30" on a spring-forward day ends at 03:00 local.
 */
export function localInstantLenient(date: string, minutes: number, zone: string): number {
  if (minutes >= 24 * 60) return DateTime.fromISO(date, { zone }).plus({ days: 1 }).startOf('day').toMillis();
  return DateTime.fromISO(`${date}T${timeOf(minutes)}`, { zone }).toMillis();
}

/** Local date and HH:MM of an instant. */
export function wallClock(instant: number, zone: string): { date: string; time: string } {
  const dt = DateTime.fromMillis(instant, { zone });
  return { date: dt.toISODate()!, time: dt.toFormat('HH:mm') };
}

/** A stored local `YYYY-MM-DD HH:MM:SS` (AppointEase's datetime columns) as an instant. */
export function localDateTimeInstant(value: string, zone: string): number {
  return DateTime.fromSQL(value, { zone }).toMillis();
}

/** An instant as the local `YYYY-MM-DD HH:MM:SS` the datetime columns hold. */
export function toLocalSql(instant: number, zone: string): string {
  return DateTime.fromMillis(instant, { zone }).toFormat('yyyy-LL-dd HH:mm:ss');
}

export function todayIn(zone: string, now: number): string {
  return DateTime.fromMillis(now, { zone }).toISODate()!;
}

export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

/** 0 = Sunday … 6 = Saturday (AppointEase's day_of_week). */
export function weekdayOf(date: string): number {
  return DateTime.fromISO(date, { zone: 'UTC' }).weekday % 7;
}

export function daysInMonth(month: string): string[] {
  const start = DateTime.fromISO(`${month}-01`, { zone: 'UTC' });
  const out: string[] = [];
  for (let d = start; d.month === start.month; d = d.plus({ days: 1 })) out.push(d.toISODate()!);
  return out;
}

export function isoUtc(instant: number): string {
  return new Date(instant).toISOString();
}

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

/** Each date's zone offset when it has one offset all day (see steadyOffset); null when it changes that day. */
const steadyOffsets = new Map<string, { midnightUtc: number; offset: number } | null>();

/**
 * The zone's offset on a date when it is the same from 00:00 to 23:59 (every
 * day but the one or two a year with a DST change), so each wall time of
 * that day is plain arithmetic: the grid of a day not seen before cost
 * dozens of luxon parses (a hold on a new day, in `npm run bench -- locks`).
 * A day whose midnight does not exist (DST changes at 00:00 in a few zones)
 * or whose first and last minute differ is left to luxon.
 */
function steadyOffset(date: string, zone: string): { midnightUtc: number; offset: number } | null {
  const key = `${zone}|${date}`;
  let hit = steadyOffsets.get(key);
  if (hit !== undefined) return hit;
  const first = DateTime.fromISO(`${date}T00:00`, { zone });
  const last = DateTime.fromISO(`${date}T23:59`, { zone });
  hit = null;
  if (first.isValid && last.isValid && first.toISODate() === date && first.hour === 0 && first.minute === 0 && first.offset === last.offset) {
    hit = { midnightUtc: first.toMillis() + first.offset * 60_000, offset: first.offset * 60_000 };
  }
  if (steadyOffsets.size >= 20_000) steadyOffsets.clear();
  steadyOffsets.set(key, hit);
  return hit;
}

/**
 * The instant of a local wall time, or null when that wall time does not
 * exist (skipped by a spring-forward change). On a fall-back day an ambiguous
 * wall time maps to one occurrence, always the same one (luxon's choice: the
 * later, standard-time one), so stored appointments and grid cells agree.
 */
export function localInstant(date: string, minutes: number, zone: string): number | null {
  const steady = steadyOffset(date, zone);
  if (steady !== null && minutes >= 0 && minutes < 24 * 60) return steady.midnightUtc + minutes * 60_000 - steady.offset;
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
  const steady = steadyOffset(date, zone);
  if (steady !== null && minutes >= 0 && minutes < 24 * 60) return steady.midnightUtc + minutes * 60_000 - steady.offset;
  if (minutes >= 24 * 60) return DateTime.fromISO(date, { zone }).plus({ days: 1 }).startOf('day').toMillis();
  return DateTime.fromISO(`${date}T${timeOf(minutes)}`, { zone }).toMillis();
}

/** Local date and HH:MM of an instant. */
export function wallClock(instant: number, zone: string): { date: string; time: string } {
  const dt = DateTime.fromMillis(instant, { zone });
  return { date: dt.toISODate()!, time: dt.toFormat('HH:mm') };
}

const SQL_DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
/** Zone offset (ms) of each local wall-clock hour seen; null when the offset changes inside that hour. */
const wallHourOffsets = new Map<string, number | null>();

/**
 * A stored local `YYYY-MM-DD HH:MM:SS` (AppointEase's datetime columns) as an
 * instant. Every appointment row of a recomputed day goes through here, so
 * the zone offset is remembered per local wall-clock hour: an hour whose
 * first and last second have the same offset (per luxon, gaps and overlaps
 * included) has it throughout; an hour with a change inside is left to luxon.
 */
export function localDateTimeInstant(value: string, zone: string): number {
  const m = SQL_DATETIME.exec(value);
  if (!m) return DateTime.fromSQL(value, { zone }).toMillis();
  const [y, mo, d, h, mi, se] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  const wallHour = Date.UTC(y, mo - 1, d, h);
  // Out-of-range parts (WordPress's 0000-00-00, 24:00) get luxon's answer: invalid.
  if (y < 1970 || mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59 || new Date(wallHour).getUTCDate() !== d) return DateTime.fromSQL(value, { zone }).toMillis();
  const key = `${zone}|${wallHour}`;
  let offset = wallHourOffsets.get(key);
  if (offset === undefined) {
    const hourStart = DateTime.fromMillis(wallHour, { zone: 'UTC' }).toFormat('yyyy-LL-dd HH');
    const first = wallHour - DateTime.fromSQL(`${hourStart}:00:00`, { zone }).toMillis();
    const last = wallHour + 3_599_000 - DateTime.fromSQL(`${hourStart}:59:59`, { zone }).toMillis();
    offset = first === last && Number.isFinite(first) ? first : null;
    if (wallHourOffsets.size >= 50_000) wallHourOffsets.clear();
    wallHourOffsets.set(key, offset);
  }
  if (offset === null) return DateTime.fromSQL(value, { zone }).toMillis();
  return wallHour + (mi * 60 + se) * 1000 - offset;
}

/** An instant as the local `YYYY-MM-DD HH:MM:SS` the datetime columns hold. */
export function toLocalSql(instant: number, zone: string): string {
  return DateTime.fromMillis(instant, { zone }).toFormat('yyyy-LL-dd HH:mm:ss');
}

/** The local day each zone is in, with its bounds: every availability read asks, and luxon is slow. */
const currentDay = new Map<string, { from: number; to: number; date: string }>();

export function todayIn(zone: string, now: number): string {
  const known = currentDay.get(zone);
  if (known && now >= known.from && now < known.to) return known.date;
  const dt = DateTime.fromMillis(now, { zone });
  const day = { from: dt.startOf('day').toMillis(), to: dt.plus({ days: 1 }).startOf('day').toMillis(), date: dt.toISODate()! };
  if (currentDay.size > 100) currentDay.clear();
  currentDay.set(zone, day);
  return day.date;
}

/** Calendar arithmetic on YYYY-MM-DD (no zone involved), without luxon: it sits on the hot path. */
export function addDays(date: string, days: number): string {
  const d = new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)) + days));
  return d.toISOString().slice(0, 10);
}

export function daysInMonth(month: string): string[] {
  const start = DateTime.fromISO(`${month}-01`, { zone: 'UTC' });
  const out: string[] = [];
  for (let d = start; d.month === start.month; d = d.plus({ days: 1 })) out.push(d.toISODate()!);
  return out;
}

/** `YYYY-MM-DDTHH:MM:` of recent minutes: every lock listing formats a dozen expiries, most in the same few minutes. */
const isoMinutePrefixes = new Map<number, string>();
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000; // 10000-01-01T00:00:00Z

/** An instant as `Date#toISOString` writes it (`2026-11-25T09:30:00.000Z`), about ten times faster. */
export function isoUtc(instant: number): string {
  if (!Number.isInteger(instant) || instant < 0 || instant >= LAST_FOUR_DIGIT_YEAR_MS) return new Date(instant).toISOString();
  const minute = Math.floor(instant / 60_000);
  let prefix = isoMinutePrefixes.get(minute);
  if (prefix === undefined) {
    if (isoMinutePrefixes.size >= 1_024) isoMinutePrefixes.clear();
    prefix = new Date(minute * 60_000).toISOString().slice(0, 17);
    isoMinutePrefixes.set(minute, prefix);
  }
  const ms = instant - minute * 60_000;
  const seconds = Math.floor(ms / 1000);
  const millis = ms - seconds * 1000;
  return `${prefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 100 ? (millis < 10 ? '00' : '0') : ''}${millis}Z`;
}

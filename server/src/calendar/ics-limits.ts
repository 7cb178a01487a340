import { CalendarError } from './calendar-error';

/**
 * How much work one busy calendar may cost. A real export of a busy person's
 * calendar (years of history, a few hundred recurring series) stays far below
 * every one of these; a hostile or broken feed hits one of them and gets a
 * typed error instead of a stuck or swollen sync.
 */
export interface IcsLimits {
  /** UTF-8 bytes of the text; checked before anything is parsed. */
  maxBytes: number;
  /** VEVENT components (masters and overridden instances alike). */
  maxEvents: number;
  /** Component nesting (VCALENDAR › VEVENT › VALARM is 3). */
  maxDepth: number;
  /**
   * Occurrences one recurring event may yield, counted from where expansion
   * starts (its DTSTART, or just before the horizon for DAILY/WEEKLY rules
   * without COUNT), not only those inside the horizon.
   */
  maxInstancesPerEvent: number;
  /** Occurrences all events together may yield. */
  maxInstancesTotal: number;
  /**
   * Candidate dates the recurrence engine may test for the whole file, time
   * zone rules included: a rule whose parts can never match (FREQ=DAILY;
   * BYMONTH=2;BYMONTHDAY=30) yields nothing while testing forever.
   */
  maxRecurrenceSteps: number;
  /** Wall-clock budget for parse and expansion. */
  maxMillis: number;
}

/**
 * The bench's 5,000-event calendar (`npm run bench -- calendar`: 1.4 MB,
 * 500 series) yields about 32,000 occurrences in 50,000–100,000 recurrence
 * steps and takes well under 2 s of CPU; each default leaves it several
 * times that room.
 */
export const DEFAULT_ICS_LIMITS: Readonly<IcsLimits> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxEvents: 20_000,
  maxDepth: 8,
  maxInstancesPerEvent: 20_000,
  maxInstancesTotal: 200_000,
  maxRecurrenceSteps: 500_000,
  maxMillis: 10_000,
});

export interface IcsShape {
  bytes: number;
  events: number;
  maxDepth: number;
}

/**
 * One linear pass over the raw lines, before the parser allocates anything:
 * the byte cap, the VEVENT count, the nesting depth, and BEGIN/END pairs that
 * match and close (a feed cut short by the fetcher's cap is not a calendar).
 */
export function checkIcsShape(text: string, limits: Pick<IcsLimits, 'maxBytes' | 'maxEvents' | 'maxDepth'>): IcsShape {
  // A UTF-8 byte is at most one UTF-16 unit, so a long string fails without counting.
  if (text.length > limits.maxBytes) throw tooLarge(limits.maxBytes);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) throw tooLarge(limits.maxBytes);

  const open: string[] = [];
  let events = 0;
  let deepest = 0;
  let sawCalendar = false;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    // Only BEGIN/END lines matter here; folded continuations start with a space.
    const head = text.slice(pos, pos + 6).toUpperCase();
    const isBegin = head.startsWith('BEGIN') && (head[5] === ':' || head[5] === ';');
    const isEnd = !isBegin && head.startsWith('END') && (head[3] === ':' || head[3] === ';');
    if (isBegin || isEnd) {
      const line = text.slice(pos, text.charCodeAt(end - 1) === 13 ? end - 1 : end);
      const name = line.slice(line.indexOf(':') + 1).trim().toUpperCase();
      if (isBegin) {
        if (!sawCalendar && name !== 'VCALENDAR') throw notCalendar();
        sawCalendar = true;
        open.push(name);
        if (open.length > limits.maxDepth) throw new CalendarError('too_deep', `Components are nested more than ${limits.maxDepth} deep`);
        deepest = Math.max(deepest, open.length);
        if (name === 'VEVENT' && ++events > limits.maxEvents) throw tooManyEvents(limits.maxEvents);
      } else if (open.pop() !== name) {
        throw new CalendarError('malformed', 'An END line does not close the component that is open');
      }
    } else if (!sawCalendar && text.slice(pos, end).trim() !== '') {
      throw notCalendar();
    }
    pos = end + 1;
  }
  if (!sawCalendar) throw new CalendarError('malformed', 'The feed is empty');
  if (open.length > 0) throw new CalendarError('malformed', 'The feed ends inside an open component (cut short?)');
  return { bytes, events, maxDepth: deepest };
}

export function tooManyEvents(maxEvents: number): CalendarError {
  return new CalendarError('too_many_events', `The calendar has more than ${maxEvents} events`);
}

function notCalendar(): CalendarError {
  return new CalendarError('malformed', 'The feed is not an iCalendar file (it does not begin with BEGIN:VCALENDAR)');
}

function tooLarge(maxBytes: number): CalendarError {
  return new CalendarError('too_large', `The calendar is larger than ${Math.round(maxBytes / 1024)} KB`);
}

/**
 * Why a busy calendar could not be read. The sync (services/calendar-sync.ts) records the code
 * beside the calendar, keeps its last good copy, and shows both in
 * `GET /admin/staff`; the message is for the admin and never quotes the feed.
 */
export type CalendarErrorCode =
  /** More bytes than `maxBytes` (checked before any parsing). */
  | 'too_large'
  /** More VEVENT components than `maxEvents`. */
  | 'too_many_events'
  /** A recurring event, or the whole file, expands to more occurrences than allowed. */
  | 'too_many_instances'
  /** Components nested deeper than `maxDepth`. */
  | 'too_deep'
  /** The time budget ran out (a pathological recurrence rule or time zone). */
  | 'timeout'
  /** Not an iCalendar text, or a structure the parser rejects. */
  | 'malformed';

export class CalendarError extends Error {
  constructor(
    readonly code: CalendarErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CalendarError';
  }
}

export function isCalendarError(e: unknown): e is CalendarError {
  return e instanceof CalendarError;
}

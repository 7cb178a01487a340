import type { TimeWindow } from './slot-grid';

/**
 * The one list of weekdays, Sunday first: its index is what `weekdayOf`
 * returns and what AppointEase stores as `day_of_week` (0 = Sunday), and its
 * names key the weekly hours. A week is shown Monday first (`WEEK_AS_SHOWN`);
 * that is an order of display, not a second list.
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** How wp-admin's hours editor lists a week (ISO 8601: Monday first). */
export const WEEK_AS_SHOWN: readonly Weekday[] = [...WEEKDAYS.slice(1), WEEKDAYS[0]];

/** An employee's working windows per weekday. */
export type WeeklyHours = Partial<Record<Weekday, TimeWindow[]>>;

/** 0 = Sunday … 6 = Saturday (AppointEase's day_of_week), from a YYYY-MM-DD date, no zone involved. */
export function weekdayOf(date: string): number {
  return new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)))).getUTCDay();
}

/** The weekday's name, keying weekly hours. */
export function weekdayNameOf(date: string): Weekday {
  return WEEKDAYS[weekdayOf(date)]!;
}

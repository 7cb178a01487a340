/**
 * Reminder offsets (CONTRACT §12): the `reminders` setting is a list of at
 * most 5 `{"minutesBefore": N}` (1 ≤ N ≤ 10080, one week), default one at
 * 24 hours before, `[]` = none. Pure: the booking transaction plans with it,
 * the admin settings validate with it.
 */
export interface ReminderOffset {
  minutesBefore: number;
}

export const MAX_REMINDERS = 5;
export const MIN_MINUTES_BEFORE = 1;
export const MAX_MINUTES_BEFORE = 10_080;
export const DEFAULT_REMINDERS: readonly ReminderOffset[] = [{ minutesBefore: 1_440 }];

const isOffset = (v: unknown): v is ReminderOffset => {
  const n = (v as ReminderOffset | null)?.minutesBefore;
  return typeof n === 'number' && Number.isInteger(n) && n >= MIN_MINUTES_BEFORE && n <= MAX_MINUTES_BEFORE;
};

/**
 * The stored setting as the rules use it: absent = the default; anything the
 * admin API would not have accepted (an edited row) = the default too, rather
 * than guessing. Sorted earliest reminder first, duplicates dropped.
 */
export function remindersFromStored(value: unknown): ReminderOffset[] {
  if (!Array.isArray(value) || value.length > MAX_REMINDERS || !value.every(isOffset)) return DEFAULT_REMINDERS.map((r) => ({ ...r }));
  return [...new Set(value.map((r) => r.minutesBefore))].sort((a, b) => b - a).map((minutesBefore) => ({ minutesBefore }));
}

export interface PlannedReminder {
  minutesBefore: number;
  /** When the mail is due (ms). */
  dueAt: number;
}

/**
 * One reminder per offset at `start − N minutes`; an offset whose time has
 * already passed at `now` (booked or moved too late for it) is skipped.
 */
export function planReminders(startMs: number, offsets: readonly ReminderOffset[], nowMs: number): PlannedReminder[] {
  const out: PlannedReminder[] = [];
  for (const { minutesBefore } of offsets) {
    const dueAt = startMs - minutesBefore * 60_000;
    if (dueAt > nowMs) out.push({ minutesBefore, dueAt });
  }
  return out.sort((a, b) => a.dueAt - b.dueAt);
}

/**
 * When a failed outbox row is tried again (CONTRACT §12: the first retry
 * within 30 s, growing delays for up to 24 hours, then failed).
 *
 * Delay after attempt n is DEFAULT_RETRY_DELAYS_MS[n-1], scaled by a random
 * factor in [0.8, 1]: receivers that failed together (one outage) do not all
 * come back in the same second, and the jitter only ever shortens a delay, so
 * the first retry stays under 30 s and the last attempt under 24 h.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [
  20_000, // first retry: 16–20 s after the first attempt
  60_000,
  5 * 60_000,
  15 * 60_000,
  30 * 60_000,
  60 * 60_000,
  2 * 3_600_000,
  4 * 3_600_000,
  6 * 3_600_000,
  8 * 3_600_000, // the 11th and last attempt: about 22 h after the first
];

export const RETRY_JITTER_MIN = 0.8;

/**
 * The delay before the next attempt, given how many attempts were made so
 * far (this one included), or undefined when they are used up.
 */
export function nextRetryDelayMs(attemptsMade: number, schedule: readonly number[] = DEFAULT_RETRY_DELAYS_MS, random: () => number = Math.random): number | undefined {
  if (attemptsMade < 1 || attemptsMade > schedule.length) return undefined;
  const base = schedule[attemptsMade - 1]!;
  return Math.round(base * (RETRY_JITTER_MIN + (1 - RETRY_JITTER_MIN) * random()));
}

/** Attempts a row gets in all: the first plus one per delay. */
export function maxAttempts(schedule: readonly number[] = DEFAULT_RETRY_DELAYS_MS): number {
  return schedule.length + 1;
}

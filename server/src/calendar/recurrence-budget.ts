import ICAL from 'ical.js';
import { CalendarError } from './calendar-error';

/**
 * A step and time budget inside ical.js's recurrence engine.
 *
 * `RecurIterator.next()` loops over candidate dates until one passes the
 * rule's BY… filters. For a rule no date can pass (FREQ=DAILY;BYMONTH=2;
 * BYMONTHDAY=30, or the same under FREQ=SECONDLY) that loop never ends: one
 * call to `next()` never returns, so no check between our calls can stop it
 * (ical.js bounds only MONTHLY and YEARLY rules; see kewisch/ical.js#509,
 * #318). Time zone rules from a feed's VTIMEZONE go through the same engine.
 *
 * Every candidate passes through `check_contracting_rules`, so that method is
 * wrapped once, on the prototype: while a budget is active it counts the
 * candidate and throws a CalendarError when the steps or the time run out.
 * Outside `withRecurrenceBudget` it is a plain pass-through. Parsing is
 * synchronous, so one module-level budget cannot be shared by two parses.
 */

export interface RecurrenceBudget {
  maxSteps: number;
  /** Absolute deadline on `clock`'s scale. */
  deadline: number;
  clock: () => number;
}

interface ActiveBudget extends RecurrenceBudget {
  steps: number;
}

/** How often (in candidates) the clock is read: often enough to stop within milliseconds. */
const CLOCK_EVERY = 256;

let active: ActiveBudget | null = null;

type IteratorProto = { check_contracting_rules: (this: unknown) => boolean };
const proto = ICAL.RecurIterator.prototype as unknown as IteratorProto;
const original = proto.check_contracting_rules;
if (typeof original !== 'function') {
  // An ical.js upgrade renamed the method: fail loudly at start rather than parse without a bound.
  throw new Error('ical.js RecurIterator.check_contracting_rules is missing; the recurrence budget cannot be installed');
}
proto.check_contracting_rules = function guardedCheck(this: unknown): boolean {
  if (active) spend(active, 1);
  return original.call(this);
};

/** Runs `fn` with the budget active; nested calls keep the outer budget's accounting separate. */
export function withRecurrenceBudget<T>(budget: RecurrenceBudget, fn: () => T): T {
  const outer = active;
  active = { ...budget, steps: 0 };
  try {
    return fn();
  } finally {
    active = outer;
  }
}

/** Counts work done outside the engine (e.g. one yielded occurrence) against the same budget. */
export function spendRecurrenceSteps(n: number): void {
  if (active) spend(active, n);
}

function spend(b: ActiveBudget, n: number): void {
  const before = b.steps;
  b.steps += n;
  if (b.steps > b.maxSteps) {
    throw new CalendarError('too_many_instances', `Recurrence rules need more than ${b.maxSteps} steps to expand`);
  }
  if (Math.floor(before / CLOCK_EVERY) !== Math.floor(b.steps / CLOCK_EVERY) && b.clock() > b.deadline) {
    throw new CalendarError('timeout', 'Reading the calendar took longer than its time budget');
  }
}

/** Throws the timeout error when the deadline has passed (for loops outside the engine). */
export function checkDeadline(): void {
  if (active && active.clock() > active.deadline) {
    throw new CalendarError('timeout', 'Reading the calendar took longer than its time budget');
  }
}

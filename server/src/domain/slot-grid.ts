import { isoUtc, localInstant, localInstantLenient, minutesOf, timeOf, todayIn, addDays } from './time';

/**
 * Pure slot computation: no I/O, no clock of its own. Everything here is a
 * function of a DayPlan (the database-derived part, cacheable), a service, the
 * booking rules, "now" and the live lock cells.
 */

export type DayReason = 'past_date' | 'too_far_advance' | 'non_working_day' | 'time_off' | 'blackout';
export type SlotStatus = 'available' | 'locked' | 'booked' | 'unavailable';

export interface TimeWindow {
  start: string; // HH:MM local
  end: string; // HH:MM local, after start
}

/** An existing appointment as busy time: [from, to) includes its buffers, [start, end) does not. */
export interface BusyBlock {
  start: number;
  end: number;
  from: number;
  to: number;
}

/** What the database says about one employee's day; the cached part. */
export interface DayPlan {
  date: string;
  employeeId: number;
  windows: TimeWindow[];
  reason?: 'non_working_day' | 'time_off' | 'blackout';
  busy: BusyBlock[];
}

export interface ServiceShape {
  duration: number;
  bufferBefore: number;
  bufferAfter: number;
}

export interface BookingRules {
  timezone: string;
  slotInterval: number;
  minNoticeMinutes: number;
  maxAdvanceDays: number;
}

export interface Slot {
  time: string;
  start: string;
  status: SlotStatus;
}

export interface DayAvailability {
  slots: Slot[];
  unavailable: string[];
  reason?: DayReason;
}

const MINUTE = 60_000;

/** A candidate start and the instants it occupies. */
export interface Candidate {
  time: string;
  start: number;
  /** Busy interval including buffers. */
  from: number;
  to: number;
  /** Grid cells (local HH:MM) the busy interval touches: the lock's keys. */
  cells: string[];
}

/** Grid cell start times of a window, skipping wall times a DST change removed. */
function gridOf(date: string, window: TimeWindow, interval: number, zone: string): { time: string; at: number }[] {
  const out: { time: string; at: number }[] = [];
  const endMin = minutesOf(window.end);
  for (let m = minutesOf(window.start); m < endMin; m += interval) {
    const at = localInstant(date, m, zone);
    if (at !== null) out.push({ time: timeOf(m), at });
  }
  return out;
}

/**
 * Every grid start time in the plan's windows where the whole service plus
 * its buffers fits inside the window, with the cells each one covers.
 */
export function candidatesFor(plan: Pick<DayPlan, 'date' | 'windows'>, service: ServiceShape, rules: Pick<BookingRules, 'timezone' | 'slotInterval'>): readonly Candidate[] {
  // The grid is a pure function of these inputs and costs dozens of zone
  // conversions; every availability read and lock request asks for it again.
  const key = `${plan.date}|${rules.timezone}|${rules.slotInterval}|${service.duration},${service.bufferBefore},${service.bufferAfter}|${windowsKey(plan.windows)}`;
  const hit = gridMemo.get(key);
  if (hit) return hit;
  const computed = Object.freeze(computeCandidates(plan, service, rules));
  if (gridMemo.size >= GRID_MEMO_SIZE) gridMemo.delete(gridMemo.keys().next().value!);
  gridMemo.set(key, computed);
  return computed;
}

/**
 * The windows part of the memo key. Windows arrays are long-lived (the
 * catalogue snapshot's weekly hours, memoised cached plans), so their text is
 * remembered per array rather than rebuilt on every lock request; contents
 * are only read here, and an array is never edited after a plan is built.
 */
const windowsKeys = new WeakMap<readonly TimeWindow[], string>();
function windowsKey(windows: readonly TimeWindow[]): string {
  let key = windowsKeys.get(windows);
  if (key === undefined) {
    key = windows.map((w) => `${w.start}-${w.end}`).join(',');
    windowsKeys.set(windows, key);
  }
  return key;
}

const GRID_MEMO_SIZE = 5_000;
const gridMemo = new Map<string, readonly Candidate[]>();

function computeCandidates(plan: Pick<DayPlan, 'date' | 'windows'>, service: ServiceShape, rules: Pick<BookingRules, 'timezone' | 'slotInterval'>): Candidate[] {
  const zone = rules.timezone;
  const out: Candidate[] = [];
  for (const w of plan.windows) {
    const winStart = localInstantLenient(plan.date, minutesOf(w.start), zone);
    const winEnd = localInstantLenient(plan.date, minutesOf(w.end), zone);
    const grid = gridOf(plan.date, w, rules.slotInterval, zone);
    const cellLen = rules.slotInterval * MINUTE;
    for (const g of grid) {
      const from = g.at - service.bufferBefore * MINUTE;
      const to = g.at + (service.duration + service.bufferAfter) * MINUTE;
      if (from < winStart || to > winEnd) continue;
      const cells = grid.filter((c) => c.at < to && c.at + cellLen > from).map((c) => c.time);
      out.push({ time: g.time, start: g.at, from, to, cells });
    }
  }
  return out;
}

// Asked for on every lock request and day view, and it changes once a day.
let horizon = { today: '', days: -1, last: '' };
function lastBookableDay(today: string, maxAdvanceDays: number): string {
  if (horizon.today !== today || horizon.days !== maxAdvanceDays) horizon = { today, days: maxAdvanceDays, last: addDays(today, maxAdvanceDays) };
  return horizon.last;
}

/** A date outside the booking horizon (before today, beyond maxAdvanceDays): decided by the rules alone, no plan needed. */
export function horizonReason(date: string, rules: Pick<BookingRules, 'timezone' | 'maxAdvanceDays'>, now: number): 'past_date' | 'too_far_advance' | undefined {
  const today = todayIn(rules.timezone, now);
  if (date < today) return 'past_date';
  if (date > lastBookableDay(today, rules.maxAdvanceDays)) return 'too_far_advance';
  return undefined;
}

/** The day-level refusal, if any, before looking at single times. */
export function dayReason(plan: Pick<DayPlan, 'date' | 'windows' | 'reason'>, rules: BookingRules, now: number): DayReason | undefined {
  const outside = horizonReason(plan.date, rules, now);
  if (outside) return outside;
  if (plan.reason) return plan.reason;
  if (plan.windows.length === 0) return 'non_working_day';
  return undefined;
}

/**
 * The availability of one day for one service: every candidate with its
 * status. Locks are overlaid from `lockedCells` (live, never cached).
 */
export function availabilityOf(
  plan: DayPlan,
  service: ServiceShape,
  rules: BookingRules,
  now: number,
  lockedCells: ReadonlySet<string> = new Set(),
): DayAvailability {
  const reason = dayReason(plan, rules, now);
  if (reason) return { slots: [], unavailable: [], reason };
  const earliest = now + rules.minNoticeMinutes * MINUTE;
  const slots: Slot[] = candidatesFor(plan, service, rules).map((c) => ({
    time: c.time,
    start: isoUtc(c.start),
    status: statusOf(c, plan.busy, earliest, lockedCells),
  }));
  return { slots, unavailable: slots.filter((s) => s.status !== 'available').map((s) => s.time) };
}

/** One candidate's status; `availabilityOf` applies it to the whole day, a lock request to the one time it wants. */
export function candidateStatus(c: Candidate, busy: BusyBlock[], earliest: number, lockedCells: ReadonlySet<string> = new Set()): SlotStatus {
  return statusOf(c, busy, earliest, lockedCells);
}

function statusOf(c: Candidate, busy: BusyBlock[], earliest: number, lockedCells: ReadonlySet<string>): SlotStatus {
  if (c.start < earliest) return 'unavailable';
  if (busy.some((b) => b.start <= c.start && c.start < b.end)) return 'booked';
  if (lockedCells.has(c.time)) return 'locked';
  if (busy.some((b) => b.from < c.to && c.from < b.to)) return 'unavailable';
  if (c.cells.some((cell) => lockedCells.has(cell))) return 'unavailable';
  return 'available';
}

/** The candidate for a requested start time, or undefined when it is not on the grid or does not fit. */
export function candidateAt(plan: Pick<DayPlan, 'date' | 'windows'>, service: ServiceShape, rules: BookingRules, time: string): Candidate | undefined {
  const all = candidatesFor(plan, service, rules);
  let byTime = candidatesByTime.get(all);
  if (!byTime) {
    byTime = new Map();
    // First one wins, as a scan would find it.
    for (const c of all) if (!byTime.has(c.time)) byTime.set(c.time, c);
    candidatesByTime.set(all, byTime);
  }
  return byTime.get(time);
}

/** Every lock request looks one time up in a memoised day's candidates: index them once. */
const candidatesByTime = new WeakMap<readonly Candidate[], Map<string, Candidate>>();

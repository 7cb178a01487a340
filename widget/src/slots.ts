import type { Slot, SlotEvent, SlotStatus } from './types';

/** What a booking of the current service occupies around its start, in minutes. */
export interface Geometry {
  slotInterval: number;
  duration: number;
  bufferBefore: number;
  bufferAfter: number;
}

export function toMinutes(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * Apply a live event to one employee's slots of the shown day.
 *
 * A lock or booking takes the event's cells at once: the exact start times become
 * `locked`/`booked`, and every other start whose own service (with buffers) would
 * overlap those cells becomes `unavailable`. Releases are not applied locally —
 * another lock may still cover a neighbour — so the caller refetches; the REST
 * answer is the truth (CONTRACT §8), events are only hints to act fast.
 */
export function applyEvent(slots: Slot[], ev: SlotEvent, geo: Geometry): Slot[] {
  if (ev.type !== 'slot_locked' && ev.type !== 'slot_booked') return slots;
  const cells = (ev.times?.length ? ev.times : [ev.time]).map(toMinutes);
  const exact: SlotStatus = ev.type === 'slot_locked' ? 'locked' : 'booked';
  return slots.map((s) => {
    if (s.status !== 'available') return s;
    if (cells.includes(toMinutes(s.time))) return { ...s, status: exact };
    const from = toMinutes(s.time) - geo.bufferBefore;
    const to = toMinutes(s.time) + geo.duration + geo.bufferAfter;
    const overlaps = cells.some((c) => c < to && c + geo.slotInterval > from);
    return overlaps ? { ...s, status: 'unavailable' } : s;
  });
}

export interface MergedSlot extends Slot {
  /** Employees who can take this time, in the order they were shown. */
  employees: number[];
}

const rank: Record<SlotStatus, number> = { available: 3, locked: 2, booked: 1, unavailable: 0 };

/**
 * "Any available": one row of times across employees. A time is free if anyone is
 * free then; otherwise it shows the most telling reason (held beats booked).
 */
export function mergeSlots(byEmployee: { employeeId: number; slots: Slot[] }[]): MergedSlot[] {
  const map = new Map<string, MergedSlot>();
  for (const { employeeId, slots } of byEmployee) {
    for (const s of slots) {
      const cur = map.get(s.time);
      if (!cur) {
        map.set(s.time, { ...s, employees: s.status === 'available' ? [employeeId] : [] });
        continue;
      }
      if (s.status === 'available') cur.employees.push(employeeId);
      if (rank[s.status] > rank[cur.status]) {
        cur.status = s.status;
        cur.start = s.start;
      }
    }
  }
  return [...map.values()].sort((a, b) => toMinutes(a.time) - toMinutes(b.time));
}

/** Times that changed between free and not free, for the live region. */
export function slotChanges(before: Slot[], after: Slot[]): { gone: string[]; back: string[] } {
  const was = new Map(before.map((s) => [s.time, s.status === 'available']));
  const gone: string[] = [];
  const back: string[] = [];
  for (const s of after) {
    const prev = was.get(s.time);
    if (prev === undefined) continue;
    const now = s.status === 'available';
    if (prev && !now) gone.push(s.time);
    if (!prev && now) back.push(s.time);
  }
  return { gone, back };
}

/** The month view opens on the first day with a free time, not before `today`. */
export function firstFreeDay(days: { date: string; available: number }[], today: string): string | null {
  const d = days.filter((x) => x.available > 0 && x.date >= today).sort((a, b) => (a.date < b.date ? -1 : 1))[0];
  return d ? d.date : null;
}

/** Add up the month views of several employees ("any available"). */
export function sumMonths(months: { date: string; available: number }[][]): { date: string; available: number }[] {
  const map = new Map<string, number>();
  for (const days of months) for (const d of days) map.set(d.date, (map.get(d.date) ?? 0) + d.available);
  return [...map].map(([date, available]) => ({ date, available })).sort((a, b) => (a.date < b.date ? -1 : 1));
}

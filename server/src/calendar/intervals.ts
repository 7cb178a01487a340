/** A half-open busy span [start, end) in epoch milliseconds. */
export interface BusyInterval {
  start: number;
  end: number;
}

/**
 * Clips every interval to [from, to), drops empty ones, sorts, and joins
 * those that overlap or touch: the smallest list that blocks the same time.
 */
export function mergeIntervals(intervals: readonly BusyInterval[], from = -Infinity, to = Infinity): BusyInterval[] {
  const clipped: BusyInterval[] = [];
  for (const i of intervals) {
    const start = Math.max(i.start, from);
    const end = Math.min(i.end, to);
    if (end > start) clipped.push({ start, end });
  }
  clipped.sort((a, b) => a.start - b.start || a.end - b.end);
  const out: BusyInterval[] = [];
  for (const i of clipped) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) {
      if (i.end > last.end) last.end = i.end;
    } else {
      out.push({ ...i });
    }
  }
  return out;
}

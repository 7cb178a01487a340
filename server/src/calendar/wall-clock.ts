import { Info, type Zone } from 'luxon';

/**
 * Wall-clock time → instant in a zone, for the thousands of times one busy
 * calendar holds. Asking the zone (Intl, through luxon) costs tens of
 * microseconds a call; here each zone's offset changes are found once per
 * year it is asked about and kept, and a conversion is then a few array
 * reads. Rules for the times a change makes odd: a wall time that happens
 * twice (clocks go back) is its earlier instant, which is when the event
 * starts blocking; a wall time that does not exist (clocks go forward) is
 * read with the offset before the change, so 02:30 becomes 03:30 — as luxon
 * does.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Years outside this range go straight to the zone (and are not cached). */
const FIRST_YEAR = 1900;
const LAST_YEAR = 2200;

interface YearOffsets {
  /** Offset (minutes) at the year's first instant, UTC. */
  startOffset: number;
  /** Changes within the year, in order: from `at` (ms) on the offset is `offset`. */
  changes: Array<{ at: number; offset: number }>;
}

class ZoneOffsets {
  private readonly years = new Map<number, YearOffsets>();

  constructor(private readonly zone: Zone) {}

  /** Offset in minutes at an instant. */
  offsetAt(ts: number): number {
    const year = new Date(ts).getUTCFullYear();
    if (year < FIRST_YEAR || year > LAST_YEAR || !Number.isFinite(ts)) return this.zone.offset(ts);
    let y = this.years.get(year);
    if (!y) {
      y = this.scan(year);
      this.years.set(year, y);
    }
    let offset = y.startOffset;
    for (const c of y.changes) {
      if (c.at > ts) break;
      offset = c.offset;
    }
    return offset;
  }

  /** The instant of a wall time given as "the same fields in UTC" (Date.UTC of them). */
  instantOf(wall: number): number {
    // Offsets a day either side cover every candidate: zones do not change twice within a day.
    const before = this.offsetAt(wall - DAY);
    const after = this.offsetAt(wall + DAY);
    const first = wall - Math.max(before, after) * MINUTE;
    const second = wall - Math.min(before, after) * MINUTE;
    const firstValid = this.offsetAt(first) === Math.max(before, after);
    const secondValid = this.offsetAt(second) === Math.min(before, after);
    if (firstValid) return first; // the earlier of two readings when both exist
    if (secondValid) return second;
    // In a gap: read with the offset in force before it.
    return wall - before * MINUTE;
  }

  /** A year's changes: a day's steps, then halving to the minute where the offset differs. */
  private scan(year: number): YearOffsets {
    const start = Date.UTC(year, 0, 1);
    const end = Date.UTC(year + 1, 0, 1);
    const startOffset = this.zone.offset(start);
    const changes: YearOffsets['changes'] = [];
    let t = start;
    let offset = startOffset;
    while (t < end) {
      const next = Math.min(t + DAY, end);
      const nextOffset = this.zone.offset(next);
      if (nextOffset !== offset) {
        let lo = t;
        let hi = next;
        while (hi - lo > MINUTE) {
          const mid = lo + Math.floor((hi - lo) / (2 * MINUTE)) * MINUTE;
          if (this.zone.offset(mid) === offset) lo = mid;
          else hi = mid;
        }
        changes.push({ at: hi, offset: nextOffset });
      }
      t = next;
      offset = nextOffset;
    }
    return { startOffset, changes };
  }
}

const zones = new Map<string, ZoneOffsets | null>();
const ZONES_MAX = 200;

function offsetsOf(name: string): ZoneOffsets {
  let z = zones.get(name);
  if (z === undefined) {
    const zone = Info.normalizeZone(name);
    z = zone.isValid ? new ZoneOffsets(zone) : null;
    if (zones.size >= ZONES_MAX) zones.clear();
    zones.set(name, z);
  }
  if (!z) throw new RangeError(`unknown time zone ${name}`);
  return z;
}

/** The instant (ms) of a wall-clock date and time in `zone` (an IANA name or luxon's fixed "UTC+2"). */
export function wallClockInstant(zone: string, year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  d.setUTCFullYear(year + d.getUTCFullYear() - 2000); // Date.UTC reads years 0–99 as 1900–1999
  return offsetsOf(zone).instantOf(d.getTime());
}

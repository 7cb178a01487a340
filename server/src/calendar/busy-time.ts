import ICAL from 'ical.js';
import { DateTime, Info } from 'luxon';
import { isAppointEaseUid } from '../mail/ics-format';
import { CalendarError } from './calendar-error';
import { checkIcsShape, DEFAULT_ICS_LIMITS, tooManyEvents, type IcsLimits } from './ics-limits';
import { mergeIntervals, type BusyInterval } from './intervals';
import { checkDeadline, spendRecurrenceSteps, withRecurrenceBudget } from './recurrence-budget';
import { ianaZoneOf } from './time-zones';
import { wallClockInstant } from './wall-clock';

export type { BusyInterval } from './intervals';

/**
 * One busy calendar (.ics text) → the times it blocks for one employee over a
 * horizon [from, to). Parsing and recurrence rules (RRULE with its COUNT,
 * UNTIL and BY… parts, RDATE, RANGE=THISANDFUTURE) are ical.js's. This module
 * decides what counts as busy, turns times into instants (a TZID the tz
 * database knows through wall-clock.ts, a feed's custom VTIMEZONE through
 * ical.js), matches EXDATEs and overridden instances by instant, and bounds
 * the work (ics-limits.ts, recurrence-budget.ts).
 *
 * What blocks: every VEVENT that is not `STATUS:CANCELLED`, not
 * `TRANSP:TRANSPARENT` and not Outlook's "show as free"
 * (`X-MICROSOFT-CDO-BUSYSTATUS:FREE`). Tentative events block. Timed events
 * block by their instants; all-day (DATE) events, which carry no zone, block
 * whole local days in the BUSINESS zone, as do floating times and TZIDs
 * nothing resolves. Recurring events are expanded up to the horizon's end; an
 * instance moved by a RECURRENCE-ID override blocks where it was moved to, a
 * cancelled override or an EXDATE frees it. Events with AppointEase's own
 * UIDs (its feed, a kept invitation) are left out: they are busy already, and
 * counted twice would block their own rescheduling. Only the times are kept: no
 * titles, places or attendees of a staff member's private calendar.
 */

export interface BusyOptions {
  /** Horizon start, epoch ms (inclusive). */
  from: number;
  /** Horizon end, epoch ms (exclusive). */
  to: number;
  /** The business time zone (IANA), for all-day events and floating times. */
  zone: string;
  limits?: Partial<IcsLimits>;
  /** Milliseconds on any monotonic scale (default performance.now); tests pass a fake. */
  clock?: () => number;
}

export interface BusyCalendar {
  /** Sorted, merged (overlapping or touching joined), clipped to [from, to). */
  intervals: BusyInterval[];
  /** VEVENT components read (series masters and overridden instances). */
  events: number;
  /**
   * Occurrences the recurrence engine yielded, inside the horizon and before
   * it: from each DTSTART, or for a long-running DAILY/WEEKLY rule without
   * COUNT from a period before the horizon (see fastForward).
   */
  instances: number;
  /** VEVENTs left out because a value could not be read (bad date, impossible rule); the rest still counts. */
  skipped: number;
  /** TZIDs that named no zone (no VTIMEZONE, no IANA or Windows name): read as business-zone wall time. */
  unknownZones: string[];
}

type Time = InstanceType<typeof ICAL.Time>;
type Component = InstanceType<typeof ICAL.Component>;
type Event = InstanceType<typeof ICAL.Event>;
type Property = InstanceType<typeof ICAL.Property>;
/** jCal of one component: [name, properties, subcomponents]. */
type JCalComponent = [string, unknown[], JCalComponent[]];

/**
 * @throws CalendarError `too_large`, `too_many_events`, `too_deep`,
 *   `too_many_instances`, `timeout` or `malformed`. Nothing else escapes: a
 *   value the library cannot read skips that one event (counted in `skipped`).
 */
export function busyIntervalsFromIcs(text: string, options: BusyOptions): BusyCalendar {
  const limits: IcsLimits = { ...DEFAULT_ICS_LIMITS, ...options.limits };
  if (!Number.isFinite(options.from) || !Number.isFinite(options.to) || options.to <= options.from) {
    throw new RangeError('busyIntervalsFromIcs: the horizon must be finite with from < to');
  }
  if (!Info.normalizeZone(options.zone).isValid) {
    throw new RangeError(`busyIntervalsFromIcs: unknown business zone ${options.zone}`);
  }
  const clock = options.clock ?? (() => performance.now());
  const deadline = clock() + limits.maxMillis;

  checkIcsShape(text, limits);
  return withRecurrenceBudget({ maxSteps: limits.maxRecurrenceSteps, deadline, clock }, () => {
    let parsed: unknown;
    try {
      parsed = ICAL.parse(text);
    } catch {
      throw new CalendarError('malformed', 'The feed is not valid iCalendar text');
    }
    checkDeadline();
    const roots = (typeof (parsed as unknown[])[0] === 'string' ? [parsed] : parsed) as JCalComponent[];
    checkTree(roots, limits);
    const reader = new BusyReader(options, limits);
    for (const jcal of roots) {
      if (jcal[0] === 'vcalendar') reader.readCalendar(jcal);
    }
    return reader.result();
  });
}

/**
 * The parsed tree, walked without recursion: the same event and depth caps as
 * the raw-line check, now on what the parser actually built (a BEGIN line with
 * parameters, say, opens a component too).
 */
function checkTree(roots: JCalComponent[], limits: IcsLimits): void {
  const stack: Array<[JCalComponent, number]> = roots.map((r) => [r, 1]);
  let events = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!Array.isArray(node) || typeof node[0] !== 'string' || !Array.isArray(node[2])) throw new CalendarError('malformed', 'The feed is not valid iCalendar text');
    if (depth > limits.maxDepth) throw new CalendarError('too_deep', `Components are nested more than ${limits.maxDepth} deep`);
    if (node[0] === 'vevent' && ++events > limits.maxEvents) throw tooManyEvents(limits.maxEvents);
    for (const child of node[2]) stack.push([child, depth + 1]);
  }
}

/** Where a time's wall clock is read: UTC, an IANA zone, a feed's own VTIMEZONE (ical.js), or the business zone. */
type WallZone = { kind: 'utc' } | { kind: 'iana'; zone: string } | { kind: 'ical' } | { kind: 'business' };

const DAY = 86_400_000;

class BusyReader {
  private readonly intervals: BusyInterval[] = [];
  private events = 0;
  private instances = 0;
  private skipped = 0;
  private readonly unknownZones = new Set<string>();
  private readonly midnights = new Map<number, number>();
  /** Wall-clock day (yyyymmdd) two days before the horizon: earlier occurrences are skipped without converting. */
  private readonly firstRelevantDay: number;

  constructor(
    private readonly options: BusyOptions,
    private readonly limits: IcsLimits,
  ) {
    this.firstRelevantDay = utcDayKey(options.from - 2 * DAY);
  }

  /**
   * The events hang from a small VCALENDAR of their own that holds only the
   * VTIMEZONE blocks still needed (see keptTimeZones): ical.js looks a TZID up
   * by scanning every child of the root, for every date it reads, which on a
   * 5,000-event root is most of the work.
   */
  readCalendar(jcal: JCalComponent): void {
    const zonesRoot = new ICAL.Component(['vcalendar', [], this.keptTimeZones(jcal[2])]);
    const vevents = jcal[2].filter((c) => c[0] === 'vevent').map((c) => new ICAL.Component(c, zonesRoot));

    // Overridden instances (RECURRENCE-ID) by UID: related to their series once,
    // instead of ical.js's default of scanning the whole calendar per event.
    const overrides = new Map<string, Event[]>();
    const masters: Component[] = [];
    for (const vevent of vevents) {
      this.events++;
      // Our own appointments (the staff feed, an invitation the employee kept)
      // are busy already; read again they would block their own rescheduling.
      if (isAppointEaseUid(String(vevent.getFirstPropertyValue('uid') ?? ''))) continue;
      if (!vevent.hasProperty('recurrence-id')) {
        masters.push(vevent);
        continue;
      }
      const override = this.tryRead(() => {
        const read = new ICAL.Event(vevent);
        this.instantOfProp(vevent, 'recurrence-id'); // a bad RECURRENCE-ID skips this override, not its whole series
        return read;
      });
      if (!override) continue;
      const uid = override.uid ?? '';
      const list = overrides.get(uid);
      if (list) list.push(override);
      else overrides.set(uid, [override]);
    }

    for (const master of masters) {
      checkDeadline();
      this.tryRead(() => this.readSeries(master, overrides.get(String(master.getFirstPropertyValue('uid') ?? '')) ?? []));
    }
    // Each override blocks in its own right, where it was moved to (orphans too:
    // a feed may carry an instance of a series it does not include).
    for (const list of overrides.values()) {
      for (const override of list) {
        this.tryRead(() => {
          if (blocks(override.component)) this.addSingle(override);
        });
      }
    }
  }

  result(): BusyCalendar {
    return {
      intervals: mergeIntervals(this.intervals, this.options.from, this.options.to),
      events: this.events,
      instances: this.instances,
      skipped: this.skipped,
      unknownZones: [...this.unknownZones].sort(),
    };
  }

  /** Runs one event's reading; a library error about its values skips that event only. */
  private tryRead<T>(read: () => T): T | undefined {
    try {
      return read();
    } catch (e) {
      if (e instanceof CalendarError) throw e;
      this.skipped++;
      return undefined;
    }
  }

  private readSeries(component: Component, overrides: Event[]): void {
    if (!component.hasProperty('dtstart')) {
      this.skipped++;
      return;
    }
    const event = new ICAL.Event(component, { exceptions: overrides, strictExceptions: true });
    if (!event.isRecurring()) {
      this.countInstances(1, 1);
      if (blocks(component)) this.addSingle(event);
      return;
    }
    // A cancelled or free series still has its overrides read (above), which may block on their own.
    if (!blocks(component)) return;

    const zone = this.wallZoneOf(component.getFirstProperty('dtstart')!);
    // Instances taken over by an override or removed by an EXDATE, as instants,
    // so that a UTC EXDATE matches a zoned series. The EXDATE properties are
    // then taken out of ical.js's hands: it advances past only one EXDATE per
    // instance (a stale one lets the next excluded instance through) and gives
    // up after 500 excluded instances in a row.
    const replaced = new Set<number>();
    for (const o of overrides) replaced.add(this.instantOfProp(o.component, 'recurrence-id'));
    for (const prop of component.getAllProperties('exdate')) {
      const tzid = prop.getParameter('tzid') as string | undefined;
      for (const value of prop.getValues() as Time[]) replaced.add(this.instantOf(value, this.wallZoneOfValue(value, tzid)));
    }
    component.removeAllProperties('exdate');
    this.alignUntil(component, zone);

    const shape = this.shapeOf(event);
    const hasRangeOverrides = overrides.some((o) => o.modifiesFuture());
    let yielded = 0;
    /** Adds one instance; false once instances are well past the horizon. */
    const add = (occurrence: Time): boolean => {
      this.countInstances(++yielded, 1);
      spendRecurrenceSteps(1);
      // Cheap wall-clock test first: most of a long series lies before the horizon.
      if (dayKey(occurrence) < this.firstRelevantDay) return true;
      const start = this.instantOf(occurrence, zone);
      // Instances come in wall-clock order; an RDATE in another zone may be a
      // few hours out of it, so stop only a day past the horizon.
      if (start >= this.options.to + DAY) return false;
      if (replaced.has(start)) return true;
      if (hasRangeOverrides) {
        const details = event.getOccurrenceDetails(occurrence);
        if (details.item !== event) {
          // A RANGE=THISANDFUTURE override shifted this instance and gives its length.
          const overrideZone = this.wallZoneOf(details.item.component.getFirstProperty('dtstart')!);
          this.push(this.instantOf(details.startDate, overrideZone), this.instantOf(details.endDate, overrideZone));
          return true;
        }
      }
      this.push(start, shape.endOf(occurrence, start));
      return true;
    };
    // DTSTART is always the first instance (RFC 5545 §3.8.5.2), but ical.js
    // yields it only through an RRULE: with RDATEs alone it would be lost.
    if (!component.hasProperty('rrule')) add(event.startDate);
    const iterator = event.iterator(this.fastForward(event));
    for (let occurrence = iterator.next(); occurrence && add(occurrence); occurrence = iterator.next());
  }

  /**
   * Where to start expanding a long-running series instead of its DTSTART.
   * ical.js has no way to skip ahead, and walking a weekly series from 2019
   * costs hundreds of steps before the horizon. A DAILY or WEEKLY rule without
   * COUNT repeats the same pattern every INTERVAL days or weeks, so starting
   * a whole number of those periods later yields the same instances from
   * there on. The new start stays a period and two days before the horizon,
   * so anything special about a first instance (DTSTART off the rule's days)
   * falls before it. COUNT needs every instance from DTSTART; other
   * frequencies are left alone (monthly and yearly series are short anyway).
   */
  private fastForward(event: Event): Time | undefined {
    const rules = event.component.getAllProperties('rrule');
    if (rules.length !== 1) return undefined;
    const rule = rules[0]!.getFirstValue() as InstanceType<typeof ICAL.Recur>;
    if (rule.count || (rule.freq !== 'DAILY' && rule.freq !== 'WEEKLY')) return undefined;
    const period = (rule.freq === 'DAILY' ? 1 : 7) * Math.max(1, rule.interval || 1);
    const start = event.startDate;
    const from = new Date(this.options.from);
    const gap = Math.round((Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()) - Date.UTC(start.year, start.month - 1, start.day)) / DAY);
    const periods = Math.floor((gap - 2) / period) - 1;
    if (periods < 1) return undefined;
    const shifted = start.clone();
    shifted.adjust(periods * period, 0, 0, 0);
    return shifted;
  }

  /**
   * A series in a zone ical.js sees as floating (its TZID is read here, not by
   * ical.js) walks in wall-clock time, but a UTC UNTIL would be compared as if
   * that wall clock were UTC, dropping or adding the last instance. The UNTIL
   * is rewritten as the same instant on the series' wall clock.
   */
  private alignUntil(component: Component, zone: WallZone): void {
    if (zone.kind !== 'iana' && zone.kind !== 'business') return;
    for (const prop of component.getAllProperties('rrule')) {
      const rule = prop.getFirstValue() as InstanceType<typeof ICAL.Recur>;
      const until = rule.until;
      if (!until || until.isDate || until.zone !== ICAL.Timezone.utcTimezone) continue;
      const wall = DateTime.fromMillis(until.toUnixTime() * 1000, { zone: zone.kind === 'iana' ? zone.zone : this.options.zone });
      rule.until = ICAL.Time.fromData({ year: wall.year, month: wall.month, day: wall.day, hour: wall.hour, minute: wall.minute, second: wall.second, isDate: false });
    }
  }

  private addSingle(event: Event): void {
    const prop = event.component.getFirstProperty('dtstart');
    if (!prop) return;
    const zone = this.wallZoneOf(prop);
    const start = event.startDate;
    const s = this.instantOf(start, zone);
    this.push(s, this.shapeOf(event).endOf(start, s));
  }

  /**
   * How an instance's end follows from its start. DTEND fixes an exact length
   * for every instance (RFC 5545 §3.8.5.3); a DURATION's days and weeks are
   * calendar days; all-day events end at a local midnight.
   */
  private shapeOf(event: Event): { endOf: (start: Time, startInstant: number) => number } {
    const component = event.component;
    const dtstart = event.startDate;
    if (component.hasProperty('dtend')) {
      const dtend = event.endDate;
      if (dtstart.isDate) {
        const days = Math.max(1, daysBetween(dtstart, dtend));
        return { endOf: (start) => this.midnightAfter(start, days) };
      }
      const length = this.instantOfProp(component, 'dtend') - this.instantOfProp(component, 'dtstart');
      return { endOf: (_start, s) => s + length };
    }
    if (component.hasProperty('duration')) {
      const duration = component.getFirstPropertyValue('duration') as InstanceType<typeof ICAL.Duration>;
      const sign = duration.isNegative ? -1 : 1;
      const days = sign * (duration.weeks * 7 + duration.days);
      const exact = sign * (duration.hours * 3600 + duration.minutes * 60 + duration.seconds) * 1000;
      if (dtstart.isDate) return { endOf: (start) => this.midnightAfter(start, Math.max(1, days)) };
      const zone = this.wallZoneOf(component.getFirstProperty('dtstart')!);
      return {
        endOf: (start, s) => {
          if (days === 0) return s + exact;
          const shifted = start.clone();
          shifted.adjust(days, 0, 0, 0);
          return this.instantOf(shifted, zone) + exact;
        },
      };
    }
    // No end: a date blocks its one day, a date-time is a moment and blocks nothing.
    if (dtstart.isDate) return { endOf: (start) => this.midnightAfter(start, 1) };
    return { endOf: (_start, s) => s };
  }

  private push(start: number, end: number): void {
    if (end > start && end > this.options.from && start < this.options.to) this.intervals.push({ start, end });
  }

  private countInstances(forEvent: number, added: number): void {
    this.instances += added;
    if (forEvent > this.limits.maxInstancesPerEvent) {
      throw new CalendarError('too_many_instances', `A recurring event repeats more than ${this.limits.maxInstancesPerEvent} times`);
    }
    if (this.instances > this.limits.maxInstancesTotal) {
      throw new CalendarError('too_many_instances', `The calendar's events repeat more than ${this.limits.maxInstancesTotal} times in all`);
    }
  }

  private wallZoneOf(prop: Property): WallZone {
    return this.wallZoneOfValue(prop.getFirstValue() as Time, prop.getParameter('tzid') as string | undefined);
  }

  private wallZoneOfValue(value: Time, tzid: string | undefined): WallZone {
    if (value.zone === ICAL.Timezone.utcTimezone) return { kind: 'utc' };
    if (tzid) {
      const iana = ianaZoneOf(tzid);
      if (iana) return { kind: 'iana', zone: iana };
      // A custom zone the feed defines itself ("Customized Time Zone"): ical.js knows it.
      if (value.zone && value.zone !== ICAL.Timezone.localTimezone) return { kind: 'ical' };
      if (this.unknownZones.size < 20) this.unknownZones.add(tzid.slice(0, 100));
    }
    return { kind: 'business' };
  }

  private instantOfProp(component: Component, name: string): number {
    const prop = component.getFirstProperty(name);
    if (!prop) throw new Error(`no ${name}`);
    return this.instantOf(prop.getFirstValue() as Time, this.wallZoneOf(prop));
  }

  /** A time as epoch ms; dates (all-day) are the business zone's midnight, whatever the zone. */
  private instantOf(t: Time, zone: WallZone): number {
    if (t.isDate) return this.midnight(t.year, t.month, t.day);
    switch (zone.kind) {
      case 'utc':
        return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
      case 'ical':
        return t.toUnixTime() * 1000;
      case 'iana':
        return wallClockInstant(zone.zone, t.year, t.month, t.day, t.hour, t.minute, t.second);
      case 'business':
        return wallClockInstant(this.options.zone, t.year, t.month, t.day, t.hour, t.minute, t.second);
    }
  }

  /** Local midnight in the business zone (its first instant, where a change skips midnight). */
  private midnight(year: number, month: number, day: number): number {
    const key = year * 10_000 + month * 100 + day;
    let at = this.midnights.get(key);
    if (at === undefined) {
      at = wallClockInstant(this.options.zone, year, month, day);
      this.midnights.set(key, at);
    }
    return at;
  }

  private midnightAfter(start: Time, days: number): number {
    const d = new Date(Date.UTC(start.year, start.month - 1, start.day + days));
    return this.midnight(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }

  /**
   * A feed's VTIMEZONE block for a TZID the tz database knows (IANA, Windows,
   * old Mozilla prefixes: time-zones.ts) is left out, so ical.js treats those
   * times as wall-clock ("floating") and this module converts them with the
   * tz database: more exact than an exporter's one-rule summary (Outlook's
   * blocks start in 1601), and far cheaper than ical.js walking such a
   * block's RRULE year by year for every comparison. Custom zones
   * ("Customized Time Zone") keep the feed's block and ical.js's offsets.
   */
  private keptTimeZones(children: JCalComponent[]): JCalComponent[] {
    return children.filter((c) => {
      if (c[0] !== 'vtimezone') return false;
      const tzid = (c[1] as unknown[][]).find((p) => p[0] === 'tzid')?.[3];
      return !(typeof tzid === 'string' && ianaZoneOf(tzid));
    });
  }
}

function blocks(component: Component): boolean {
  const status = component.getFirstPropertyValue('status');
  if (typeof status === 'string' && status.trim().toUpperCase() === 'CANCELLED') return false;
  const transp = component.getFirstPropertyValue('transp');
  if (typeof transp === 'string' && transp.trim().toUpperCase() === 'TRANSPARENT') return false;
  const outlook = component.getFirstPropertyValue('x-microsoft-cdo-busystatus');
  if (typeof outlook === 'string' && outlook.trim().toUpperCase() === 'FREE') return false;
  return true;
}

function dayKey(t: Time): number {
  return t.year * 10_000 + t.month * 100 + t.day;
}

function utcDayKey(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

function daysBetween(a: Time, b: Time): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY);
}

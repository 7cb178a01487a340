import type { AppointmentsRepository } from '../db/repositories/appointments-repository';
import type { CalendarRepository } from '../db/repositories/calendar-repository';
import type { BusyCalendarsRepository } from '../db/repositories/busy-calendars-repository';
import { type StaffRecord } from '../db/repositories/staff-repository';
import { fail } from '../errors';
import type { Metrics } from '../metrics';
import type { AvailabilityCache, CachedDay } from '../stores/availability-cache';
import { Catalogue, type CatalogueSnapshot } from './catalogue';
import {
  availabilityOf,
  candidateAt,
  candidateStatus,
  dayReason,
  horizonReason,
  type Candidate,
  type DayAvailability,
  type DayPlan,
  type ServiceShape,
} from '../domain/slot-grid';
import { addDays, daysInMonth, localDateTimeInstant } from '../domain/time';
import { weekdayNameOf } from '../domain/weekdays';
import { busyBlockOf } from '../domain/busy-blocks';

/** Where live lock cells come from (the lock store); overlaid on every read, never cached. */
export interface LockOverlay {
  lockedCells(date: string, employeeId: number): Promise<Set<string>>;
  lockedCellsMany(dates: string[], employeeId: number): Promise<Map<string, Set<string>>>;
}

const MINUTE = 60_000;

export interface AvailabilityBody extends DayAvailability {
  date: string;
  employeeId: number;
  serviceId: number;
  timezone: string;
}

/**
 * Availability: the database-derived day plan (cached in Redis behind a
 * generation check, computed once per key under concurrent misses) plus live
 * locks and the clock.
 */
export class AvailabilityService {
  private readonly inflight = new Map<string, Promise<DayPlan>>();

  constructor(
    private readonly deps: {
      catalogue: Catalogue;
      cache: AvailabilityCache;
      appointments: AppointmentsRepository;
      calendar: CalendarRepository;
      /** Busy time from the staff's own calendars (CONTRACT §13); read only for staff who have some. */
      busyCalendars?: Pick<BusyCalendarsRepository, 'busyBetween'>;
      /** Live locks, overlaid on every read (never cached). */
      locks: LockOverlay;
      metrics: Metrics;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  async forDay(date: string, employeeId: number, serviceId: number): Promise<AvailabilityBody> {
    const outside = await this.outsideHorizon(date);
    if (outside) {
      Catalogue.activeService(outside.snap, serviceId);
      Catalogue.employeeFor(outside.snap, employeeId, serviceId);
      return { date, employeeId, serviceId, timezone: outside.snap.rules.timezone, slots: [], unavailable: [], reason: outside.reason };
    }
    // The live locks are asked for together with the cache, so a cached read
    // stays one Redis round trip (both commands share the connection's pipeline).
    const lockedCells = this.deps.locks.lockedCells(date, employeeId);
    lockedCells.catch(() => {}); // awaited below; not an unhandled rejection if a 404 comes first
    const cached = await this.deps.cache.read(date, employeeId);
    const snap = await this.deps.catalogue.snapshot(cached?.catalogueGeneration);
    const service = Catalogue.activeService(snap, serviceId);
    const employee = Catalogue.employeeFor(snap, employeeId, serviceId);
    const [plan, locked] = await Promise.all([this.planFor(date, employee, snap, cached), lockedCells]);
    const day = availabilityOf(plan, service, snap.rules, this.now(), locked);
    return { date, employeeId, serviceId, timezone: snap.rules.timezone, ...day };
  }

  async forMonth(month: string, employeeId: number, serviceId: number): Promise<{ month: string; employeeId: number; serviceId: number; timezone: string; days: { date: string; available: number }[] }> {
    const dates = daysInMonth(month);
    const now = this.now();
    // Days outside the horizon need neither plan nor locks, nor their cache keys
    // read: the last known rules pick the days worth reading, the current ones decide.
    const latest = this.deps.catalogue.latest;
    const worthReading = latest ? dates.filter((d) => !horizonReason(d, latest.rules, now)) : dates;
    const cached = worthReading.length ? await this.deps.cache.readMany(worthReading, employeeId) : undefined;
    const catGen = cached?.values().next().value?.catalogueGeneration;
    const snap = await this.deps.catalogue.snapshot(catGen);
    const service = Catalogue.activeService(snap, serviceId);
    const employee = Catalogue.employeeFor(snap, employeeId, serviceId);

    const open = dates.filter((d) => !horizonReason(d, snap.rules, now));
    const missing = open.filter((d) => !cached?.get(d)?.plan);
    if (cached) {
      this.deps.metrics.cacheHits.inc(open.length - missing.length);
      this.deps.metrics.cacheMisses.inc(missing.length);
    }
    const computed = missing.length ? await this.computePlans(missing, employee, snap) : new Map<string, DayPlan>();
    if (cached) {
      // Only days whose generations were read before computing may be stored (a rules change can open days not read).
      await this.deps.cache.storeMany([...computed.values()].filter((p) => cached.has(p.date)).map((plan) => ({ plan, seen: cached.get(plan.date)! })));
    }
    const locks = open.length ? await this.deps.locks.lockedCellsMany(open, employeeId) : new Map<string, Set<string>>();
    const days = dates.map((date) => {
      const plan = cached?.get(date)?.plan ?? computed.get(date);
      if (!plan) return { date, available: 0 };
      const day = availabilityOf(plan, service, snap.rules, now, locks.get(date));
      return { date, available: day.slots.filter((s) => s.status === 'available').length };
    });
    return { month, employeeId, serviceId, timezone: snap.rules.timezone, days };
  }

  /**
   * The candidate for a requested start if that time can be booked now,
   * ignoring locks (the lock store checks those atomically). Throws 404 for
   * unknown service/employee and 409 slot_unavailable otherwise.
   */
  async bookableCandidate(
    date: string,
    time: string,
    employeeId: number,
    serviceId: number,
    options: { ignoreAppointmentId?: number; cached?: CachedDay } = {},
  ): Promise<{ candidate: Candidate; service: ServiceShape & { id: number; name: string }; snap: CatalogueSnapshot }> {
    const outside = options.cached ? undefined : await this.outsideHorizon(date);
    if (outside) {
      Catalogue.activeService(outside.snap, serviceId);
      Catalogue.employeeFor(outside.snap, employeeId, serviceId);
      throw fail('slot_unavailable', { date, dayReason: outside.reason });
    }
    const cached = options.cached ?? (await this.deps.cache.read(date, employeeId));
    const snap = await this.deps.catalogue.snapshot(cached?.catalogueGeneration);
    const service = Catalogue.activeService(snap, serviceId);
    const employee = Catalogue.employeeFor(snap, employeeId, serviceId);
    let plan = await this.planFor(date, employee, snap, cached);
    if (options.ignoreAppointmentId !== undefined) plan = await this.computePlan(date, employee, snap, options.ignoreAppointmentId);
    return { candidate: this.bookableIn(plan, service, snap, time), service, snap };
  }

  /**
   * The candidate at `time` in a plan already at hand, or 409 slot_unavailable:
   * the same rules as availabilityOf for the one time asked for, without
   * building the whole day. Synchronous, for the lock hot path.
   */
  bookableIn(plan: DayPlan, service: ServiceShape, snap: CatalogueSnapshot, time: string): Candidate {
    const now = this.now();
    const reason = dayReason(plan, snap.rules, now);
    const candidate = reason ? undefined : candidateAt(plan, service, snap.rules, time);
    if (!candidate || candidateStatus(candidate, plan.busy, now + snap.rules.minNoticeMinutes * MINUTE) !== 'available') {
      throw fail('slot_unavailable', reason ? { date: plan.date, dayReason: reason } : { date: plan.date, time, why: 'not_bookable' });
    }
    return candidate;
  }

  /**
   * `past_date` / `too_far_advance` before any plan, lock or cache key is
   * read: a crawler or a script walking the calendar costs no MySQL query
   * and no cached plan. The last loaded rules answer "inside the horizon"
   * without I/O (the usual case: nothing more is asked); only a date they
   * place outside is checked against the current rules (the catalogue
   * generation, one Redis GET at most), so a changed horizon counts at once.
   */
  private async outsideHorizon(date: string): Promise<{ reason: 'past_date' | 'too_far_advance'; snap: CatalogueSnapshot } | undefined> {
    const latest = this.deps.catalogue.latest;
    if (latest && !horizonReason(date, latest.rules, this.now())) return undefined;
    const snap = await this.deps.catalogue.snapshot();
    const reason = horizonReason(date, snap.rules, this.now());
    return reason ? { reason, snap } : undefined;
  }

  /** After a booking, cancellation or reschedule: this employee's day must be recomputed. */
  async invalidateDay(date: string, employeeId: number): Promise<void> {
    await this.deps.cache.invalidateDay(date, employeeId);
  }

  private async planFor(date: string, employee: StaffRecord, snap: CatalogueSnapshot, cached: CachedDay | undefined): Promise<DayPlan> {
    if (cached?.plan) {
      this.deps.metrics.cacheHits.inc();
      return cached.plan;
    }
    if (cached) this.deps.metrics.cacheMisses.inc();
    // Single flight: concurrent misses for one key share one computation.
    return this.inflight.get(`${date}:${employee.id}`) ?? this.loadDays(date, employee, snap, cached);
  }

  /**
   * A day that missed the cache, computed together with the other days of
   * its month that are not cached either (the widget's month view computes
   * the same set), from the same three queries, and all of them stored. A
   * customer who holds a time without having viewed its month (a script, a
   * link, a shared page) leaves the month cached as a month view would have:
   * holds spread over many days cost one MySQL computation per employee and
   * month instead of one per day (`npm run bench -- locks`, cold rows).
   *
   * Every stored day is checked exactly as before: its generations are read
   * before MySQL is (the acquire script read the first day's, one MGET reads
   * the others'), so a booking committed meanwhile voids the store. Stores
   * are sent before the answer but not awaited: the plan is known, and a
   * later read on the same connection is answered after them.
   */
  private async loadDays(date: string, employee: StaffRecord, snap: CatalogueSnapshot, cached: CachedDay | undefined): Promise<DayPlan> {
    const own = `${date}:${employee.id}`;
    const single = (async () => {
      // Neighbours only when the day itself can be stored (cache usable, generations read).
      const seen = cached ? await this.neighboursToLoad(date, employee.id, snap, cached.catalogueGeneration) : new Map<string, CachedDay>();
      const dates = [date, ...seen.keys()].sort(); // computePlans reads the range first..last
      const computing = this.computePlans(dates, employee, snap);
      for (const d of seen.keys()) this.share(`${d}:${employee.id}`, computing.then((plans) => plans.get(d)!));
      const plans = await computing;
      const settled = Promise.allSettled([
        cached ? this.deps.cache.storeMany([{ plan: plans.get(date)!, seen: cached }, ...[...seen].map(([d, gens]) => ({ plan: plans.get(d)!, seen: gens }))]) : undefined,
      ]);
      for (const d of dates) void settled.then(() => this.inflight.delete(`${d}:${employee.id}`));
      return plans.get(date)!;
    })();
    this.share(own, single);
    return single;
  }

  /** Registers a computation in flight (single flight across the days of one load); a failure frees the key at once. */
  private share(key: string, plan: Promise<DayPlan>): void {
    plan.catch(() => this.inflight.delete(key));
    this.inflight.set(key, plan);
  }

  /** The other days of the date's month for this employee, inside the booking horizon, neither cached nor being computed, with their generations. */
  private async neighboursToLoad(date: string, employeeId: number, snap: CatalogueSnapshot, catalogueGeneration: string): Promise<Map<string, CachedDay>> {
    const now = this.now();
    const free = (d: string) => d !== date && !horizonReason(d, snap.rules, now) && !this.inflight.has(`${d}:${employeeId}`);
    const candidates = daysInMonth(date.slice(0, 7)).filter(free);
    const out = new Map<string, CachedDay>();
    if (candidates.length === 0) return out;
    // A neighbour's catalogue generation must be the one the snapshot was cut from.
    for (const [d, day] of await this.deps.cache.missingAmong(candidates, employeeId)) if (day.catalogueGeneration === catalogueGeneration && free(d)) out.set(d, day);
    return out;
  }

  private async computePlan(date: string, employee: StaffRecord, snap: CatalogueSnapshot, ignoreAppointmentId?: number): Promise<DayPlan> {
    return (await this.computePlans([date], employee, snap, ignoreAppointmentId)).get(date)!;
  }

  /**
   * Day plans for several dates of one employee: one query (the employee's
   * appointments around them) when the snapshot holds the blackouts and time
   * off of those dates, else three.
   */
  async computePlans(dates: string[], employee: StaffRecord, snap: CatalogueSnapshot, ignoreAppointmentId?: number): Promise<Map<string, DayPlan>> {
    const first = dates[0]!;
    const last = dates[dates.length - 1]!;
    const zone = snap.rules.timezone;
    const calendar = snap.calendar && first >= snap.calendar.from ? snap.calendar : undefined;
    const [blackouts, timeOff, rows, external] = await Promise.all([
      calendar ? calendar.blackouts : this.deps.calendar.blackoutsBetween(first, last),
      calendar ? (calendar.timeOff.get(employee.id) ?? []) : this.deps.calendar.timeOffBetween(employee.id, first, last),
      // A day's busy time can start the evening before (long services, buffers over midnight).
      this.deps.appointments.holdingTimeBetween(employee.id, `${addDays(first, -1)} 00:00:00`, `${addDays(last, 2)} 00:00:00`),
      // Staff without busy calendars (the usual case) cost no fourth query.
      employee.busyCalendars.length && this.deps.busyCalendars
        ? this.deps.busyCalendars.busyBetween(employee.id, localDateTimeInstant(`${addDays(first, -1)} 00:00:00`, zone), localDateTimeInstant(`${addDays(last, 2)} 00:00:00`, zone))
        : [],
    ]);
    const busy = rows.filter((r) => r.id !== ignoreAppointmentId).map((r) => busyBlockOf(r, snap, zone));
    // Their own calendars' busy time: no booking of ours inside it (start = end), so a time there shows `unavailable`, not `booked`.
    for (const b of external) busy.push({ start: b.start, end: b.start, from: b.start, to: b.end });
    const out = new Map<string, DayPlan>();
    for (const date of dates) {
      const plan: DayPlan = { date, employeeId: employee.id, windows: [], busy: [] };
      if (blackouts.some((b) => b.startDate <= date && date <= b.endDate)) plan.reason = 'blackout';
      else if (timeOff.some((t) => t.startDate <= date && date <= t.endDate)) plan.reason = 'time_off';
      else {
        plan.windows = employee.workingHours[weekdayNameOf(date)] ?? [];
        if (plan.windows.length === 0) plan.reason = 'non_working_day';
        const dayStart = localDateTimeInstant(`${addDays(date, -1)} 00:00:00`, zone);
        const dayEnd = localDateTimeInstant(`${addDays(date, 2)} 00:00:00`, zone);
        plan.busy = busy.filter((b) => b.to > dayStart && b.from < dayEnd);
      }
      out.set(date, plan);
    }
    return out;
  }
}

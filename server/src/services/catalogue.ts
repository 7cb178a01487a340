import type { CalendarRepository, DateRange, StaffDateRange } from '../db/repositories/calendar-repository';
import type { ServiceRecord, ServicesRepository } from '../db/repositories/services-repository';
import type { StaffRecord, StaffRepository } from '../db/repositories/staff-repository';
import type { SettingsRepository, SiteRules } from '../db/repositories/settings-repository';
import type { AvailabilityCache } from '../stores/availability-cache';
import { notFound } from '../errors';
import { addDays, todayIn } from '../domain/time';

export interface CatalogueSnapshot {
  services: Map<number, ServiceRecord>;
  staff: Map<number, StaffRecord>;
  rules: SiteRules;
  /**
   * Blackout dates and every employee's time off that end on or after
   * `from`: a day plan computed for a date from `from` on needs no query for
   * them (a cache miss costs the appointments' query alone). Admin changes to
   * either bump the catalogue generation like any catalogue change. Absent in
   * hand-made snapshots: plans then read both from MySQL.
   */
  calendar?: CalendarSnapshot;
}

export interface CalendarSnapshot {
  /** Two days before the UTC date of loading: covers today in every zone. Earlier dates are read from MySQL. */
  from: string;
  blackouts: DateRange[];
  timeOff: ReadonlyMap<number, StaffDateRange[]>;
}

/** Without Redis to tell instances apart, a snapshot is trusted this long. */
export const LOCAL_SNAPSHOT_MS = 1_000;
/**
 * Even with an unchanged generation a snapshot is reloaded after this long:
 * WordPress's own time zone (Settings → General) and rows edited by the
 * original plugin change without going through our admin API.
 */
export const MAX_SNAPSHOT_MS = 60_000;

/**
 * Whether an in-process copy tagged with a Redis generation (the catalogue
 * snapshot, the active webhooks) is still good for `generation`, the one
 * Redis holds now (undefined: Redis not in use): the same generation, and
 * younger than LOCAL_SNAPSHOT_MS without Redis or MAX_SNAPSHOT_MS with it.
 */
export function stillFresh<T extends { gen: string | undefined; at: number }>(held: T | undefined, generation: string | undefined): held is T {
  if (!held || held.gen !== generation) return false;
  return Date.now() - held.at < (generation === undefined ? LOCAL_SNAPSHOT_MS : MAX_SNAPSHOT_MS);
}

/**
 * Services, staff and booking rules as one in-process snapshot, so a cached
 * availability read needs no MySQL query. The snapshot is tagged with the
 * catalogue generation in Redis; an admin change on any instance bumps it.
 */
export class Catalogue {
  private snap: { gen: string | undefined; at: number; value: CatalogueSnapshot } | undefined;
  private loading: Promise<CatalogueSnapshot> | undefined;

  constructor(
    private readonly repos: { services: ServicesRepository; staff: StaffRepository; settings: SettingsRepository; calendar: CalendarRepository },
    private readonly cache: AvailabilityCache,
  ) {}

  /**
   * The current snapshot. `generation` is the catalogue generation the caller
   * already read from Redis (saves a round trip); undefined = Redis not in use.
   */
  async snapshot(generation?: string): Promise<CatalogueSnapshot> {
    const gen = generation ?? (this.cache.usable ? await this.cache.catalogueGeneration() : undefined);
    const fresh = this.freshSnapshot(gen);
    if (fresh) return fresh;
    this.loading ??= this.load(gen).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /**
   * The last loaded snapshot, whatever its generation, without any I/O: good
   * for a first guess (is this date inside the horizon at all?), never for a
   * decision that must be current.
   */
  get latest(): CatalogueSnapshot | undefined {
    return this.snap?.value;
  }

  /**
   * The in-process snapshot if it is still good for `generation`, without any
   * I/O or promise (the lock hot path), else undefined: then call `snapshot`.
   */
  freshSnapshot(generation: string | undefined): CatalogueSnapshot | undefined {
    const s = this.snap;
    return stillFresh(s, generation) ? s.value : undefined;
  }

  private async load(gen: string | undefined): Promise<CatalogueSnapshot> {
    const from = addDays(todayIn('UTC', Date.now()), -2);
    const [services, staff, rules, calendar] = await Promise.all([
      this.repos.services.all(),
      this.repos.staff.all(),
      this.repos.settings.rules(),
      this.repos.calendar.rangesEndingFrom(from),
    ]);
    const timeOff = new Map<number, StaffDateRange[]>();
    for (const t of calendar.timeOff) timeOff.set(t.staffId, [...(timeOff.get(t.staffId) ?? []), t]);
    const value: CatalogueSnapshot = {
      services: new Map(services.map((s) => [s.id, s])),
      staff: new Map(staff.map((s) => [s.id, s])),
      rules,
      calendar: { from, blackouts: calendar.blackouts, timeOff },
    };
    const before = this.snap?.value.rules;
    this.snap = { gen, at: Date.now(), value };
    if (before && JSON.stringify(before) !== JSON.stringify(rules)) {
      // Cached day plans hold instants computed in the old zone and grid: void them everywhere.
      await this.changed();
    }
    return value;
  }

  /** After any admin change: drop the local snapshot and void every instance's cached days. */
  async changed(): Promise<void> {
    this.snap = undefined;
    await this.cache.invalidateCatalogue();
  }

  /** An active service, or 404. */
  static activeService(snap: CatalogueSnapshot, id: number): ServiceRecord {
    const s = snap.services.get(id);
    if (!s || !s.active) throw notFound(`Service ${id} not found`);
    return s;
  }

  /** An active employee who performs the service, or 404. */
  static employeeFor(snap: CatalogueSnapshot, employeeId: number, serviceId?: number): StaffRecord {
    const e = snap.staff.get(employeeId);
    if (!e || !e.active) throw notFound(`Employee ${employeeId} not found`);
    if (serviceId !== undefined && e.serviceIds.length > 0 && !e.serviceIds.includes(serviceId)) {
      throw notFound(`Employee ${employeeId} does not perform service ${serviceId}`);
    }
    return e;
  }
}

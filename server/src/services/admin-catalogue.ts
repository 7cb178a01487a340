import { inTransaction, type Pool, type PoolConnection } from '../db/pool';
import type { AppointmentsRepository } from '../db/repositories/appointments-repository';
import type { AuditRepository } from '../db/repositories/audit-repository';
import type { BusyCalendarsRepository } from '../db/repositories/busy-calendars-repository';
import type { CalendarRepository, DateRange, StaffDateRange } from '../db/repositories/calendar-repository';
import type { ServiceRecord, ServicesRepository } from '../db/repositories/services-repository';
import { type StaffRecord, type StaffRepository } from '../db/repositories/staff-repository';
import { invalid, notFound } from '../errors';
import type { Catalogue } from './catalogue';
import { minutesOf } from '../domain/time';
import { WEEKDAYS, type WeeklyHours } from '../domain/weekdays';

/** Who made a change, for the audit log. */
export interface AdminActor {
  actor: string;
  ip: string;
}

export type ServiceInput = Omit<ServiceRecord, 'id'>;
export type ServicePatch = Partial<ServiceInput>;
export type StaffInput = Omit<StaffRecord, 'id'>;
export type StaffPatch = Partial<StaffInput>;
export type DateRangeInput = Omit<DateRange, 'id'>;

interface Detail {
  field: string;
  message: string;
}

/** Total minutes a booking of the service occupies inside a working window. */
const footprint = (s: Pick<ServiceRecord, 'duration' | 'bufferBefore' | 'bufferAfter'>) => s.duration + s.bufferBefore + s.bufferAfter;

/** The longest single working window of the week in minutes, or undefined when the person has no hours at all. */
export function longestWindow(hours: WeeklyHours): number | undefined {
  let best: number | undefined;
  for (const day of WEEKDAYS) {
    for (const w of hours[day] ?? []) {
      const len = minutesOf(w.end) - minutesOf(w.start);
      best = best === undefined ? len : Math.max(best, len);
    }
  }
  return best;
}

/**
 * Catalogue administration: services, staff with their weekly hours and
 * services, time off and blackout dates. Every write validates completely
 * before it touches a row, runs in one transaction together with its audit
 * row, and afterwards voids every cached availability (catalogue generation).
 *
 * Deleting a service or an employee that appointments refer to only
 * deactivates it (active = 0): their history stays readable and the public
 * catalogue no longer offers them. Otherwise the row is removed.
 */
export class AdminCatalogue {
  constructor(
    private readonly deps: {
      pool: Pool;
      catalogue: Catalogue;
      repos: {
        services: ServicesRepository;
        staff: StaffRepository;
        calendar: CalendarRepository;
        appointments: AppointmentsRepository;
        audit: AuditRepository;
        busyCalendars: BusyCalendarsRepository;
      };
      /** Busy calendar URLs (CONTRACT §13): the save-time check (422) and an early sync after one is added. */
      calendars?: { checkUrls(urls: readonly string[]): Promise<string[]>; requestRun(): Promise<void> };
    },
  ) {}

  private get repos() {
    return this.deps.repos;
  }

  /**
   * One transaction for the change and its audit row; cached availability is voided after the commit.
   * REPEATABLE READ: a change writes back a whole record it read (`before` and the patch) and checks
   * its fit against rows it read, all from one snapshot; MariaDB ≥ 11.6 then turns an edit committed
   * meanwhile into a retry (1020) where READ COMMITTED would overwrite it. Admin changes are rare:
   * the SET TRANSACTION this costs does not matter.
   */
  private async change<T>(work: (conn: PoolConnection) => Promise<T>): Promise<T> {
    const result = await inTransaction(this.deps.pool, work, { name: 'admin.catalogue', isolation: 'REPEATABLE READ' });
    await this.deps.catalogue.changed();
    return result;
  }

  // ---- services ----

  listServices(): Promise<ServiceRecord[]> {
    return this.repos.services.all();
  }

  async createService(input: ServiceInput, who: AdminActor): Promise<ServiceRecord> {
    return this.change(async (conn) => {
      const id = await this.repos.services.insert(input, conn);
      // A new service has no explicitly linked staff yet: nothing to fit against.
      const service = { id, ...input };
      await this.audit(who, 'create', 'service', id, { after: service }, conn);
      return service;
    });
  }

  async updateService(id: number, patch: ServicePatch, who: AdminActor): Promise<ServiceRecord> {
    return this.change(async (conn) => {
      const before = await this.repos.services.byId(id, conn);
      if (!before) throw notFound(`Service ${id} not found`);
      const after: ServiceRecord = { ...before, ...patch, id };
      if (footprint(after) > 24 * 60) {
        throw invalid('Duration plus buffers must fit into one day', [{ field: 'duration', message: 'duration plus buffers must fit into one day (1440 minutes)' }]);
      }
      await this.checkServiceFits(after, conn);
      await this.repos.services.update(after, conn);
      await this.audit(who, 'update', 'service', id, { before, after }, conn);
      return after;
    });
  }

  /** Returns whether the row was removed (true) or only deactivated because appointments refer to it. */
  async deleteService(id: number, who: AdminActor): Promise<{ removed: boolean }> {
    return this.change(async (conn) => {
      const before = await this.repos.services.byId(id, conn);
      if (!before) throw notFound(`Service ${id} not found`);
      const referenced = await this.repos.appointments.isReferenced('service_id', id, conn);
      if (referenced) await this.repos.services.update({ ...before, active: false }, conn);
      else await this.repos.services.remove(id, conn);
      await this.audit(who, referenced ? 'deactivate' : 'delete', 'service', id, { before }, conn);
      return { removed: !referenced };
    });
  }

  /**
   * A service nobody can ever fit into their day is a mistake worth refusing:
   * every active employee explicitly linked to it must have at least one
   * working window long enough for duration plus buffers. Employees linked to
   * no service (= all services) are not checked here, or no long service
   * could ever be created while they exist; link them explicitly to be checked.
   */
  private async checkServiceFits(service: ServiceRecord, conn: PoolConnection): Promise<void> {
    if (!service.active) return;
    const details: Detail[] = [];
    for (const member of await this.repos.staff.all(conn)) {
      if (!member.active || !member.serviceIds.includes(service.id)) continue;
      const longest = longestWindow(member.workingHours);
      if (longest !== undefined && footprint(service) > longest) {
        details.push({
          field: 'duration',
          message: `"${service.name}" needs ${footprint(service)} minutes (duration plus buffers), but the longest working window of ${member.name} (employee ${member.id}) is ${longest} minutes`,
        });
      }
    }
    if (details.length) throw invalid('The service would not fit into any working window of an employee who performs it', details);
  }

  // ---- staff ----

  listStaff(): Promise<StaffRecord[]> {
    return this.repos.staff.all();
  }

  async createStaff(input: StaffInput, who: AdminActor): Promise<StaffRecord> {
    const busyCalendars = await this.checkCalendars(input.busyCalendars);
    const member = await this.change(async (conn) => {
      await this.checkStaffServices(input, conn);
      const id = await this.repos.staff.insert(input, conn);
      await this.repos.busyCalendars.replaceCalendars(id, busyCalendars, conn);
      const member = { id, ...input, serviceIds: [...new Set(input.serviceIds)].sort((a, b) => a - b), busyCalendars };
      await this.audit(who, 'create', 'staff', id, { after: member }, conn);
      return member;
    });
    if (busyCalendars.length) await this.deps.calendars?.requestRun();
    return member;
  }

  async updateStaff(id: number, patch: StaffPatch, who: AdminActor): Promise<StaffRecord> {
    const busyCalendars = patch.busyCalendars === undefined ? undefined : await this.checkCalendars(patch.busyCalendars);
    let added = 0;
    const member = await this.change(async (conn) => {
      const before = await this.repos.staff.byId(id, conn);
      if (!before) throw notFound(`Employee ${id} not found`);
      const after: StaffRecord = { ...before, ...patch, id, busyCalendars: busyCalendars ?? before.busyCalendars };
      after.serviceIds = [...new Set(after.serviceIds)].sort((a, b) => a - b);
      await this.checkStaffServices(after, conn);
      await this.repos.staff.update(after, conn);
      if (busyCalendars) added = (await this.repos.busyCalendars.replaceCalendars(id, busyCalendars, conn)).added;
      await this.audit(who, 'update', 'staff', id, { before, after }, conn);
      return after;
    });
    if (added) await this.deps.calendars?.requestRun();
    return member;
  }

  /** At most 3 http(s) URLs the outbound rule allows (422 `invalid_calendar_url` otherwise), without duplicates. */
  private async checkCalendars(urls: readonly string[]): Promise<string[]> {
    if (urls.length === 0) return [];
    if (!this.deps.calendars) throw invalid('Busy calendars are not available here');
    return this.deps.calendars.checkUrls(urls);
  }

  async deleteStaff(id: number, who: AdminActor): Promise<{ removed: boolean }> {
    return this.change(async (conn) => {
      const before = await this.repos.staff.byId(id, conn);
      if (!before) throw notFound(`Employee ${id} not found`);
      const referenced = await this.repos.appointments.isReferenced('employee_id', id, conn);
      if (referenced) await this.repos.staff.update({ ...before, active: false }, conn);
      else {
        await this.repos.busyCalendars.removeEmployee(id, conn);
        await this.repos.staff.remove(id, conn);
      }
      await this.audit(who, referenced ? 'deactivate' : 'delete', 'staff', id, { before }, conn);
      return { removed: !referenced };
    });
  }

  /** Every listed service must exist, and each active one must fit into one of the employee's windows. */
  private async checkStaffServices(member: Pick<StaffRecord, 'serviceIds' | 'workingHours' | 'active'>, conn: PoolConnection): Promise<void> {
    const details: Detail[] = [];
    const wanted = [...new Set(member.serviceIds)];
    const found = await this.repos.services.existing(wanted, conn);
    member.serviceIds.forEach((sid, i) => {
      if (!found.has(sid)) details.push({ field: `serviceIds.${i}`, message: `Service ${sid} does not exist` });
    });
    const longest = longestWindow(member.workingHours);
    if (member.active && longest !== undefined) {
      for (const sid of wanted.filter((s) => found.has(s))) {
        const service = await this.repos.services.byId(sid, conn);
        if (service?.active && footprint(service) > longest) {
          details.push({
            field: 'workingHours',
            message: `Service ${sid} ("${service.name}") needs ${footprint(service)} minutes (duration plus buffers), longer than any working window here (longest ${longest} minutes)`,
          });
        }
      }
    }
    if (details.length) throw invalid(details[0]!.message, details);
  }

  // ---- time off ----

  async listTimeOff(staffId: number): Promise<StaffDateRange[]> {
    if (!(await this.repos.staff.exists(staffId))) throw notFound(`Employee ${staffId} not found`);
    return this.repos.calendar.timeOffOf(staffId);
  }

  async addTimeOff(staffId: number, input: DateRangeInput, who: AdminActor): Promise<StaffDateRange> {
    return this.change(async (conn) => {
      if (!(await this.repos.staff.exists(staffId, conn))) throw notFound(`Employee ${staffId} not found`);
      const id = await this.repos.calendar.addTimeOff(staffId, input, conn);
      const timeOff = { id, staffId, ...input };
      await this.audit(who, 'create', 'time_off', id, { after: timeOff }, conn);
      return timeOff;
    });
  }

  async removeTimeOff(staffId: number, id: number, who: AdminActor): Promise<void> {
    await this.change(async (conn) => {
      const before = await this.repos.calendar.timeOffById(staffId, id, conn);
      if (!before) throw notFound(`Time off ${id} of employee ${staffId} not found`);
      await this.repos.calendar.removeTimeOff(id, conn);
      await this.audit(who, 'delete', 'time_off', id, { before }, conn);
    });
  }

  // ---- blackout dates ----

  listBlackouts(): Promise<DateRange[]> {
    return this.repos.calendar.allBlackouts();
  }

  async addBlackout(input: DateRangeInput, who: AdminActor): Promise<DateRange> {
    return this.change(async (conn) => {
      const id = await this.repos.calendar.addBlackout(input, conn);
      const blackout = { id, ...input };
      await this.audit(who, 'create', 'blackout_date', id, { after: blackout }, conn);
      return blackout;
    });
  }

  async removeBlackout(id: number, who: AdminActor): Promise<void> {
    await this.change(async (conn) => {
      const before = await this.repos.calendar.blackoutById(id, conn);
      if (!before) throw notFound(`Blackout date ${id} not found`);
      await this.repos.calendar.removeBlackout(id, conn);
      await this.audit(who, 'delete', 'blackout_date', id, { before }, conn);
    });
  }

  private audit(who: AdminActor, action: string, entity: string, entityId: number, details: Record<string, unknown>, conn: PoolConnection) {
    return this.repos.audit.record({ actor: who.actor, action, entity, entityId, details, ip: who.ip }, conn);
  }
}

import type { AuditRepository } from '../db/repositories/audit-repository';
import { isReleased, type CustomerAppointmentsRepository } from '../db/repositories/customer-appointments-repository';
import type { AppointmentRow, AppointmentsRepository } from '../db/repositories/appointments-repository';
import { WEEKDAYS } from '../db/repositories/staff-repository';
import { inTransaction, type Pool } from '../db/pool';
import { AppError, notFound } from '../errors';
import type { Mailer } from '../mail/mailer';
import type { SlotEventHub } from '../realtime/events';
import { appointmentView, type AppointmentView } from './booking';
import { busyBlockOf, type AvailabilityService } from './availability';
import type { Catalogue, CatalogueSnapshot } from './catalogue';
import { candidateAt } from './slot-grid';
import { wallClock, weekdayOf } from './time';

/**
 * A customer's own appointments (CONTRACT §6). The customer is the session's
 * email and nothing else: every lookup is scoped by it, so another person's
 * reference is indistinguishable from one that does not exist.
 */
export class SelfService {
  constructor(
    private readonly deps: {
      pool: Pool;
      appointments: AppointmentsRepository;
      customerAppointments: CustomerAppointmentsRepository;
      audit: AuditRepository;
      catalogue: Catalogue;
      availability: AvailabilityService;
      hub: SlotEventHub;
      mailer: Pick<Mailer, 'cancelled'>;
      now?: () => number;
    },
  ) {}

  /** Newest first, past and future, cancelled ones included (with their status). */
  async list(email: string): Promise<AppointmentView[]> {
    const [rows, snap] = await Promise.all([this.deps.customerAppointments.listByEmail(email), this.deps.catalogue.snapshot()]);
    return rows.map((r) => view(r, snap));
  }

  async get(email: string, reference: string): Promise<AppointmentView> {
    const row = await this.deps.appointments.byReferenceForCustomer(reference, email);
    if (!row) throw notFound('No such appointment');
    return view(row, await this.deps.catalogue.snapshot());
  }

  /**
   * Cancels and frees the time at once: the day's cached availability is
   * voided and subscribers hear `slot_released`. Cancelling again answers the
   * same; an appointment that has already started cannot be cancelled.
   */
  async cancel(email: string, reference: string, clientIp: string): Promise<AppointmentView> {
    const snap = await this.deps.catalogue.snapshot();
    const now = this.deps.now?.() ?? Date.now();
    const result = await inTransaction(this.deps.pool, async (conn) => {
      const row = await this.deps.appointments.byReferenceForCustomer(reference, email, conn);
      if (!row) throw notFound('No such appointment');
      if (isReleased(row.status)) return { row, changed: false };
      if (busyBlockOf(row, snap, snap.rules.timezone).start <= now) {
        throw new AppError(409, 'appointment_started', 'This appointment has already started and can no longer be cancelled');
      }
      await this.deps.customerAppointments.markCancelled(Number(row.id), conn);
      await this.deps.audit.record(
        { actor: 'customer', action: 'appointment.cancel', entity: 'appointment', entityId: row.strong_id, details: { by: 'customer', previousStatus: row.status }, ip: clientIp },
        conn,
      );
      return { row: { ...row, status: 'cancelled' }, changed: true };
    });
    if (result.changed) await this.released(result.row, snap);
    return view(result.row, snap);
  }

  /** After an appointment stops holding its time: recompute the day and tell subscribers. */
  private async released(row: AppointmentRow, snap: CatalogueSnapshot): Promise<void> {
    const shown = view(row, snap);
    if (shown.employeeId != null) {
      const zone = snap.rules.timezone;
      const block = busyBlockOf(row, snap, zone);
      // Buffers may reach into the neighbouring days, whose plans hold this appointment too.
      const days = new Set([wallClock(block.from, zone).date, shown.date, wallClock(block.to - 1, zone).date]);
      await Promise.all([...days].map((d) => this.deps.availability.invalidateDay(d, shown.employeeId!)));
      this.deps.hub.publish({
        type: 'slot_released',
        reason: 'cancelled',
        date: shown.date,
        time: shown.time,
        times: cellsOf(row, snap),
        employeeId: shown.employeeId,
        serviceId: shown.serviceId ?? undefined,
      });
    }
    this.deps.mailer.cancelled(row);
  }
}

/** The customer sees their own email; everything else is the booking's view. */
const view = (row: AppointmentRow, snap: CatalogueSnapshot) => appointmentView(row, snap, { withEmail: true });

/** The grid cells an appointment covered (the lock's cells), for the event's `times`. */
export function cellsOf(row: AppointmentRow, snap: CatalogueSnapshot): string[] {
  const zone = snap.rules.timezone;
  const { start } = busyBlockOf(row, snap, zone);
  const local = wallClock(start, zone);
  const service = row.service_id == null ? undefined : snap.services.get(Number(row.service_id));
  const employee = row.employee_id == null ? undefined : snap.staff.get(Number(row.employee_id));
  if (!service || !employee) return [local.time];
  const windows = employee.workingHours[WEEKDAYS[weekdayOf(local.date)]!] ?? [];
  return candidateAt({ date: local.date, windows }, service, snap.rules, local.time)?.cells ?? [local.time];
}

import { inTransaction, type Pool } from '../db/pool';
import { isFinished, isReleased, type AppointmentRow, type AppointmentsRepository } from '../db/repositories/appointments-repository';
import type { AuditRepository } from '../db/repositories/audit-repository';
import { fail, invalid, notFound } from '../errors';
import type { SlotEventHub } from '../realtime/events';
import type { AdminActor } from './admin-catalogue';
import { appointmentView, type AppointmentView } from './booking';
import { invalidateDaysOf, releaseAppointmentTime } from './appointment-time';
import type { AvailabilityService } from './availability';
import type { BookingOutbox, OutboxWrites } from './booking-outbox';
import type { Catalogue, CatalogueSnapshot } from './catalogue';
import { addDays } from '../domain/time';

export const ADMIN_STATUSES = ['confirmed', 'pending', 'completed', 'cancelled', 'no-show'] as const;
export type AdminStatus = (typeof ADMIN_STATUSES)[number];

/** The longest range one listing may cover, and the most rows it returns. */
export const MAX_LIST_DAYS = 366;
const MAX_LIST_ROWS = 5_000;

/** The customer's view of CONTRACT §6 plus what only admins see. */
export interface AdminAppointment extends Omit<AppointmentView, 'reference' | 'email'> {
  reference: string | null;
  email: string;
  employeeName: string | null;
  serviceName: string | null;
  phone: string | null;
  notes: string | null;
  createdAt: string | null;
}

/**
 * The administrators' view of appointments: all statuses, with the
 * customer's contact data (admins may see it; the public API never shows it),
 * and status changes. A cancellation frees the time at once: the day's
 * cached availability is voided and subscribers hear `slot_released`.
 */
export class AdminAppointments {
  constructor(
    private readonly deps: {
      pool: Pool;
      catalogue: Catalogue;
      availability: AvailabilityService;
      hub: SlotEventHub;
      repos: { appointments: AppointmentsRepository; audit: AuditRepository };
      /** The customer hears about a cancellation made in wp-admin too. */
      mailer: { cancelled(row: AppointmentRow): void };
      /** A cancellation's webhook event and dropped reminders, in the status change's transaction (CONTRACT §12). */
      outbox: Pick<BookingOutbox, 'webhooks' | 'cancelled' | 'ended' | 'committed'>;
    },
  ) {}

  async list(from: string, to: string, employeeId: number | undefined): Promise<AdminAppointment[]> {
    if (to < from) throw invalid('"to" is before "from"', [{ field: 'to', message: 'must not be before from' }]);
    if (to > addDays(from, MAX_LIST_DAYS - 1)) throw invalid(`At most ${MAX_LIST_DAYS} days per listing`, [{ field: 'to', message: `at most ${MAX_LIST_DAYS} days after from` }]);
    const snap = await this.deps.catalogue.snapshot();
    const rows = await this.deps.repos.appointments.adminList(`${from} 00:00:00`, `${addDays(to, 1)} 00:00:00`, employeeId, MAX_LIST_ROWS);
    return rows.map((r) => viewOf(r, snap));
  }

  async setStatus(reference: string, status: AdminStatus, who: AdminActor): Promise<AdminAppointment> {
    // Before the transaction: a cancellation's webhook body is the appointment's view, and whom it goes to.
    const [snap, webhooks] = await Promise.all([this.deps.catalogue.snapshot(), this.deps.outbox.webhooks()]);
    // READ COMMITTED (the pool's level): everything hangs on the appointment's row, locked first.
    const { row, changed, outbox } = await inTransaction(this.deps.pool, async (conn) => {
      const row = await this.deps.repos.appointments.adminFind(reference, conn);
      if (!row) throw notFound(`Appointment ${reference} not found`);
      if (row.status === status) return { row, changed: false, outbox: null };
      // Bringing a cancelled appointment back could overlap a booking made since;
      // that check belongs to the booking path, so a new booking is the way back.
      if (isReleased(row.status) && !isReleased(status)) {
        throw fail('invalid_transition');
      }
      await this.deps.repos.appointments.adminSetStatus(row.id, status, conn);
      await this.deps.repos.audit.record(
        { actor: who.actor, action: 'set_status', entity: 'appointment', entityId: row.strong_id ?? row.id, details: { from: row.status, to: status }, ip: who.ip },
        conn,
      );
      const changedRow = { ...row, status };
      let outbox: OutboxWrites | null = null;
      if (isReleased(status)) outbox = await this.deps.outbox.cancelled(conn, webhooks, changedRow, snap);
      else if (isFinished(status)) outbox = await this.deps.outbox.ended(conn, row.id);
      return { row: changedRow, changed: true, outbox };
    }, { name: 'admin.appointment_status' });
    if (outbox) this.deps.outbox.committed(outbox);
    const view = viewOf(row, snap);
    if (changed && row.employee_id != null) await this.afterChange(row, snap, isReleased(status));
    return view;
  }

  private async afterChange(row: AppointmentRow, snap: CatalogueSnapshot, released: boolean): Promise<void> {
    if (!released) return invalidateDaysOf(this.deps.availability, row, snap);
    await releaseAppointmentTime(this.deps, row, snap, 'cancelled');
    this.deps.mailer.cancelled(row);
  }
}

function viewOf(r: AppointmentRow, snap: CatalogueSnapshot): AdminAppointment {
  const base = appointmentView(r, snap, { withEmail: true });
  return {
    ...base,
    // Rows from the original plugin may have no reference; admins address them by id.
    reference: r.strong_id ?? null,
    email: r.email,
    employeeName: base.employeeId == null ? null : (snap.staff.get(base.employeeId)?.name ?? null),
    serviceName: base.serviceId == null ? null : (snap.services.get(base.serviceId)?.name ?? null),
    phone: r.phone ?? null,
    notes: r.notes ?? null,
    createdAt: r.created_at ?? null,
  };
}

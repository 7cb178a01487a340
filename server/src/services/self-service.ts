import type { AuditRepository } from '../db/repositories/audit-repository';
import { isReleased } from '../db/repositories/appointments-repository';
import type { CustomerAppointmentsRepository } from '../db/repositories/customer-appointments-repository';
import type { AppointmentRow, AppointmentsRepository } from '../db/repositories/appointments-repository';
import { inTransaction, type Pool } from '../db/pool';
import { fail, notFound } from '../errors';
import type { Mailer } from '../mail/mailer';
import type { SlotEventHub } from '../realtime/events';
import { releaseAppointmentTime } from './appointment-time';
import { appointmentView, type AppointmentView } from './booking';
import { busyBlockOf } from '../domain/busy-blocks';
import type { AvailabilityService } from './availability';
import type { BookingOutbox } from './booking-outbox';
import type { Catalogue, CatalogueSnapshot } from './catalogue';

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
      outbox: Pick<BookingOutbox, 'webhooks' | 'cancelled' | 'committed'>;
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
    const [snap, webhooks] = await Promise.all([this.deps.catalogue.snapshot(), this.deps.outbox.webhooks()]);
    const now = this.deps.now?.() ?? Date.now();
    // READ COMMITTED (the pool's level): everything hangs on the appointment's row, locked first.
    const result = await inTransaction(this.deps.pool, async (conn) => {
      const row = await this.deps.appointments.byReferenceForCustomer(reference, email, conn);
      if (!row) throw notFound('No such appointment');
      if (isReleased(row.status)) return { row, changed: false as const };
      if (busyBlockOf(row, snap, snap.rules.timezone).start <= now) {
        throw fail('appointment_started', 'cancel');
      }
      await this.deps.customerAppointments.markCancelled(Number(row.id), conn);
      await this.deps.audit.record(
        { actor: 'customer', action: 'appointment.cancel', entity: 'appointment', entityId: row.strong_id, details: { by: 'customer', previousStatus: row.status }, ip: clientIp },
        conn,
      );
      const cancelled = { ...row, status: 'cancelled' };
      const outbox = await this.deps.outbox.cancelled(conn, webhooks, cancelled, snap);
      return { row: cancelled, changed: true as const, outbox };
    }, { name: 'appointment.cancel' });
    if (result.changed) this.deps.outbox.committed(result.outbox);
    if (result.changed) await this.released(result.row, snap);
    return view(result.row, snap);
  }

  /** After an appointment stops holding its time: recompute the days, tell subscribers, mail the customer. */
  private async released(row: AppointmentRow, snap: CatalogueSnapshot): Promise<void> {
    await releaseAppointmentTime(this.deps, row, snap, 'cancelled');
    this.deps.mailer.cancelled(row);
  }
}

/** The customer sees their own email; everything else is the booking's view. */
const view = (row: AppointmentRow, snap: CatalogueSnapshot) => appointmentView(row, snap, { withEmail: true });

import { createHash, randomInt } from 'node:crypto';
import type { AppointmentView } from '../contract';
import { isDuplicateKey } from '../db/errors';
import { inTransaction, type Pool, type PoolConnection, type TransactionOptions } from '../db/pool';
import { isFinished, isReleased, type AppointmentRow, type AppointmentsRepository } from '../db/repositories/appointments-repository';
import type { AuditRepository } from '../db/repositories/audit-repository';
import type { BusyCalendarsRepository } from '../db/repositories/busy-calendars-repository';
import { AppError, fail, notFound } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { SlotEventHub } from '../realtime/events';
import type { LockInfo } from '../stores/lock-store';
import { releaseAppointmentTime } from './appointment-time';
import { busyBlockOf } from '../domain/busy-blocks';
import type { AvailabilityService } from './availability';
import type { BookingOutbox, OutboxWrites } from './booking-outbox';
import { Catalogue, type CatalogueSnapshot } from './catalogue';
import type { LockService } from './locks';
import { addDays, isoUtc, localInstant, minutesOf, toLocalSql, wallClock } from '../domain/time';

const MINUTE = 60_000;

/**
 * Bookings and moves serialise on row locks they take explicitly (customer,
 * staff); READ COMMITTED spares them the gap locks that made bookings of
 * different employees deadlock one another (Issue 11).
 */
const BOOKING_TRANSACTION: TransactionOptions = { name: 'booking', isolation: 'READ COMMITTED' };
const RESCHEDULE_TRANSACTION: TransactionOptions = { name: 'reschedule', isolation: 'READ COMMITTED' };

/** The appointment as CONTRACT §6 shows it; `email` only to its owner. */
/** An appointment as its customer sees it (contract.ts, shared with the widget). */
export type { AppointmentView } from '../contract';

export function appointmentView(row: AppointmentRow, snap: CatalogueSnapshot, options: { withEmail: boolean }): AppointmentView {
  const zone = snap.rules.timezone;
  const block = busyBlockOf(row, snap, zone);
  const view: AppointmentView = {
    id: Number(row.id),
    reference: String(row.strong_id ?? ''),
    date: row.appointment_date.slice(0, 10),
    time: row.appointment_date.slice(11, 16),
    endTime: wallClock(block.end, zone).time,
    start: isoUtc(block.start),
    end: isoUtc(block.end),
    employeeId: row.employee_id == null ? null : Number(row.employee_id),
    serviceId: row.service_id == null ? null : Number(row.service_id),
    status: row.status ?? 'confirmed',
    name: row.name,
  };
  if (options.withEmail) view.email = row.email;
  return view;
}

export interface BookingInput {
  email: string;
  lockToken: string;
  date: string;
  time: string;
  employeeId: number;
  serviceId: number;
  name: string;
  phone?: string;
  notes?: string;
  idempotencyKey?: string;
  ip: string;
}

export interface RescheduleInput {
  reference: string;
  email: string;
  lockToken: string;
  date: string;
  time: string;
  employeeId?: number;
  ip: string;
}

/** What the hooks (confirmation mail, …) get after a commit. */
export interface BookedEvent {
  appointment: AppointmentView & { email: string };
  row: AppointmentRow;
  snap: CatalogueSnapshot;
}
export interface RescheduledEvent extends BookedEvent {
  from: { date: string; time: string; employeeId: number | null };
}

/** The busy interval a booking would occupy. */
interface Placement {
  start: number;
  end: number;
  from: number;
  to: number;
  startLocal: string;
  endLocal: string;
}

/**
 * Booking and rescheduling (CONTRACT §6). A valid lock is required, but the
 * database is the final guard: one transaction per employee at a time (the
 * staff row locked FOR UPDATE) checks every non-cancelled appointment,
 * buffers included, before inserting. So even two valid tokens for one time
 * (possible across a Redis outage) end with one appointment and a 409.
 */
export class BookingService {
  /** Called after a booking committed (deps.ts attaches the confirmation and reschedule mails). Errors are logged, never thrown. */
  readonly onBooked: ((e: BookedEvent) => void | Promise<void>)[] = [];
  readonly onRescheduled: ((e: RescheduledEvent) => void | Promise<void>)[] = [];

  constructor(
    private readonly deps: {
      pool: Pool;
      appointments: AppointmentsRepository;
      audit: AuditRepository;
      /** The staff's own calendars' busy time (CONTRACT §13): refused here from MySQL, whatever the cache says. */
      busyCalendars?: Pick<BusyCalendarsRepository, 'busyBetween'>;
      catalogue: Catalogue;
      availability: AvailabilityService;
      locks: LockService;
      hub: SlotEventHub;
      metrics: Metrics;
      logger: Logger;
      /** Webhook events and reminders, written in the booking's transaction (CONTRACT §12). */
      outbox: BookingOutbox;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  async book(input: BookingInput): Promise<{ appointment: AppointmentView; replayed: boolean }> {
    const [snap, webhooks] = await Promise.all([this.deps.catalogue.snapshot(), this.deps.outbox.webhooks()]);
    const service = Catalogue.activeService(snap, input.serviceId);
    Catalogue.employeeFor(snap, input.employeeId, input.serviceId);

    // Keys are scoped to the customer: one client's key can never reveal or block another's booking.
    const storedKey = input.idempotencyKey ? sha256(`${input.email}\n${input.idempotencyKey}`) : null;
    const bodyHash = storedKey ? sha256(JSON.stringify([input.email, input.lockToken, input.date, input.time, input.employeeId, input.serviceId, input.name, input.phone ?? null, input.notes ?? null])) : null;
    // A retry of a booking that went through finds its hold consumed (or its time begun): only a
    // refusal looks the key up, here or after the transaction (a retry racing the first is refused
    // there behind the customer's lock), so a first attempt pays no read for it.
    let lock: LockInfo;
    let at: Placement;
    try {
      lock = await this.deps.locks.verifyForBooking({ date: input.date, time: input.time, employeeId: input.employeeId, serviceId: input.serviceId, lockToken: input.lockToken });
      at = this.placement(input.date, input.time, service, snap);
    } catch (err) {
      const earlier = storedKey && err instanceof AppError ? await this.deps.appointments.byIdempotencyKey(storedKey) : undefined;
      if (earlier) return this.replay(earlier, bodyHash!, snap);
      if (err instanceof AppError) this.deps.metrics.bookings.inc({ outcome: err.code });
      throw err;
    }

    let outcome: { row: AppointmentRow; outbox: OutboxWrites };
    try {
      outcome = await inTransaction(this.deps.pool, async (conn): Promise<{ row: AppointmentRow; outbox: OutboxWrites }> => {
        // Customer first, then employee: every path takes them in this order, so they cannot deadlock.
        // The customer's lock also orders a retry after the attempt it repeats: that one has committed
        // by now, so the retry is refused (its own time is taken, or its key is a duplicate) and the
        // refusal below finds the key and replays; a first attempt reads nothing for it.
        await this.deps.appointments.lockCustomer(conn, input.email);
        const now = await this.deps.appointments.lockEmployee(conn, input.employeeId);
        if (!now) throw notFound(`Employee ${input.employeeId} not found`);
        // Every plain read after both locks: on a server that keeps its default REPEATABLE READ (db/pool.ts),
        // the first one fixes the snapshot the others read, and one taken while waiting for the staff row
        // would hide the appointment its previous holder committed — the overlap check would pass it by.
        await this.assertUnderCap(conn, input.email, snap);
        await this.assertFree(conn, input.employeeId, input.date, at, snap);
        const customerId = await this.deps.appointments.upsertCustomer(conn, { email: input.email, name: input.name, phone: input.phone ?? null });
        // The row as inserted, known without reading it back (for the answer, the hooks and the webhook body).
        const row = await this.insertWithReference(conn, snap, {
          name: input.name,
          email: input.email,
          phone: input.phone ?? null,
          notes: input.notes ?? null,
          startLocal: at.startLocal,
          endLocal: at.endLocal,
          serviceId: input.serviceId,
          employeeId: input.employeeId,
          customerId,
          totalAmount: service.price,
          idempotencyKey: storedKey,
          idempotencyHash: bodyHash,
          bufferBefore: service.bufferBefore,
          bufferAfter: service.bufferAfter,
          createdAt: now,
        });
        await this.deps.audit.record(
          { actor: 'customer', action: 'appointment.booked', entity: 'appointment', entityId: row.id, details: { date: input.date, time: input.time, employeeId: input.employeeId, serviceId: input.serviceId, lockStore: lock.store }, ip: input.ip },
          conn,
        );
        return { row, outbox: await this.deps.outbox.booked(conn, webhooks, row, snap, at) };
      }, BOOKING_TRANSACTION);
    } catch (err) {
      if (storedKey && (isDuplicateKey(err, 'idempotency_key') || err instanceof AppError)) {
        // The same key committed meanwhile (this request's retry racing it, on this or another employee).
        const earlier = await this.deps.appointments.byIdempotencyKey(storedKey);
        if (earlier) return this.replay(earlier, bodyHash!, snap);
      }
      if (err instanceof AppError) this.deps.metrics.bookings.inc({ outcome: err.code });
      throw err;
    }

    this.deps.outbox.committed(outcome.outbox);
    const row = outcome.row;
    const appointment = appointmentView(row, snap, { withEmail: true }) as AppointmentView & { email: string };
    this.deps.metrics.bookings.inc({ outcome: 'booked' });
    await this.afterCommit(lock, input.lockToken, [[input.date, input.employeeId]]);
    this.deps.hub.publish({ type: 'slot_booked', date: input.date, time: input.time, times: lock.times, employeeId: input.employeeId, serviceId: input.serviceId });
    this.runHooks(this.onBooked, { appointment, row, snap });
    return { appointment, replayed: false };
  }

  /**
   * Moves a customer's appointment to a time they hold a lock on (same
   * service; optionally another employee). Same guard as booking: both staff
   * rows locked, overlap checked against everything but the appointment itself.
   */
  async reschedule(input: RescheduleInput): Promise<AppointmentView> {
    const current = await this.deps.appointments.byReferenceForCustomer(input.reference, input.email);
    if (!current) throw notFound('No such appointment');
    const [snap, webhooks] = await Promise.all([this.deps.catalogue.snapshot(), this.deps.outbox.webhooks()]);
    this.assertMovable(current, snap);
    const serviceId = Number(current.service_id);
    const service = Catalogue.activeService(snap, serviceId);
    const employeeId = input.employeeId ?? Number(current.employee_id);
    Catalogue.employeeFor(snap, employeeId, serviceId);

    const lock = await this.verifyLock(input.date, input.time, employeeId, serviceId, input.lockToken);
    let at: Placement;
    try {
      at = this.placement(input.date, input.time, service, snap);
    } catch (err) {
      if (err instanceof AppError) this.deps.metrics.bookings.inc({ outcome: err.code });
      throw err;
    }
    const oldEmployee = current.employee_id == null ? null : Number(current.employee_id);

    let outcome: { row: AppointmentRow; outbox: OutboxWrites };
    try {
      outcome = await inTransaction(this.deps.pool, async (conn): Promise<{ row: AppointmentRow; outbox: OutboxWrites }> => {
        // Both employees' rows, in id order, so two opposite moves cannot deadlock.
        let now: string | undefined;
        for (const emp of [...new Set([employeeId, oldEmployee ?? employeeId])].sort((a, b) => a - b)) {
          const lockedAt = await this.deps.appointments.lockEmployee(conn, emp);
          if (!lockedAt && emp === employeeId) throw notFound(`Employee ${emp} not found`);
          now ??= lockedAt;
        }
        const row = await this.deps.appointments.byReferenceForCustomer(input.reference, input.email, conn);
        if (!row) throw notFound('No such appointment');
        // Again on the locked row: a cancellation or the start may have come in meanwhile.
        this.assertMovable(row, snap);
        await this.assertFree(conn, employeeId, input.date, at, snap, row.id);
        // The row as moved, known without reading it back (for the answer, the hooks and the webhook body).
        const moved = await this.deps.appointments.reschedule(conn, row, {
          startLocal: at.startLocal,
          endLocal: at.endLocal,
          employeeId,
          bufferBefore: service.bufferBefore,
          bufferAfter: service.bufferAfter,
          now: now!,
        });
        await this.deps.audit.record(
          { actor: 'customer', action: 'appointment.rescheduled', entity: 'appointment', entityId: row.id, details: { from: row.appointment_date, fromEmployeeId: oldEmployee, to: at.startLocal, employeeId }, ip: input.ip },
          conn,
        );
        return { row: moved, outbox: await this.deps.outbox.rescheduled(conn, webhooks, moved, snap, at) };
      }, RESCHEDULE_TRANSACTION);
    } catch (err) {
      if (err instanceof AppError) this.deps.metrics.bookings.inc({ outcome: err.code });
      throw err;
    }

    this.deps.outbox.committed(outcome.outbox);
    const row = outcome.row;
    const appointment = appointmentView(row, snap, { withEmail: true }) as AppointmentView & { email: string };
    const oldDate = current.appointment_date.slice(0, 10);
    const oldTime = current.appointment_date.slice(11, 16);
    this.deps.metrics.bookings.inc({ outcome: 'rescheduled' });
    await this.afterCommit(lock, input.lockToken, [[input.date, employeeId]]);
    try {
      await releaseAppointmentTime(this.deps, current, snap, 'rescheduled');
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'moved, but the old time could not be announced free');
    }
    this.deps.hub.publish({ type: 'slot_booked', date: input.date, time: input.time, times: lock.times, employeeId, serviceId });
    this.runHooks(this.onRescheduled, { appointment, row, snap, from: { date: oldDate, time: oldTime, employeeId: oldEmployee } });
    return appointment;
  }

  private async verifyLock(date: string, time: string, employeeId: number, serviceId: number, lockToken: string): Promise<LockInfo> {
    try {
      return await this.deps.locks.verifyForBooking({ date, time, employeeId, serviceId, lockToken });
    } catch (err) {
      if (err instanceof AppError) this.deps.metrics.bookings.inc({ outcome: err.code });
      throw err;
    }
  }

  private placement(date: string, time: string, service: { duration: number; bufferBefore: number; bufferAfter: number }, snap: CatalogueSnapshot): Placement {
    const zone = snap.rules.timezone;
    const start = localInstant(date, minutesOf(time), zone);
    if (start === null || start <= this.now()) {
      throw fail('slot_unavailable', { date, time, why: 'gone' });
    }
    const end = start + service.duration * MINUTE;
    return { start, end, from: start - service.bufferBefore * MINUTE, to: end + service.bufferAfter * MINUTE, startLocal: toLocalSql(start, zone), endLocal: toLocalSql(end, zone) };
  }

  /**
   * Only an appointment that still lies ahead and holds its time can be
   * moved (CONTRACT §11): cancelled → 409 appointment_cancelled; started,
   * completed or no-show → 409 appointment_started.
   */
  private assertMovable(row: AppointmentRow, snap: CatalogueSnapshot): void {
    if (isReleased(row.status)) throw fail('appointment_cancelled');
    if (isFinished(row.status) || busyBlockOf(row, snap, snap.rules.timezone).start <= this.now()) {
      throw fail('appointment_started', 'move');
    }
  }

  /**
   * The per-customer cap (CONTRACT §11): upcoming appointments that hold time,
   * counted with the customer locked, so concurrent bookings of one customer
   * see each other. 0 = unlimited.
   */
  private async assertUnderCap(conn: PoolConnection, email: string, snap: CatalogueSnapshot): Promise<void> {
    const cap = snap.rules.maxBookingsPerCustomer;
    if (cap <= 0) return;
    const upcoming = await this.deps.appointments.upcomingCount(conn, email, toLocalSql(this.now(), snap.rules.timezone));
    if (upcoming >= cap) {
      throw fail('too_many_bookings', upcoming);
    }
  }

  /** The overlap guard: every non-cancelled appointment of the employee near that day, buffers on both sides. */
  private async assertFree(conn: PoolConnection, employeeId: number, date: string, at: Placement, snap: CatalogueSnapshot, ignoreId?: number): Promise<void> {
    // A plain read: READ COMMITTED with the staff row locked sees every committed row of this employee, without gap locks.
    const rows = await this.deps.appointments.holdingTimeBetween(employeeId, `${addDays(date, -1)} 00:00:00`, `${addDays(date, 2)} 00:00:00`, conn);
    const clash = rows.some((r) => {
      if (r.id === ignoreId) return false;
      const b = busyBlockOf(r, snap, snap.rules.timezone);
      return b.from < at.to && at.from < b.to;
    });
    if (clash) throw fail('slot_taken');
    // Busy time from their own calendars (read only for staff who have some): the same answer a hold gets there.
    if (snap.staff.get(employeeId)?.busyCalendars.length && this.deps.busyCalendars) {
      const busy = await this.deps.busyCalendars.busyBetween(employeeId, at.from, at.to, conn);
      if (busy.length) throw fail('slot_unavailable', { date, time: wallClock(at.start, snap.rules.timezone).time, why: 'not_bookable' });
    }
  }

  private async insertWithReference(conn: PoolConnection, snap: CatalogueSnapshot, a: Omit<Parameters<AppointmentsRepository['insert']>[1], 'reference'>): Promise<AppointmentRow> {
    const year = wallClock(this.now(), snap.rules.timezone).date.slice(0, 4);
    for (let attempt = 0; attempt < 20; attempt++) {
      const reference = `APT-${year}-${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
      try {
        return await this.deps.appointments.insert(conn, { ...a, reference });
      } catch (err: any) {
        // A failed INSERT rolls back alone; the transaction and its locks stay.
        if (isDuplicateKey(err, 'strong_id')) continue;
        throw err;
      }
    }
    throw fail('unavailable', 'Could not allocate a booking reference; please try again');
  }

  private replay(row: AppointmentRow, bodyHash: string, snap: CatalogueSnapshot): { appointment: AppointmentView; replayed: boolean } {
    if (row.idempotency_hash !== bodyHash) {
      this.deps.metrics.bookings.inc({ outcome: 'idempotency_key_reused' });
      throw fail('idempotency_key_reused');
    }
    this.deps.metrics.bookings.inc({ outcome: 'replayed' });
    return { appointment: appointmentView(row, snap, { withEmail: true }), replayed: true };
  }

  /** Best effort after the commit: the appointment stands whatever Redis does now. */
  private async afterCommit(lock: LockInfo, lockToken: string, days: [string, number][]): Promise<void> {
    try {
      await this.deps.locks.consume(lock, lockToken);
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'booked, but the lock could not be consumed (it will expire)');
    }
    for (const [date, emp] of days) {
      try {
        await this.deps.availability.invalidateDay(date, emp);
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message, date, emp }, 'could not invalidate cached availability');
      }
    }
  }

  private runHooks<E>(hooks: ((e: E) => void | Promise<void>)[], event: E): void {
    for (const hook of hooks) {
      Promise.resolve()
        .then(() => hook(event))
        .catch((err) => this.deps.logger.error({ err }, 'booking hook failed'));
    }
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}



import type { PoolConnection } from '../db/pool';
import type { AppointmentRow } from '../db/repositories/appointments-repository';
import type { OutboxEntry, OutboxRepository } from '../db/repositories/outbox-repository';
import type { WebhookSubscription, WebhooksRepository } from '../db/repositories/webhooks-repository';
import { planReminders, type ReminderOffset } from '../domain/reminders';
import { isoUtc } from '../domain/time';
import { enqueueWebhookEvent } from '../webhooks/enqueue-webhook-event';
import type { WebhookEventType } from '../webhooks/webhook-event';
import type { ActiveWebhooks } from './active-webhooks';
import { appointmentView } from './booking';
import type { CatalogueSnapshot } from './catalogue';

/** The active webhooks a change writes events for: `BookingOutbox.webhooks()`, read before its transaction. */
export type ActiveWebhookList = readonly WebhookSubscription[];

export const REMINDER_OUTBOX_KIND = 'reminder';

/** Where an appointment starts: the instant, and its local `appointment_date` ('YYYY-MM-DD HH:MM:SS'). */
export interface StartOf {
  start: number;
  startLocal: string;
}
/** The concurrency key of every mail the outbox sends: one mail server, one cap per instance. */
export const MAIL_CONCURRENCY_KEY = 'mail';

/** What a reminder row carries: the time it was planned for, so a row that outlived a move is recognised. */
export interface ReminderOutboxPayload {
  minutesBefore: number;
  /** The appointment's local start (`appointment_date`) when the reminder was planned. */
  startLocal: string;
  /** The same instant in UTC (for people reading the table). */
  start: string;
}

/**
 * What one change wrote to the outbox, for committed(): the worker looks at
 * once only for work due now, and is told when the rest falls due, so a
 * booking that only plans tomorrow's reminder costs the database no claim.
 */
export interface OutboxWrites {
  /** Rows due at once (webhook deliveries). */
  dueNow: boolean;
  /** The earliest send time of the rows planned for later (reminders); null when none. */
  dueLater: Date | null;
}

/**
 * The reminder rows of appointment `id` starting at `at` under `offsets`, earliest first: one
 * per offset still ahead at `now`. The one shape both planners write — a booking change in its
 * transaction, the reminder sweep for appointments no change planned (services/reminder-sweep.ts)
 * — so their dedupe keys meet and neither writes what the other already has.
 */
export function reminderEntries(id: number, at: StartOf, offsets: readonly ReminderOffset[], now: number): OutboxEntry[] {
  return planReminders(at.start, offsets, now).map(
    (p): OutboxEntry => ({
      kind: REMINDER_OUTBOX_KIND,
      payload: { minutesBefore: p.minutesBefore, startLocal: at.startLocal, start: isoUtc(at.start) } satisfies ReminderOutboxPayload,
      dueAt: new Date(p.dueAt),
      // A slow mail server holds at most a few of an instance's slots; webhooks keep theirs.
      concurrencyKey: MAIL_CONCURRENCY_KEY,
      // Unique while it counts (pending, sent, given up): a retried transaction, a double plan or
      // a sweep cannot make two, nor send one again.
      dedupeKey: `reminder:${id}:${p.minutesBefore}:${at.start}`,
      appointmentId: id,
    }),
  );
}

const NOTHING: OutboxWrites = { dueNow: false, dueLater: null };

/**
 * What a booking change writes to the outbox (CONTRACT §12, docs/outbox.md),
 * called INSIDE the change's transaction, after the appointment row is
 * written and while it is locked (so one appointment's rows get ids in the
 * order of its changes), with the active webhooks the change read before its
 * transaction (`webhooks()`: from memory, services/active-webhooks.ts):
 *
 * - a webhook event per active webhook subscribed to it (delivery row + outbox row);
 * - reminders: one row per `reminders` offset still ahead, re-planned on a
 *   move (the old pending ones cancelled first), dropped on a cancellation
 *   or when the appointment is marked completed / no-show.
 *
 * Each call is a handful of short statements on small indexed tables: one
 * multi-row INSERT per kind (the webhook body is the row the change already
 * holds); under READ COMMITTED none takes a gap lock. Each returns what it
 * wrote; after the commit, `committed(writes)` wakes this instance's worker,
 * at once for a webhook's first attempt, at the send time for a reminder,
 * and not at all when nothing was written (the worker does not poll the
 * table; docs/outbox.md).
 */
export class BookingOutbox {
  constructor(
    private readonly deps: {
      outbox: OutboxRepository;
      webhooks: WebhooksRepository;
      activeWebhooks: Pick<ActiveWebhooks, 'list'>;
      /** The worker's wake(): now, or when given, at that time. Absent in tests that build services alone. */
      wake?: (dueAt?: Date) => void;
      now?: () => number;
    },
  ) {}

  /** Before a change's transaction (never inside one: it may ask Redis): the webhooks it will write events for. */
  webhooks(): Promise<ActiveWebhookList> {
    return this.deps.activeWebhooks.list();
  }

  /** `row`: as inserted (the webhook body); `at`: where it starts (the reminders). */
  async booked(conn: PoolConnection, webhooks: ActiveWebhookList, row: AppointmentRow, snap: CatalogueSnapshot, at: StartOf): Promise<OutboxWrites> {
    const dueNow = await this.webhookEvent(conn, webhooks, 'appointment.booked', row, snap);
    return { dueNow, dueLater: await this.planReminders(conn, Number(row.id), at, snap) };
  }

  /** `row`: as moved. */
  async rescheduled(conn: PoolConnection, webhooks: ActiveWebhookList, row: AppointmentRow, snap: CatalogueSnapshot, at: StartOf): Promise<OutboxWrites> {
    const id = Number(row.id);
    const dueNow = await this.webhookEvent(conn, webhooks, 'appointment.rescheduled', row, snap);
    await this.deps.outbox.cancelPending(conn, id, REMINDER_OUTBOX_KIND, 'appointment moved');
    return { dueNow, dueLater: await this.planReminders(conn, id, at, snap) };
  }

  /** By the customer or an admin; `row` as it now is (status cancelled). */
  async cancelled(conn: PoolConnection, webhooks: ActiveWebhookList, row: AppointmentRow, snap: CatalogueSnapshot): Promise<OutboxWrites> {
    const dueNow = await this.webhookEvent(conn, webhooks, 'appointment.cancelled', row, snap);
    await this.deps.outbox.cancelPending(conn, Number(row.id), REMINDER_OUTBOX_KIND, 'appointment cancelled');
    return { dueNow, dueLater: null };
  }

  /** Marked completed or no-show: nothing to remind of any more (no webhook event: CONTRACT §12 names none). */
  async ended(conn: PoolConnection, appointmentId: number): Promise<OutboxWrites> {
    await this.deps.outbox.cancelPending(conn, appointmentId, REMINDER_OUTBOX_KIND, 'appointment ended');
    return NOTHING;
  }

  /** After the commit of a change that wrote `writes`: this instance's worker looks when there is something to deliver. */
  committed(writes: OutboxWrites): void {
    if (writes.dueNow) this.deps.wake?.();
    else if (writes.dueLater) this.deps.wake?.(writes.dueLater);
  }

  /** `row`: the appointment as the change left it (the event's body, built only when a webhook wants it). True when it wrote deliveries (some webhook is subscribed to the event). */
  private async webhookEvent(conn: PoolConnection, webhooks: ActiveWebhookList, type: WebhookEventType, row: AppointmentRow, snap: CatalogueSnapshot): Promise<boolean> {
    const { deliveries } = await enqueueWebhookEvent(conn, this.deps, {
      type,
      webhooks,
      appointmentId: Number(row.id),
      appointment: async () => appointmentView(row, snap, { withEmail: true }) as unknown as Record<string, unknown>,
      createdAt: new Date(this.now()),
    });
    return deliveries > 0;
  }

  /** The earliest send time planned, or null when none. */
  private async planReminders(conn: PoolConnection, id: number, at: StartOf, snap: CatalogueSnapshot): Promise<Date | null> {
    const entries = reminderEntries(id, at, snap.rules.reminders ?? [], this.now());
    if (entries.length === 0) return null;
    await this.deps.outbox.enqueue(conn, entries);
    return entries[0]!.dueAt!;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

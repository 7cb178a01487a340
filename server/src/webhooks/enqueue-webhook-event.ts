import type { OutboxRepository } from '../db/repositories/outbox-repository';
import type { WebhookSubscription, WebhooksRepository } from '../db/repositories/webhooks-repository';
import type { PoolConnection } from '../db/pool';
import { buildWebhookEvent, newEventId, type WebhookEventType } from './webhook-event';

export const WEBHOOK_OUTBOX_KIND = 'webhook';

/** What a webhook outbox row carries: everything one attempt needs besides the webhook's current URL and secret. */
export interface WebhookOutboxPayload {
  webhookId: number;
  eventId: string;
  eventType: WebhookEventType;
  /** The exact JSON sent on every attempt. */
  body: string;
}

/**
 * Records one booking change for every active webhook subscribed to it: a
 * delivery row (the admin's view) and an outbox row (the work), both inside
 * the caller's transaction — call it with the booking transaction's
 * connection, after the appointment row is written and while it is locked,
 * so the outbox ids of one appointment follow the order of its changes.
 * `webhooks` is the active list as read before the transaction
 * (services/active-webhooks.ts): nothing here reads a webhook row.
 *
 * Ordering key per (webhook, appointment): one receiver's trouble never holds
 * back another's, and one appointment's events reach each receiver in order.
 * Concurrency key per webhook: a hanging receiver holds at most a few of an
 * instance's delivery slots.
 */
export async function enqueueWebhookEvent(
  conn: Pick<PoolConnection, 'query'>,
  repos: { webhooks: Pick<WebhooksRepository, 'insertDeliveries'>; outbox: Pick<OutboxRepository, 'enqueue'> },
  input: {
    type: WebhookEventType;
    /** Every active webhook; those subscribed to `type` get the event. */
    webhooks: readonly WebhookSubscription[];
    appointmentId: number;
    /** The body's appointment, or how to read it: asked for only when some webhook is subscribed. */
    appointment: Record<string, unknown> | (() => Promise<Record<string, unknown>>);
    createdAt?: Date;
  },
): Promise<{ eventId: string; deliveries: number }> {
  const id = newEventId();
  const subscribers = input.webhooks.filter((w) => w.events.includes(input.type));
  if (subscribers.length === 0) return { eventId: id, deliveries: 0 };
  const appointment = typeof input.appointment === 'function' ? await input.appointment() : input.appointment;
  const { event, body } = buildWebhookEvent({ id, type: input.type, appointment, ...(input.createdAt ? { createdAt: input.createdAt } : {}) });
  await repos.webhooks.insertDeliveries(
    conn,
    subscribers.map((w) => ({ webhookId: w.id, eventId: event.id, event: input.type, appointmentId: input.appointmentId })),
  );
  await repos.outbox.enqueue(
    conn,
    subscribers.map((w) => ({
      kind: WEBHOOK_OUTBOX_KIND,
      payload: { webhookId: w.id, eventId: event.id, eventType: input.type, body } satisfies WebhookOutboxPayload,
      orderingKey: `webhook:${w.id}:appointment:${input.appointmentId}`,
      concurrencyKey: `webhook:${w.id}`,
      dedupeKey: `webhook:${w.id}:${event.id}`,
      appointmentId: input.appointmentId,
    })),
  );
  return { eventId: event.id, deliveries: subscribers.length };
}

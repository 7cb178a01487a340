import { randomBytes } from 'node:crypto';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signPayload } from './signature';

/** CONTRACT §12: the events a webhook may subscribe to. */
export const WEBHOOK_EVENT_TYPES = ['appointment.booked', 'appointment.rescheduled', 'appointment.cancelled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** `evt_` and 128 random bits: unique without coordination, what receivers de-duplicate on. */
export function newEventId(): string {
  return `evt_${randomBytes(16).toString('hex')}`;
}

export interface WebhookEvent<A = Record<string, unknown>> {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: { appointment: A };
}

/**
 * The event and its exact body. The body is built ONCE, when the booking
 * change is written to the outbox, and stored: every retry sends the same
 * bytes with the same id, and the event describes the appointment as it was
 * when the change happened, not as it is when a late retry goes out.
 */
export function buildWebhookEvent<A extends Record<string, unknown>>(input: {
  type: WebhookEventType;
  appointment: A;
  id?: string;
  createdAt?: Date;
}): { event: WebhookEvent<A>; body: string } {
  const event: WebhookEvent<A> = {
    id: input.id ?? newEventId(),
    type: input.type,
    createdAt: (input.createdAt ?? new Date()).toISOString(),
    data: { appointment: input.appointment },
  };
  return { event, body: JSON.stringify(event) };
}

/** The type of a test delivery (not an appointment event: no receiver should act on it). */
export const PING_EVENT_TYPE = 'webhook.ping';

/**
 * A test delivery's body, shaped like every event (id, type, createdAt, data) so a receiver's
 * parsing and signature check are exercised; `data` names the webhook, not an appointment.
 */
export function buildPingEvent(webhook: { id: number; events: readonly WebhookEventType[] }, createdAt = new Date()): { id: string; body: string } {
  const id = newEventId();
  const event = { id, type: PING_EVENT_TYPE, createdAt: createdAt.toISOString(), data: { webhook: { id: webhook.id, events: [...webhook.events] } } };
  return { id, body: JSON.stringify(event) };
}

/** The headers of one delivery attempt, signed at `nowSeconds` with each secret (signPayload). */
export function deliveryHeaders(secret: string | readonly string[], eventId: string, body: string, nowSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    [EVENT_ID_HEADER]: eventId,
    [SIGNATURE_HEADER]: signPayload(secret, body, nowSeconds),
  };
}

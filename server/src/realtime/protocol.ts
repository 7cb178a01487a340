import { z } from 'zod';
import { isValidDate } from '../domain/time';
import type { SlotEvent } from './events';

/** CONTRACT §8: the WebSocket's path, limits and messages. */
export const WS_PATH = '/appointease/v1/ws';
export const MAX_FRAME_BYTES = 4096;
export const MAX_SUBSCRIPTIONS = 62;

const day = {
  date: z.string().refine(isValidDate),
  employeeId: z.number().int().positive().max(8_388_607),
};

export const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), ...day }),
  z.object({ type: z.literal('unsubscribe'), ...day }),
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(MAX_FRAME_BYTES) }),
]);

export type ClientMessage = z.infer<typeof clientMessage>;

/** Parses one text frame; undefined for anything that is not a well-formed client message. */
export function parseClientMessage(text: string): ClientMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = clientMessage.safeParse(json);
  return r.success ? r.data : undefined;
}

export function subscriptionKey(date: string, employeeId: number): string {
  return `${date}:${employeeId}`;
}

/** What any booking page may see: which times changed, never who holds them. */
export function publicView(e: SlotEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.type, date: e.date, time: e.time, times: e.times, employeeId: e.employeeId, ts: e.ts };
  if (e.reason !== undefined) out.reason = e.reason;
  return out;
}

/** The admin feed (wp-admin's live lock page): everything, including owner and expiry. */
export function adminView(e: SlotEvent): Record<string, unknown> {
  const out = publicView(e);
  if (e.serviceId !== undefined) out.serviceId = e.serviceId;
  if (e.owner !== undefined) out.owner = e.owner;
  if (e.expiresAt !== undefined) out.expiresAt = e.expiresAt;
  return out;
}

/** Frames the server sends besides events; pre-serialised where they never vary. */
export const frames = {
  hello: (now: number) => JSON.stringify({ type: 'hello', serverTime: now }),
  subscribed: (date: string, employeeId: number) => JSON.stringify({ type: 'subscribed', date, employeeId }),
  unsubscribed: (date: string, employeeId: number) => JSON.stringify({ type: 'unsubscribed', date, employeeId }),
  authenticated: JSON.stringify({ type: 'authenticated' }),
  refetch: Buffer.from(JSON.stringify({ type: 'refetch' })),
  invalidMessage: JSON.stringify({ type: 'error', code: 'invalid_message' }),
  unauthorized: JSON.stringify({ type: 'error', code: 'unauthorized' }),
  tooManySubscriptions: JSON.stringify({ type: 'error', code: 'too_many_subscriptions', limit: MAX_SUBSCRIPTIONS }),
};

/** Close codes (RFC 6455 + IANA registry). */
export const CLOSE = {
  tooBig: 1009,
  policy: 1008,
  tryAgainLater: 1013,
  goingAway: 1001,
};

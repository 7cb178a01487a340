import { z } from 'zod';

/**
 * The wire shapes more than one program reads, defined once (CONTRACT §4, §6,
 * §7, §8): a zod schema, and its type by z.infer. The server builds and checks
 * them; the widget (widget/src/types.ts) and the admin bundle
 * (wp-bridge/admin-src/src/types.ts) import the types with `import type`,
 * which the bundler erases: not a byte of zod or of this file reaches a
 * visitor's page (the committed bundles are checked by their freshness tests).
 * Only pure zod here: no node module, nothing else of the server.
 */

/** Base path of every API route, /metrics, the WebSocket and widget.js (CONTRACT). */
export const API_BASE = '/appointease/v1';

export const SLOT_EVENT_TYPES = ['slot_locked', 'slot_unlocked', 'slot_booked', 'slot_released'] as const;
export const SLOT_EVENT_REASONS = ['released', 'expired', 'admin', 'cancelled', 'rescheduled'] as const;

/** A slot event (CONTRACT §8) as the hub, the Redis bridge and the admin feed carry it. */
export const slotEventSchema = z.object({
  type: z.enum(SLOT_EVENT_TYPES),
  date: z.string(),
  time: z.string(),
  times: z.array(z.string()),
  employeeId: z.number().int(),
  /** Epoch ms when the change happened. */
  ts: z.number(),
  reason: z.enum(SLOT_EVENT_REASONS).optional(),
  /** Admin feed only: who holds the lock (client IP or IPv6 /64) and until when. Never sent to public subscribers. */
  owner: z.string().optional(),
  expiresAt: z.string().optional(),
  serviceId: z.number().int().optional(),
});
export type SlotEvent = z.infer<typeof slotEventSchema>;
export type SlotEventType = SlotEvent['type'];

/** What a public subscriber (the widget) receives: no owner, no expiry, no service. */
export type PublicSlotEvent = Omit<SlotEvent, 'owner' | 'expiresAt' | 'serviceId'>;

/** A hold as `POST /locks` grants it (CONTRACT §4). */
export const holdSchema = z.object({
  /** The only proof of ownership: never stored by the server, only its SHA-256. */
  lockToken: z.string(),
  date: z.string(),
  time: z.string(),
  times: z.array(z.string()),
  employeeId: z.number().int(),
  serviceId: z.number().int(),
  /** ISO-8601 UTC. */
  expiresAt: z.string(),
  ttlSeconds: z.number().int(),
});
export type Hold = z.infer<typeof holdSchema>;

/** An appointment as its customer sees it (CONTRACT §6: booking, /appointments). */
export const appointmentViewSchema = z.object({
  id: z.number().int(),
  /** `APT-YYYY-NNNNNN`. */
  reference: z.string(),
  /** Business-zone wall clock. */
  date: z.string(),
  time: z.string(),
  endTime: z.string(),
  /** ISO-8601 UTC. */
  start: z.string(),
  end: z.string(),
  employeeId: z.number().int().nullable(),
  serviceId: z.number().int().nullable(),
  status: z.string(),
  name: z.string(),
  /** On answers to the customer's own session; never on public routes. */
  email: z.string().optional(),
});
export type AppointmentView = z.infer<typeof appointmentViewSchema>;

/** A lock as the admin API and wp-admin's live lock page show it (CONTRACT §7): everything but the token hash. */
export const adminLockViewSchema = z.object({
  date: z.string(),
  time: z.string(),
  times: z.array(z.string()),
  /** When the held service ends (start + duration, local HH:MM), not the last grid cell's start; null for an unknown service. */
  endTime: z.string().nullable(),
  employeeId: z.number().int(),
  serviceId: z.number().int(),
  owner: z.string(),
  /** ISO-8601 UTC. */
  expiresAt: z.string(),
  ttlSeconds: z.number().int(),
  store: z.enum(['redis', 'mysql']),
});
export type AdminLockView = z.infer<typeof adminLockViewSchema>;

/** What POST /admin/webhooks/{id}/ping answers (beside CONTRACT §12): the receiver's reply to one signed test POST, at once; nothing is recorded or retried. */
export const pingResultSchema = z.object({
  eventId: z.string(),
  /** The receiver answered 2xx. */
  ok: z.boolean(),
  statusCode: z.number().int().nullable(),
  /** Why it did not count (an HTTP status other than 2xx, or the outbound client's code and reason). */
  error: z.string().nullable(),
  responseExcerpt: z.string().nullable(),
  ms: z.number(),
});
export type PingResult = z.infer<typeof pingResultSchema>;

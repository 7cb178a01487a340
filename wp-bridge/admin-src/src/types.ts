// Shapes of the sidecar's admin API (CONTRACT §7), as far as these pages use them.
// The lock and the slot event are the server's own definitions (server/src/contract.ts),
// imported as types only: the bundle gains nothing.
import type { AdminLockView, PingResult, SlotEvent as ContractSlotEvent } from '../../../server/src/contract';
import type { Weekday } from '../../../server/src/domain/weekdays';
import type { WebhookEventType } from '../../../server/src/webhooks/webhook-event';

/** A lock of the admin API; one built from a live-feed event has no `endTime` yet. */
export type Lock = Omit<AdminLockView, 'endTime'> & { endTime?: AdminLockView['endTime'] };

export interface Service {
  id: number;
  name: string;
  description?: string | null;
  duration: number;
  price: number | string;
  bufferBefore?: number;
  bufferAfter?: number;
  active?: boolean;
}

// The server's one weekday list, in the order a week is shown (Monday first).
export { WEEK_AS_SHOWN, type Weekday } from '../../../server/src/domain/weekdays';
export type WorkingHours = Partial<Record<Weekday, Array<{ start: string; end: string }>>>;

export interface Staff {
  id: number;
  name: string;
  email: string;
  phone?: string | null;
  serviceIds: number[];
  workingHours: WorkingHours;
  active?: boolean;
  /** Busy calendars' iCalendar URLs (CONTRACT §13); absent on a sidecar without them. */
  busyCalendars?: string[];
  /** Each busy calendar's last sync and error, in the same order. */
  calendarSync?: CalendarSync[];
}

/** A busy calendar's sync record as GET /admin/staff shows it. */
export interface CalendarSync {
  url: string;
  lastSyncAt: string | null;
  lastAttemptAt: string | null;
  lastChangeAt: string | null;
  busyIntervals: number | null;
  lastError: { code: string; message: string; at: string | null } | null;
  warning: string | null;
}

export interface Appointment {
  id: number;
  /** Null for rows the original AppointEase plugin stored without one; those are addressed by id. */
  reference: string | null;
  date: string;
  time: string;
  endTime?: string;
  employeeId: number | null;
  employeeName?: string | null;
  serviceId: number | null;
  serviceName?: string | null;
  status: string;
  name: string;
  email: string;
  phone?: string | null;
  notes?: string | null;
  createdAt?: string | null;
}

/** What an administrator may set an appointment to (PUT /admin/appointments/{reference}). */
export type AppointmentStatus = 'confirmed' | 'pending' | 'completed' | 'cancelled' | 'no-show';

export interface TimeOff {
  id: number;
  staffId?: number;
  startDate: string;
  endDate: string;
  reason?: string | null;
}

export interface BusinessSettings {
  timezone: string;
  slotInterval: number;
  minNoticeMinutes: number;
  maxAdvanceDays: number;
  maxBookingsPerCustomer: number;
  /** Reminder mails before each appointment (CONTRACT §12); absent from a sidecar that predates them. */
  reminders?: Reminder[];
}

/** One reminder mail, this many minutes before the start (1–10080). */
export interface Reminder {
  minutesBefore: number;
}

/** CONTRACT §12: the events a webhook may subscribe to, in the order the page offers them. */
export const WEBHOOK_EVENTS = ['appointment.booked', 'appointment.rescheduled', 'appointment.cancelled'] as const satisfies readonly WebhookEventType[];
export type { PingResult, WebhookEventType };

/** A webhook as GET /admin/webhooks lists it: no secret; the create answer alone has it. */
export interface Webhook {
  id: number;
  url: string;
  events: WebhookEventType[];
  active: boolean;
  secret?: string;
  /** While a rotated-out secret still signs beside the new one: until when (ISO); else null. */
  previousSecretExpiresAt?: string | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event sent (or being sent) to one webhook, newest first in its list. */
export interface WebhookDelivery {
  id: number | string;
  event: WebhookEventType;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  /** Beyond CONTRACT §12: why the last attempt failed ("timeout: …", "HTTP 301 (redirects are not followed)"), when the sidecar says. */
  lastError?: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** Slot events of CONTRACT §8, as an admin socket receives them. */
export type SlotEvent = ContractSlotEvent;

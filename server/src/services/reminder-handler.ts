import { isFinished, isReleased, type AppointmentRow, type AppointmentsRepository } from '../db/repositories/appointments-repository';
import type { OutboxRow } from '../db/repositories/outbox-repository';
import { busyBlockOf } from '../domain/busy-blocks';
import type { MailMessage, MailTransport } from '../mail/message';
import type { OutboxHandler, OutboxOutcome } from '../outbox/outbox-worker';
import type { ReminderOutboxPayload } from './booking-outbox';
import type { Catalogue } from './catalogue';

function isPayload(p: unknown): p is ReminderOutboxPayload {
  const v = p as ReminderOutboxPayload;
  return !!v && Number.isSafeInteger(v.minutesBefore) && typeof v.startLocal === 'string';
}

/**
 * The outbox handler for kind 'reminder' (CONTRACT §12): re-reads the
 * appointment, and mails the customer a reminder of it as it is now (the
 * composer's reference, local time, manage link, `.ics` and the site's
 * `reminder` template), straight through the mail transport: the outbox row
 * is the queue, so the in-process MailQueue is not used.
 *
 * Nothing is sent for an appointment that is gone, cancelled, completed or
 * no-show, or that has moved since the reminder was planned (the move
 * planned its own), nor for an offset no longer in the `reminders` setting
 * or an instant the site's time zone has since changed (the reminder sweep
 * plans the right one), and a reminder that could not go out before the
 * appointment started is given up. Exactly once: the claim makes one
 * instance the sender; the one duplicate left is a crash between the mail
 * server's "accepted" and the finish (docs/outbox.md).
 */
export function reminderHandler(deps: {
  appointments: Pick<AppointmentsRepository, 'byId'>;
  catalogue: Pick<Catalogue, 'snapshot'>;
  compose: { reminder(row: AppointmentRow): Promise<MailMessage> };
  transport: MailTransport;
  /** Longest one attempt may take (composing and the SMTP dialogue); below the worker's lease. */
  timeoutMs: number;
  now?: () => number;
}): OutboxHandler {
  const now = () => deps.now?.() ?? Date.now();
  return {
    timeoutMs: deps.timeoutMs,
    async handle(row: OutboxRow, ctx): Promise<OutboxOutcome> {
      if (!isPayload(row.payload) || row.appointmentId === null) return { result: 'failed', error: 'not a reminder payload' };
      const planned = row.payload;
      const appointment = await deps.appointments.byId(row.appointmentId);
      if (!appointment) return { result: 'cancelled', reason: 'appointment deleted' };
      if (isReleased(appointment.status)) return { result: 'cancelled', reason: 'appointment cancelled' };
      if (isFinished(appointment.status)) return { result: 'cancelled', reason: 'appointment already took place' };
      // A move cancels the old reminders in its transaction; this is the safety net for rows written otherwise.
      if (appointment.appointment_date !== planned.startLocal) return { result: 'cancelled', reason: 'appointment moved' };
      const snap = await deps.catalogue.snapshot();
      // Planned under settings that have changed since: the offset was taken out, or the site's
      // time zone moved the instant the local time means (the reminder sweep plans the new one).
      if (snap.rules.reminders && !snap.rules.reminders.some((r) => r.minutesBefore === planned.minutesBefore)) {
        return { result: 'cancelled', reason: 'reminder no longer in the settings' };
      }
      const start = busyBlockOf(appointment, snap, snap.rules.timezone).start;
      if (typeof planned.start === 'string' && Math.abs(Date.parse(planned.start) - start) >= 1_000) {
        return { result: 'cancelled', reason: 'appointment time changed' };
      }
      if (start <= now()) {
        return { result: 'failed', error: 'the appointment started before the reminder could be sent' };
      }
      const message = await deps.compose.reminder(appointment);
      if (ctx.signal.aborted) return { result: 'retry', error: String(ctx.signal.reason ?? 'aborted') };
      await deps.transport.send(message);
      return { result: 'done' };
    },
  };
}

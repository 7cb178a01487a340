import type { AppointmentRow } from '../db/repositories/appointments-repository';
import type { MailComposer } from './composer';
import type { MailQueue } from './queue';

/**
 * The messages customers get when something happens now: the one-time code,
 * and for each appointment a confirmation (with an .ics invitation), a
 * reschedule notice (.ics REQUEST with a higher SEQUENCE) and a cancellation
 * (.ics CANCEL with the same UID). Every method only enqueues, and the mail
 * is composed by the queue's worker (its database reads included): nothing
 * here runs on the request path. Reminders are sent by the outbox, composed
 * by the same `MailComposer`.
 */
export class Mailer {
  constructor(
    private readonly queue: MailQueue,
    readonly compose: MailComposer,
  ) {}

  sendCode(email: string, code: string): void {
    this.queue.enqueue({ kind: 'otp', build: () => this.compose.code(email, code) });
  }

  bookingConfirmed(row: AppointmentRow): void {
    this.queue.enqueue({ kind: 'confirmation', build: () => this.compose.confirmation(row) });
  }

  cancelled(row: AppointmentRow): void {
    this.queue.enqueue({ kind: 'cancellation', build: () => this.compose.cancellation(row) });
  }

  /** `from`: the local date and time before the move, shown as "Previously: …". */
  rescheduled(row: AppointmentRow, from?: { date: string; time: string }): void {
    this.queue.enqueue({ kind: 'reschedule', build: () => this.compose.reschedule(row, from) });
  }

  /** For tests and shutdown. */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}

import type { Config } from '../config';
import type { AppointmentRow } from '../db/repositories/appointments-repository';
import type { EmailTemplatesRepository, TemplateType } from '../db/repositories/email-templates-repository';
import { busyBlockOf } from '../services/availability';
import type { Catalogue } from '../services/catalogue';
import { buildIcs } from './ics';
import { revisionSequence } from './ics-format';
import type { MailMessage } from './message';
import type { MailQueue } from './queue';
import { BUILT_IN, escapeHtml, render, type TemplateValues } from './templates';
import { DateTime } from 'luxon';

/**
 * The messages customers get: the one-time code, and for each appointment a
 * confirmation (with an .ics invitation), a cancellation (.ics CANCEL with
 * the same UID) and a reschedule notice (.ics REQUEST with a higher SEQUENCE).
 * Every method only enqueues; nothing here runs on the request path.
 */
export class Mailer {
  constructor(
    private readonly queue: MailQueue,
    private readonly deps: { templates: EmailTemplatesRepository; catalogue: Catalogue; config: Pick<Config, 'mail' | 'otpTtlSeconds'> },
  ) {}

  sendCode(email: string, code: string): void {
    const minutes = Math.max(1, Math.round(this.deps.config.otpTtlSeconds / 60));
    const text = `Your AppointEase verification code is ${code}.\n\nIt expires in ${minutes} minute${minutes === 1 ? '' : 's'} and works once. If you did not ask for it, ignore this mail.`;
    const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">\n<p>Your AppointEase verification code is</p>\n<p style="font-size:28px;letter-spacing:4px"><strong>${escapeHtml(code)}</strong></p>\n<p>It expires in ${minutes} minute${minutes === 1 ? '' : 's'} and works once. If you did not ask for it, ignore this mail.</p>\n</body></html>`;
    this.queue.enqueue({ kind: 'otp', to: email, subject: `Your verification code: ${code}`, text, html });
  }

  bookingConfirmed(row: AppointmentRow): void {
    this.queue.enqueue({ kind: 'confirmation', build: () => this.appointmentMail('confirmation', row, 'REQUEST', 0) });
  }

  cancelled(row: AppointmentRow): void {
    this.queue.enqueue({ kind: 'cancellation', build: () => this.appointmentMail('cancellation', row, 'CANCEL', revisionSequence(Date.now())) });
  }

  rescheduled(row: AppointmentRow): void {
    this.queue.enqueue({ kind: 'reschedule', build: () => this.appointmentMail('reschedule', row, 'REQUEST', revisionSequence(Date.now())) });
  }

  private async appointmentMail(type: TemplateType, row: AppointmentRow, method: 'REQUEST' | 'CANCEL', sequence: number): Promise<MailMessage> {
    const snap = await this.deps.catalogue.snapshot();
    const zone = snap.rules.timezone;
    const { start, end } = busyBlockOf(row, snap, zone);
    const service = row.service_id == null ? undefined : snap.services.get(Number(row.service_id));
    const employee = row.employee_id == null ? undefined : snap.staff.get(Number(row.employee_id));
    const local = DateTime.fromMillis(start, { zone });
    const values: TemplateValues = {
      customer_name: String(row.name ?? ''),
      appointment_date: local.toISODate()!,
      appointment_time: local.toFormat('HH:mm'),
      service_name: service?.name ?? 'Appointment',
      employee_name: employee?.name ?? '',
      reference: String(row.strong_id ?? ''),
    };
    const site = await this.deps.templates.activeOf(type);
    const template = site ? { subject: site.subject || BUILT_IN[type].subject, body: site.body } : BUILT_IN[type];
    const { subject, text, html } = render(template, values);
    const from = senderAddress(this.deps.config.mail.from);
    const ics = buildIcs({
      reference: values.reference,
      start,
      end,
      summary: employee ? `${values.service_name} with ${employee.name}` : values.service_name,
      description: `Reference ${values.reference}`,
      organizer: from,
      attendee: { name: values.customer_name, email: String(row.email) },
      timezone: zone,
      sequence,
      method,
    });
    return {
      kind: type,
      to: String(row.email),
      subject,
      text,
      html,
      attachments: [{ filename: method === 'CANCEL' ? 'cancel.ics' : 'invite.ics', content: ics, contentType: `text/calendar; charset=utf-8; method=${method}` }],
    };
  }

  /** For tests and shutdown. */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}

/** `Name <addr@host>` or a bare address → name and address for the ORGANIZER line. */
export function senderAddress(from: string): { name: string; email: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  if (m) return { name: m[1]!.trim() || m[2]!, email: m[2]!.trim() };
  return { name: from.trim(), email: from.trim() };
}

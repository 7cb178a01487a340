/**
 * The customer mails, one pure function per kind: typed facts in, a finished
 * `MailMessage` (subject, written text, HTML, `.ics`) out. No database, no
 * clock unless given: `MailComposer` gathers the facts for the sidecar's own
 * mails, and anything else that mails customers (the reminders) calls these
 * with the same kind of input.
 */
import { buildIcs } from './ics';
import type { MailLanguage } from './language';
import { renderHtml, renderText, buttonHtml, buttonText, detailsHtml, detailsText, type Block, type DetailRow, type MailDocument } from './layout';
import type { MailAttachment, MailMessage } from './message';
import { fillString, mailStrings, type MailStrings } from './strings';
import { headerSafe, renderSiteTemplate, type SiteTemplate, type TemplateValues } from './templates';
import { describeAppointmentTime, formatDuration, relativeDay, type AppointmentTimeText } from './when';

/** Who the mail is from, as the customer knows them. */
export interface SiteIdentity {
  /** WordPress's `blogname`, entities decoded. */
  name: string;
  language: MailLanguage;
}

export interface AppointmentFacts {
  reference: string;
  customerName: string;
  /** Null: the service was deleted; the mail says "Appointment". */
  serviceName: string | null;
  employeeName: string | null;
  /** The appointment itself (buffers excluded), as instants. */
  start: number;
  end: number;
  /** The business time zone (IANA, `UTC`, or WordPress's `UTC+5:30`). */
  zone: string;
}

export interface AppointmentMailInput {
  to: string;
  site: SiteIdentity;
  appointment: AppointmentFacts;
  /** The signed manage link (`manageUrl` in manage-link.ts). */
  manageUrl: string;
  /** The `.ics` ORGANIZER: the sender address, named after the site. */
  organizer: { name: string; email: string };
  /** The `.ics` SEQUENCE: 0 for the first invitation, `revisionSequence(changedAt)` after a change. */
  sequence: number;
  /** The site's own template for this kind, if it has one. */
  template?: SiteTemplate;
  /** The moment of writing (DTSTAMP; "tomorrow" in reminders). Default: now. */
  now?: number;
}

export interface RescheduleMailInput extends AppointmentMailInput {
  /** Where the appointment was before the move. */
  previous?: { start: number; end: number };
}

export interface CodeMailInput {
  to: string;
  site: SiteIdentity;
  code: string;
  validMinutes: number;
  template?: SiteTemplate;
}

type AppointmentKind = 'confirmation' | 'reschedule' | 'cancellation' | 'reminder';

export function confirmationMail(input: AppointmentMailInput): MailMessage {
  return appointmentMail('confirmation', input);
}

export function rescheduleMail(input: RescheduleMailInput): MailMessage {
  return appointmentMail('reschedule', input);
}

export function cancellationMail(input: AppointmentMailInput): MailMessage {
  return appointmentMail('cancellation', input);
}

/** A reminder before the appointment (CONTRACT §12): the same facts, link and `.ics` as the confirmation. */
export function reminderMail(input: AppointmentMailInput): MailMessage {
  return appointmentMail('reminder', input);
}

export function codeMail(input: CodeMailInput): MailMessage {
  const t = mailStrings(input.site.language.lang);
  const tag = input.site.language.tag;
  const minutes = new Intl.NumberFormat(tag, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(input.validMinutes);
  const site = input.site.name;
  const values: TemplateValues = { site_name: site, code: input.code, code_minutes: minutes };
  const ownSubject = fillString(t.code.subject, { code: input.code, site });
  const codeBlock: Block = { kind: 'code', code: input.code };
  let blocks: Block[];
  let subject = ownSubject;
  if (input.template) {
    const r = renderSiteTemplate(input.template, values, {});
    subject = r.subject ?? ownSubject;
    blocks = [{ kind: 'raw', html: r.html, text: r.text }, ...(r.used.has('code') ? [] : [codeBlock])];
  } else {
    blocks = [
      { kind: 'paragraph', text: fillString(t.code.intro, { site }) },
      codeBlock,
      { kind: 'paragraph', text: fillString(t.code.expiry, { minutes }) },
      { kind: 'paragraph', text: t.code.ignore, tone: 'muted' },
    ];
  }
  const doc: MailDocument = {
    language: input.site.language,
    site,
    title: headerSafe(subject),
    preheader: fillString(t.code.expiry, { minutes }),
    heading: t.code.heading,
    blocks,
    footer: fillString(t.footerCode, { site }),
    labelSeparator: t.labelSeparator,
  };
  return { kind: 'otp', to: input.to, fromName: site, subject: headerSafe(subject), text: renderText(doc), html: renderHtml(doc) };
}

function appointmentMail(kind: AppointmentKind, input: AppointmentMailInput & { previous?: { start: number; end: number } }): MailMessage {
  const lang = input.site.language;
  const t = mailStrings(lang.lang);
  const a = input.appointment;
  const now = input.now ?? Date.now();
  const site = input.site.name;
  const time = describeAppointmentTime(a.start, a.end, a.zone, lang.tag, t.when);
  const service = a.serviceName?.trim() || t.appointment;
  const durationMinutes = Math.max(0, Math.round((a.end - a.start) / 60_000));
  const duration = formatDuration(durationMinutes, lang.tag);
  const previous = input.previous ? describeAppointmentTime(input.previous.start, input.previous.end, a.zone, lang.tag, t.when) : null;
  const cancelled = kind === 'cancellation';
  const strings = t[kind];

  const rows = detailRows(t, time, service, duration, a);
  const button: Extract<Block, { kind: 'button' }> = {
    kind: 'button',
    intro: cancelled ? t.manage.textCancelled : t.manage.text,
    label: cancelled ? t.manage.buttonCancelled : t.manage.button,
    url: input.manageUrl,
    note: t.manage.note,
    copyLink: t.manage.copyLink,
  };
  const subjectVars = { site, date: time.dateShort, time: time.time };
  const ownSubject = fillString(strings.subject, subjectVars);
  const greeting = a.customerName.trim() ? fillString(t.greeting, { name: a.customerName.trim() }) : t.greetingAnonymous;
  const calendarNote = cancelled ? t.calendar.remove : kind === 'confirmation' ? t.calendar.add : t.calendar.update;

  let subject = ownSubject;
  let blocks: Block[];
  if (input.template) {
    const values: TemplateValues = {
      customer_name: a.customerName,
      appointment_date: time.date,
      appointment_time: time.time,
      appointment_end_time: time.endTime,
      appointment_when: time.when,
      time_zone: time.zoneName,
      service_name: service,
      employee_name: a.employeeName ?? '',
      duration,
      reference: a.reference,
      site_name: site,
      manage_url: input.manageUrl,
      previous_when: previous?.when ?? '',
    };
    const r = renderSiteTemplate(input.template, values, {
      appointment_details: { html: detailsHtml(rows, lang), text: detailsText(rows, t.labelSeparator) },
      manage_button: { html: buttonHtml(button, lang), text: buttonText(button) },
    });
    subject = r.subject ?? ownSubject;
    blocks = [
      { kind: 'raw', html: r.html, text: r.text },
      ...(r.used.has('appointment_details') ? [] : [{ kind: 'details', rows } as Block]),
      ...(r.used.has('manage_button') || r.used.has('manage_url') ? [] : [button]),
    ];
  } else {
    const intro = kind === 'reminder' ? fillString(t.reminder.intro, { day: relativeDay(a.start, now, a.zone, lang.tag) }) : strings.intro;
    blocks = [
      { kind: 'paragraph', text: greeting },
      { kind: 'paragraph', text: intro },
      { kind: 'details', rows },
      ...(previous ? [{ kind: 'paragraph', text: fillString(t.reschedule.previously, { when: previous.when }), tone: 'muted' } as Block] : []),
      button,
    ];
  }
  blocks.push({ kind: 'paragraph', text: calendarNote, tone: 'small' });

  const doc: MailDocument = {
    language: lang,
    site,
    title: headerSafe(subject),
    preheader: `${time.when} · ${service}`,
    heading: strings.heading,
    blocks,
    footer: fillString(t.footer, { site }),
    labelSeparator: t.labelSeparator,
  };
  return {
    kind,
    to: input.to,
    fromName: site,
    subject: headerSafe(subject),
    text: renderText(doc),
    html: renderHtml(doc),
    attachments: [invitation(kind, input, t, service)],
  };
}

function detailRows(t: MailStrings, time: AppointmentTimeText, service: string, duration: string, a: AppointmentFacts): DetailRow[] {
  const rows: DetailRow[] = [
    {
      label: t.labels.when,
      text: time.when,
      lines: [
        { text: time.date, tone: 'strong' },
        { text: time.timeRange },
        // Empty when the range crosses a DST change and names the zone at each end.
        ...(time.zoneLabel ? [{ text: time.zoneLabel, tone: 'muted' as const }] : []),
      ],
    },
    { label: t.labels.service, text: `${service} (${duration})`, lines: [{ text: service }, { text: duration, tone: 'muted' }] },
  ];
  if (a.employeeName?.trim()) rows.push({ label: t.labels.with, lines: [{ text: a.employeeName.trim() }] });
  if (a.reference) rows.push({ label: t.labels.reference, lines: [{ text: a.reference }], ltr: true });
  return rows;
}

/** The `.ics`: REQUEST (new, moved, reminded) or CANCEL, one UID per appointment, in the site's words. */
function invitation(kind: AppointmentKind, input: AppointmentMailInput, t: MailStrings, service: string): MailAttachment {
  const a = input.appointment;
  const method = kind === 'cancellation' ? 'CANCEL' : 'REQUEST';
  const description = [
    ...(a.employeeName?.trim() ? [`${t.labels.with}${t.labelSeparator}${a.employeeName.trim()}`] : []),
    `${t.labels.reference}${t.labelSeparator}${a.reference}`,
    `${t.manage.button}${t.labelSeparator}${input.manageUrl}`,
  ].join('\n');
  const ics = buildIcs({
    reference: a.reference,
    start: a.start,
    end: a.end,
    summary: `${service} – ${input.site.name}`,
    description,
    url: input.manageUrl,
    organizer: input.organizer,
    attendee: { name: a.customerName, email: input.to },
    timezone: a.zone,
    sequence: input.sequence,
    method,
    stamp: input.now,
    language: input.site.language.tag,
  });
  return { filename: method === 'CANCEL' ? 'cancel.ics' : 'invite.ics', content: ics, contentType: `text/calendar; charset=utf-8; method=${method}` };
}

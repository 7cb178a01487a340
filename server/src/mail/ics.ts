/**
 * iCalendar (RFC 5545) invitations for appointments. Times are written in UTC
 * (`…Z`), which every client converts to the reader's zone without needing a
 * VTIMEZONE block; the business zone is named in X-WR-TIMEZONE for display.
 * The UID derives from the reference, so a reschedule or cancellation (with
 * a higher SEQUENCE) updates the same calendar entry instead of adding one.
 */
import { contentLines, escapeText, icsTime, icsUid } from './ics-format';

export interface IcsEvent {
  reference: string;
  start: number;
  end: number;
  summary: string;
  description: string;
  location?: string;
  /** Where the customer manages the appointment (the signed link). */
  url?: string;
  /** BCP 47 language of SUMMARY and DESCRIPTION. */
  language?: string;
  organizer: { name: string; email: string };
  attendee: { name: string; email: string };
  timezone: string;
  /** 0 for the first invitation; every later revision must be higher. */
  sequence: number;
  method: 'REQUEST' | 'CANCEL';
  stamp?: number;
}

/** A parameter value (CN=…): quoted, without the characters a quoted value cannot hold. */
function paramValue(value: string): string {
  return `"${value.replace(/["\x00-\x1f\x7f]/g, '')}"`;
}

export function buildIcs(e: IcsEvent): string {
  const mailto = (address: string) => `mailto:${address.replace(/[\s"<>]/g, '')}`;
  const lang = e.language && /^[A-Za-z0-9-]{1,35}$/.test(e.language) ? `;LANGUAGE=${e.language}` : '';
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//AppointEase//Sidecar//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${e.method}`,
    `X-WR-TIMEZONE:${escapeText(e.timezone)}`,
    'BEGIN:VEVENT',
    `UID:${icsUid(e.reference)}`,
    `SEQUENCE:${e.sequence}`,
    `DTSTAMP:${icsTime(e.stamp ?? Date.now())}`,
    `DTSTART:${icsTime(e.start)}`,
    `DTEND:${icsTime(e.end)}`,
    `SUMMARY${lang}:${escapeText(e.summary)}`,
    `DESCRIPTION${lang}:${escapeText(e.description)}`,
    ...(e.location ? [`LOCATION${lang}:${escapeText(e.location)}`] : []),
    ...(e.url ? [`URL:${e.url.replace(/[\s"<>\x00-\x1f\x7f]/g, '')}`] : []),
    `ORGANIZER;CN=${paramValue(e.organizer.name)}:${mailto(e.organizer.email)}`,
    `ATTENDEE;CN=${paramValue(e.attendee.name)};ROLE=REQ-PARTICIPANT:${mailto(e.attendee.email)}`,
    `STATUS:${e.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return contentLines(lines);
}

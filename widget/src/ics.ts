// RFC 5545 calendar file for "Add to calendar", built in the browser from the
// appointment the API returned (no extra request, works offline after booking).

// The text rules and the UID are the sidecar's own (one file serves both), so
// the invitation mails that follow update this entry rather than adding one.
import { contentLines, escapeText, icsTime, icsUid } from '../../server/src/mail/ics-format';

export interface IcsInput {
  reference: string;
  start: string; // UTC ISO
  end: string; // UTC ISO
  summary: string;
  description?: string;
  location?: string;
  now?: Date;
}

export function buildIcs(a: IcsInput): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//AppointEase//Booking widget//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${icsUid(a.reference)}`,
    `DTSTAMP:${icsTime(a.now ?? new Date())}`,
    `DTSTART:${icsTime(a.start)}`,
    `DTEND:${icsTime(a.end)}`,
    `SUMMARY:${escapeText(a.summary)}`,
  ];
  if (a.description) lines.push(`DESCRIPTION:${escapeText(a.description)}`);
  if (a.location) lines.push(`LOCATION:${escapeText(a.location)}`);
  lines.push('STATUS:CONFIRMED', 'END:VEVENT', 'END:VCALENDAR');
  return contentLines(lines);
}

export function icsDataUrl(ics: string): string {
  return 'data:text/calendar;charset=utf-8,' + encodeURIComponent(ics);
}

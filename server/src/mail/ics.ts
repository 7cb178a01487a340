/**
 * iCalendar (RFC 5545) invitations for appointments. Times are written in UTC
 * (`…Z`), which every client converts to the reader's zone without needing a
 * VTIMEZONE block; the business zone is named in X-WR-TIMEZONE for display.
 * The UID derives from the reference, so a reschedule or cancellation (with
 * a higher SEQUENCE) updates the same calendar entry instead of adding one.
 */
export interface IcsEvent {
  reference: string;
  start: number;
  end: number;
  summary: string;
  description: string;
  location?: string;
  organizer: { name: string; email: string };
  attendee: { name: string; email: string };
  timezone: string;
  /** 0 for the first invitation; every later revision must be higher. */
  sequence: number;
  method: 'REQUEST' | 'CANCEL';
  stamp?: number;
}

export function icsUid(reference: string): string {
  return `${reference.toLowerCase()}@appointease`;
}

/** A monotonically growing SEQUENCE for revisions without storing a counter: seconds since 2024. */
export function revisionSequence(at: number): number {
  return Math.max(1, Math.floor((at - Date.UTC(2024, 0, 1)) / 1000));
}

function utc(instant: number): string {
  return new Date(instant).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** TEXT value escaping (RFC 5545 §3.3.11). */
export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

/** A parameter value (CN=…): quoted, without the characters a quoted value cannot hold. */
function paramValue(value: string): string {
  return `"${value.replace(/["\x00-\x1f\x7f]/g, '')}"`;
}

/** Folds a content line at 75 octets without splitting a UTF-8 character (§3.1). */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    const limit = out.length === 0 ? 75 : 74;
    if (bytes + size > limit) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

export function buildIcs(e: IcsEvent): string {
  const mailto = (address: string) => `mailto:${address.replace(/[\s"<>]/g, '')}`;
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
    `DTSTAMP:${utc(e.stamp ?? Date.now())}`,
    `DTSTART:${utc(e.start)}`,
    `DTEND:${utc(e.end)}`,
    `SUMMARY:${escapeText(e.summary)}`,
    `DESCRIPTION:${escapeText(e.description)}`,
    ...(e.location ? [`LOCATION:${escapeText(e.location)}`] : []),
    `ORGANIZER;CN=${paramValue(e.organizer.name)}:${mailto(e.organizer.email)}`,
    `ATTENDEE;CN=${paramValue(e.attendee.name)};ROLE=REQ-PARTICIPANT:${mailto(e.attendee.email)}`,
    `STATUS:${e.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

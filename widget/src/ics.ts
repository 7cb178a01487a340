// RFC 5545 calendar file for "Add to calendar", built in the browser from the
// appointment the API returned (no extra request, works offline after booking).

export interface IcsInput {
  reference: string;
  start: string; // UTC ISO
  end: string; // UTC ISO
  summary: string;
  description?: string;
  location?: string;
  now?: Date;
}

/** `2025-10-28T08:00:00.000Z` → `20251028T080000Z`. */
export function icsTime(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Lines longer than 75 octets continue on the next line after CRLF + space. */
export function foldLine(line: string): string {
  const enc = new TextEncoder();
  if (enc.encode(line).length <= 75) return line;
  const out: string[] = [];
  let cur = '';
  let curBytes = 0;
  for (const ch of line) {
    const b = enc.encode(ch).length;
    // The first line may hold 75 octets; continuation lines 74 plus the leading space.
    if (curBytes + b > (out.length ? 74 : 75)) {
      out.push(cur);
      cur = '';
      curBytes = 0;
    }
    cur += ch;
    curBytes += b;
  }
  out.push(cur);
  return out.join('\r\n ');
}

export function buildIcs(a: IcsInput): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//AppointEase//Booking widget//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${a.reference}@appointease`,
    `DTSTAMP:${icsTime(a.now ?? new Date())}`,
    `DTSTART:${icsTime(a.start)}`,
    `DTEND:${icsTime(a.end)}`,
    `SUMMARY:${escapeText(a.summary)}`,
  ];
  if (a.description) lines.push(`DESCRIPTION:${escapeText(a.description)}`);
  if (a.location) lines.push(`LOCATION:${escapeText(a.location)}`);
  lines.push('STATUS:CONFIRMED', 'END:VEVENT', 'END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

export function icsDataUrl(ics: string): string {
  return 'data:text/calendar;charset=utf-8,' + encodeURIComponent(ics);
}

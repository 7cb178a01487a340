/**
 * RFC 5545 text rules shared by the invitations the sidecar mails
 * (`mail/ics.ts`), the "Add to calendar" file the widget builds in the
 * browser (`widget/src/ics.ts`) and the staff calendar feed
 * (`calendar/feed.ts`). Plain TypeScript without Node APIs, so the widget
 * bundles this same file: one escaping, one folding, one UID and one
 * SEQUENCE rule, so a mailed reschedule or cancellation updates the entry the
 * widget or the feed added instead of leaving a second one behind.
 */

const UID_DOMAIN = '@appointease';

/** The event's UID: from the reference alone, the same in every file about one appointment. */
export function icsUid(reference: string): string {
  return `${reference.toLowerCase()}${UID_DOMAIN}`;
}

/** Whether a UID is one of ours (an appointment), e.g. met again in a staff member's own calendar. */
export function isAppointEaseUid(uid: string): boolean {
  return uid.trim().toLowerCase().endsWith(UID_DOMAIN);
}

/**
 * A monotonically growing SEQUENCE for revisions without storing a counter:
 * seconds since 2024, taken at the revision (0 is the first invitation).
 */
export function revisionSequence(at: number): number {
  return Math.max(1, Math.floor((at - Date.UTC(2024, 0, 1)) / 1000));
}

/** Content lines → the file's text: each folded, CRLF after every line (§3.1). */
export function contentLines(lines: readonly string[]): string {
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

/** A UTC DATE-TIME: `2025-10-28T08:00:00.000Z` → `20251028T080000Z`. */
export function icsTime(instant: number | string | Date): string {
  return new Date(instant).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** TEXT value escaping (§3.3.11); control characters other than tab and newline are dropped. */
export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

/** Folds a content line at 75 octets without splitting a UTF-8 character (§3.1). */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const size = utf8Length(ch.codePointAt(0)!);
    // The first line holds 75 octets; continuation lines 74 after their leading space.
    if (bytes + size > (out.length === 0 ? 75 : 74)) {
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

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

import { createHash } from 'node:crypto';
import { contentLines, escapeText, icsTime, icsUid, revisionSequence } from '../mail/ics-format';

/**
 * The private subscription feed of one employee (CONTRACT §13): their
 * appointments as one VCALENDAR that Google Calendar, Outlook or Apple
 * Calendar poll. Pure: the same appointments give the same bytes, so the
 * ETag is a hash of the body and an unchanged feed costs a poller a 304.
 *
 * Each VEVENT has the UID of the invitation mails (an entry added from a
 * mail and the one from the feed are one event), DTSTART/DTEND in UTC, the
 * service and the customer's name as SUMMARY, STATUS:CONFIRMED or
 * STATUS:CANCELLED, and the SEQUENCE the mails use: 0 until the appointment
 * is rescheduled or cancelled, then the revision's `revisionSequence`.
 * No METHOD: a subscribed calendar is not an invitation, and without one
 * DTSTAMP means "last revised", so it can come from the data instead of the
 * clock. Only what the employee needs in their own calendar is included:
 * no customer e-mail or phone, the address being a bearer secret.
 */

export interface FeedAppointment {
  /** `APT-YYYY-NNNNNN`: the UID derives from it, as in the mails. */
  reference: string;
  /** The appointment's own start and end (without buffers), epoch ms, as in the mails. */
  start: number;
  end: number;
  serviceName: string;
  customerName: string;
  cancelled: boolean;
  /**
   * When it was last rescheduled or cancelled (what the mails announce with a
   * higher SEQUENCE), epoch ms; null while it is as first booked.
   */
  revisedAt: number | null;
  /** Its last change of any kind, epoch ms: DTSTAMP and LAST-MODIFIED. */
  updatedAt: number;
}

export interface CalendarFeed {
  /** Shown as the calendar's name (X-WR-CALNAME, NAME), e.g. "AppointEase – Ana". */
  name: string;
  /** The business zone, as a display hint (X-WR-TIMEZONE); times are UTC. */
  timezone: string;
  appointments: readonly FeedAppointment[];
  /** How often clients should poll (REFRESH-INTERVAL, X-PUBLISHED-TTL), minutes; default 15. */
  refreshMinutes?: number;
}

/**
 * Cache-Control for the feed response: the address is a secret, so no shared
 * cache may keep it; clients revalidate after a few minutes (cheap: ETag).
 */
export const FEED_CACHE_CONTROL = 'private, max-age=300';

export function buildCalendarFeed(feed: CalendarFeed): string {
  const refresh = `PT${Math.max(1, Math.round(feed.refreshMinutes ?? 15))}M`;
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//AppointEase//Staff calendar feed//EN',
    'CALSCALE:GREGORIAN',
    `NAME:${escapeText(feed.name)}`,
    `X-WR-CALNAME:${escapeText(feed.name)}`,
    `X-WR-TIMEZONE:${escapeText(feed.timezone)}`,
    `REFRESH-INTERVAL;VALUE=DURATION:${refresh}`,
    `X-PUBLISHED-TTL:${refresh}`,
  ];
  // Stable order (by start, then reference), so the same data gives the same bytes and ETag.
  const sorted = [...feed.appointments].sort((a, b) => a.start - b.start || (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0));
  for (const a of sorted) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${icsUid(a.reference)}`,
      `SEQUENCE:${a.revisedAt == null ? 0 : revisionSequence(a.revisedAt)}`,
      `DTSTAMP:${icsTime(a.updatedAt)}`,
      `LAST-MODIFIED:${icsTime(a.updatedAt)}`,
      `DTSTART:${icsTime(a.start)}`,
      `DTEND:${icsTime(a.end)}`,
      `SUMMARY:${escapeText(`${a.serviceName} – ${a.customerName}`)}`,
      `DESCRIPTION:${escapeText(`Reference ${a.reference}`)}`,
      `STATUS:${a.cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
      // A cancelled entry that a client still shows must not make the employee look busy.
      `TRANSP:${a.cancelled ? 'TRANSPARENT' : 'OPAQUE'}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return contentLines(lines);
}

export interface FeedValidators {
  /** A strong ETag (quoted) of exactly this body. */
  etag: string;
  /** HTTP-date (RFC 9110 IMF-fixdate). */
  lastModified: string;
}

/**
 * ETag and Last-Modified of a rendered feed. The ETag hashes the body, so any
 * change (including an appointment that left the window) changes it.
 * Last-Modified is the newest `updatedAt`, but never before `windowStart`:
 * an appointment dropping out of the "30 days back" window changes the feed
 * without any row changing, so pass the start of that window as it moves
 * (e.g. the business day's midnight 30 days ago) to keep If-Modified-Since honest.
 */
export function feedValidators(body: string, appointments: readonly FeedAppointment[], windowStart: number): FeedValidators {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  let newest = windowStart;
  for (const a of appointments) if (a.updatedAt > newest) newest = a.updatedAt;
  // HTTP dates have whole seconds.
  return { etag, lastModified: new Date(Math.floor(newest / 1000) * 1000).toUTCString() };
}

/**
 * Whether a conditional GET may be answered 304 (RFC 9110 §13.2.2): If-None-Match
 * decides when present (weak comparison, `*` matches); otherwise
 * If-Modified-Since, if it is a date no earlier than Last-Modified.
 */
export function isNotModified(validators: FeedValidators, ifNoneMatch: string | undefined, ifModifiedSince: string | undefined): boolean {
  if (ifNoneMatch !== undefined) {
    const mine = opaque(validators.etag);
    return ifNoneMatch.split(',').some((tag) => {
      const t = tag.trim();
      return t === '*' || opaque(t) === mine;
    });
  }
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return Number.isFinite(since) && Date.parse(validators.lastModified) <= since;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

import { buildCalendarFeed, feedValidators, isNotModified, FEED_CACHE_CONTROL, type FeedAppointment } from '../calendar/feed';
import { FEED_TOKEN_PATTERN, feedToken, feedTokenHash, newFeedNonce } from '../calendar/feed-token';
import { isReleased } from '../db/repositories/appointments-repository';
import type { AuditRepository } from '../db/repositories/audit-repository';
import { utcMs, type BusyCalendarRow, type BusyCalendarsRepository, type FeedRow } from '../db/repositories/busy-calendars-repository';
import { fail, notFound } from '../errors';
import type { OutboundClient } from '../outbound/http-client';
import { busyBlockOf } from '../domain/busy-blocks';
import { addDays, isoUtc, localDateTimeInstant, todayIn } from '../domain/time';
import type { AdminActor } from './admin-catalogue';
import type { Catalogue, CatalogueSnapshot } from './catalogue';

/** At most this many busy calendars per employee (CONTRACT §13). */
export const MAX_BUSY_CALENDARS = 3;
/** The feed reaches this far back (CONTRACT §13). */
export const FEED_DAYS_BACK = 30;
/** Most appointments one feed lists (the oldest first): a calendar client chokes long before. */
const FEED_MAX_EVENTS = 5_000;

/** A busy calendar's record as `GET /admin/staff` shows it. */
export interface CalendarSyncView {
  url: string;
  /** The last fetch that worked (a 304 included), ISO UTC; null = never. */
  lastSyncAt: string | null;
  lastAttemptAt: string | null;
  /** When the busy time it gives last changed. */
  lastChangeAt: string | null;
  /** Busy intervals on record (the last good copy), null before the first sync. */
  busyIntervals: number | null;
  /** The last attempt's failure; null when it worked. The intervals on record are the last good copy. */
  lastError: { code: string; message: string; at: string | null } | null;
  /** Events left out, unknown time zones. */
  warning: string | null;
}

const iso = (ms: number | null) => (ms == null ? null : isoUtc(ms));

export function calendarSyncView(c: BusyCalendarRow): CalendarSyncView {
  return {
    url: c.url,
    lastSyncAt: iso(c.lastSyncAt),
    lastAttemptAt: iso(c.lastAttemptAt),
    lastChangeAt: iso(c.lastChangeAt),
    busyIntervals: c.intervalCount,
    lastError: c.lastErrorCode ? { code: c.lastErrorCode, message: c.lastError ?? '', at: iso(c.lastErrorAt) } : null,
    warning: c.warning,
  };
}

export interface FeedResponse {
  status: 200 | 304;
  headers: Record<string, string>;
  body?: string;
}

/**
 * The staff calendars' admin side and the public feed (CONTRACT §13): the
 * feed address (shown again on request, rotated on request), the feed
 * itself with its validators, the save-time check of busy calendar URLs,
 * and each calendar's sync record for `GET /admin/staff`.
 */
export class StaffCalendars {
  constructor(
    private readonly deps: {
      repo: BusyCalendarsRepository;
      audit: AuditRepository;
      catalogue: Catalogue;
      outbound: Pick<OutboundClient, 'checkUrl'>;
      secret: string;
      /** The public API root (`https://host/appointease/v1`), as the mails' links use it. */
      apiRoot: () => Promise<string>;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  /**
   * Busy calendar URLs as they will be stored, or 422 `invalid_calendar_url`: at
   * most 3, http(s) only, each resolving to addresses the outbound rule
   * allows now (the fetch checks again at connect time).
   */
  async checkUrls(urls: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const [i, raw] of urls.entries()) {
      const checked = await this.deps.outbound.checkUrl(raw.trim());
      if (!checked.ok) throw fail('invalid_calendar_url', `busyCalendars.${i}`, checked.message);
      if (!out.includes(checked.url)) out.push(checked.url);
    }
    return out;
  }

  /** Each employee's calendars with their sync record, in order. */
  async syncViews(): Promise<Map<number, CalendarSyncView[]>> {
    const out = new Map<number, CalendarSyncView[]>();
    for (const c of await this.deps.repo.all()) {
      if (!out.has(c.employeeId)) out.set(c.employeeId, []);
      out.get(c.employeeId)!.push(calendarSyncView(c));
    }
    return out;
  }

  /** `GET /admin/staff/{id}/calendar-feed`: the address, made on first request. */
  async feedUrl(employeeId: number): Promise<string> {
    await this.assertEmployee(employeeId);
    const nonce = newFeedNonce();
    const stored = await this.deps.repo.ensureFeed(employeeId, nonce, feedTokenHash(feedToken(this.deps.secret, employeeId, nonce)));
    const token = feedToken(this.deps.secret, employeeId, stored.nonce);
    // APPOINTEASE_SECRET changed since: the address shown is the one that works from now on.
    if (feedTokenHash(token) !== stored.hash) await this.deps.repo.setFeed(employeeId, stored.nonce, feedTokenHash(token));
    return this.urlOf(token);
  }

  /** `POST …/calendar-feed/rotate`: a new address; the old one answers 404 from now on. */
  async rotateFeed(employeeId: number, who: AdminActor): Promise<string> {
    await this.assertEmployee(employeeId);
    const nonce = newFeedNonce();
    const token = feedToken(this.deps.secret, employeeId, nonce);
    await this.deps.repo.setFeed(employeeId, nonce, feedTokenHash(token));
    await this.deps.audit.record({ actor: who.actor, action: 'calendar_feed.rotated', entity: 'calendar_feed', entityId: employeeId, details: {}, ip: who.ip });
    return this.urlOf(token);
  }

  /** The public feed: 404 for an unknown or rotated token; 304 when the client's copy is current. */
  async feed(token: string, conditional: { ifNoneMatch?: string; ifModifiedSince?: string }): Promise<FeedResponse> {
    if (!FEED_TOKEN_PATTERN.test(token)) throw notFound();
    const employeeId = await this.deps.repo.employeeByTokenHash(feedTokenHash(token));
    if (employeeId === undefined) throw notFound();
    const snap = await this.deps.catalogue.snapshot();
    const employee = snap.staff.get(employeeId);
    if (!employee) throw notFound();
    const zone = snap.rules.timezone;
    const windowStartDate = addDays(todayIn(zone, this.now()), -FEED_DAYS_BACK);
    const windowStart = localDateTimeInstant(`${windowStartDate} 00:00:00`, zone);
    const rows = await this.deps.repo.feedRows(employeeId, `${windowStartDate} 00:00:00`, FEED_MAX_EVENTS);
    const appointments = rows.map((r) => feedAppointmentOf(r, snap, zone));
    const body = buildCalendarFeed({ name: `${employee.name} – AppointEase`, timezone: zone, appointments });
    const validators = feedValidators(body, appointments, windowStart);
    const headers = { ETag: validators.etag, 'Last-Modified': validators.lastModified, 'Cache-Control': FEED_CACHE_CONTROL };
    if (isNotModified(validators, conditional.ifNoneMatch, conditional.ifModifiedSince)) return { status: 304, headers };
    return { status: 200, headers, body };
  }

  private async assertEmployee(employeeId: number): Promise<void> {
    const snap = await this.deps.catalogue.snapshot();
    if (!snap.staff.has(employeeId)) throw notFound(`Employee ${employeeId} not found`);
  }

  private async urlOf(token: string): Promise<string> {
    return `${await this.deps.apiRoot()}/feeds/${token}.ics`;
  }
}

function feedAppointmentOf(r: FeedRow, snap: CatalogueSnapshot, zone: string): FeedAppointment {
  const block = busyBlockOf(r, snap, zone);
  const cancelled = isReleased(r.status);
  const updated = utcMs(r.updated_at) ?? utcMs(r.created_at) ?? block.start;
  const rescheduled = utcMs(r.rescheduled_at);
  // A cancellation is a revision too (the cancellation mail raises SEQUENCE); its time is the row's last update.
  const revisedAt = cancelled ? Math.max(updated, rescheduled ?? 0) : rescheduled;
  return {
    reference: r.strong_id ?? `appointment-${r.id}`,
    start: block.start,
    end: block.end,
    serviceName: (r.service_id == null ? undefined : snap.services.get(Number(r.service_id))?.name) ?? 'Appointment',
    customerName: r.name,
    cancelled,
    revisedAt,
    updatedAt: Math.max(updated, rescheduled ?? 0),
  };
}

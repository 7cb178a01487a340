import { randomBytes } from 'node:crypto';
import type { BusyCalendarWorker } from '../calendar/busy-worker';
import { isCalendarError } from '../calendar/calendar-error';
import { DEFAULT_ICS_LIMITS } from '../calendar/ics-limits';
import type { BusyInterval } from '../calendar/intervals';
import { inTransaction, type Pool } from '../db/pool';
import { storedPieces, type BusyCalendarRow, type BusyCalendarsRepository } from '../db/repositories/busy-calendars-repository';
import type { AuditRepository } from '../db/repositories/audit-repository';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { OutboundClient } from '../outbound/http-client';
import { isOutboundError } from '../outbound/outbound-error';
import type { SlotEventHub } from '../realtime/events';
import { addDays, localDateTimeInstant, localInstant, minutesOf, todayIn, wallClock } from '../domain/time';
import { weekdayNameOf } from '../domain/weekdays';
import type { AvailabilityService } from './availability';
import type { Catalogue, CatalogueSnapshot } from './catalogue';

/**
 * The parse's time budget in the sync: wall time, and the sync runs beside
 * the server on a shared machine, so a heavy real calendar (about 1.3 s of
 * CPU for 5,000 events, `npm run bench -- calendar`) must not fail for want
 * of a CPU: three times the library default. The worker's hard stop is 2 s later.
 */
export const SYNC_PARSE_MILLIS = 30_000;

/** The lease row's name in `{p}appointease_job_leases`. */
export const CALENDAR_SYNC_JOB = 'calendar-sync';

/** How a calendar fetch ended. */
export type SyncOutcome = 'changed' | 'unchanged' | 'not_modified' | 'failed' | 'skipped';

export interface CalendarSyncOptions {
  /** CALENDAR_SYNC_SECONDS. */
  periodSeconds: number;
  /** CALENDAR_FETCH_TIMEOUT_MS: one fetch, redirects and body included. */
  fetchTimeoutMs: number;
  /** Names this instance in the lease (logs, tests). */
  instance: string;
  /** Most bytes of one calendar (default the parser's maxBytes, 10 MiB). */
  maxBytes?: number;
}

/**
 * The busy calendars' sync (CONTRACT §13, docs/calendars.md): every
 * CALENDAR_SYNC_SECONDS, one instance — whichever asks first once the
 * period is over, through a lease row in MySQL (no Redis needed) — fetches
 * every active employee's calendars with conditional requests, a size and a
 * time cap and the outbound address rule, parses them on the worker thread,
 * and replaces a calendar's stored intervals in one transaction when they
 * changed. A calendar that cannot be fetched or read keeps its last good
 * intervals and gets the error on its record (and in the failure metric).
 * A change voids the cached days it touches and is announced to open
 * widgets, like a booking or a cancellation.
 */
export class CalendarSync {
  private readonly owner: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly deps: {
      pool: Pool;
      repo: BusyCalendarsRepository;
      audit: AuditRepository;
      outbound: OutboundClient;
      worker: BusyCalendarWorker;
      catalogue: Catalogue;
      availability: AvailabilityService;
      hub: SlotEventHub;
      metrics: Metrics;
      logger: Logger;
      now?: () => number;
    },
    private readonly options: CalendarSyncOptions,
  ) {
    this.owner = `${options.instance}:${process.pid}:${randomBytes(4).toString('hex')}`.slice(0, 64);
  }

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  private get periodMs(): number {
    return this.options.periodSeconds * 1000;
  }

  /** The lease covers one calendar's worst case (fetch, parse with its hard timeout, store) and is renewed before each. */
  private get leaseMs(): number {
    return this.options.fetchTimeoutMs + SYNC_PARSE_MILLIS + 2_000 + 15_000;
  }

  /** Looks every few seconds (at most the period) whether a run is due; unref'd. */
  start(): void {
    if (this.timer || this.stopped) return;
    const every = Math.max(200, Math.min(this.periodMs, 5_000));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
    void this.tick();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.running?.catch(() => {});
  }

  /** A calendar was added: the next look (on any instance) runs at once, and this one looks now. */
  async requestRun(): Promise<void> {
    try {
      await this.deps.repo.requestRun(CALENDAR_SYNC_JOB);
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not ask for an early calendar sync');
    }
    this.runRequested = true;
    if (this.timer) void this.tick();
  }

  /**
   * One look: runs the sync if this instance gets the period's lease.
   * Resolves true when it ran. Never throws (errors are logged).
   */
  tick(): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    this.running ??= this.lookAndRun().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async lookAndRun(): Promise<boolean> {
    let mine = false;
    try {
      if (!(await this.anyCalendars())) return false;
      // A little slack: timers on a busy machine fire late, and a run must not be skipped for 2 ms.
      const slack = Math.min(250, this.periodMs / 10);
      mine = await this.deps.repo.tryStartRun(CALENDAR_SYNC_JOB, this.owner, this.now(), this.periodMs - slack, this.leaseMs);
      if (!mine) return false;
      await this.runAll();
      return true;
    } catch (err) {
      this.deps.logger.warn({ err }, 'calendar sync could not run');
      return mine;
    } finally {
      if (mine) await this.deps.repo.finishRun(CALENDAR_SYNC_JOB, this.owner).catch(() => {});
    }
  }

  /**
   * Whether there is anything to sync. No busy calendar anywhere (most
   * sites) costs no lease and no query: the last loaded catalogue answers
   * without I/O (it may be old, but the instance where a calendar is added
   * has just reloaded it). Before any catalogue is loaded here, MySQL is
   * asked, at most once a period (loading the catalogue itself would keep a
   * copy nobody asked for).
   */
  private async anyCalendars(): Promise<boolean> {
    const snap = this.deps.catalogue.latest;
    if (snap) return [...snap.staff.values()].some((s) => s.active && s.busyCalendars.length > 0);
    const now = this.now();
    if (this.lastAsked !== undefined && now - this.lastAsked < this.periodMs && !this.runRequested) return false;
    this.lastAsked = now;
    this.runRequested = false;
    return this.deps.repo.hasAny();
  }

  private lastAsked: number | undefined;
  private runRequested = false;

  private async runAll(): Promise<void> {
    const snap = await this.deps.catalogue.snapshot();
    for (const cal of await this.deps.repo.all()) {
      if (this.stopped) return;
      if (!snap.staff.get(cal.employeeId)?.active) continue;
      if (!(await this.deps.repo.renewRun(CALENDAR_SYNC_JOB, this.owner, this.now() + this.leaseMs))) {
        this.deps.logger.warn('calendar sync lease lost: another instance carries on');
        return;
      }
      await this.syncOne(cal, snap);
    }
  }

  /** Fetches, parses and stores one calendar; every failure ends on its record. */
  async syncOne(cal: BusyCalendarRow, snap: CatalogueSnapshot): Promise<SyncOutcome> {
    const started = performance.now();
    const at = this.now();
    const zone = snap.rules.timezone;
    const today = todayIn(zone, at);
    // The booking horizon, and a day more (a day plan reads into the next day).
    const until = addDays(today, snap.rules.maxAdvanceDays + 1);
    const from = localDateTimeInstant(`${today} 00:00:00`, zone);
    const to = localDateTimeInstant(`${addDays(until, 1)} 00:00:00`, zone);
    // The copy on record covers the horizon: a 304 may keep it. A day later it does not, and the whole feed is read again.
    const covered = cal.syncedUntil !== null && cal.syncedUntil >= until;
    const outcome = await this.fetchAndStore(cal, snap, { at, from, to, until, covered }).catch(async (err: unknown): Promise<SyncOutcome> => {
      // Shutting down (the fetch aborted, the thread closed): nothing is wrong with the calendar.
      if (this.stopped) return 'skipped';
      const { code, message } = describeFailure(err);
      if (code === 'internal') this.deps.logger.error({ err, calendarId: cal.id }, 'busy calendar sync failed');
      this.deps.metrics.calendarSyncFailures.inc({ code });
      await this.deps.repo.recordFailure(cal.id, at, code, message).catch((e) => this.deps.logger.warn({ err: e }, 'could not record a calendar sync failure'));
      return 'failed';
    });
    this.deps.metrics.calendarSyncs.inc({ outcome });
    this.deps.metrics.calendarSyncSeconds.observe((performance.now() - started) / 1000);
    return outcome;
  }

  private async fetchAndStore(
    cal: BusyCalendarRow,
    snap: CatalogueSnapshot,
    h: { at: number; from: number; to: number; until: string; covered: boolean },
  ): Promise<SyncOutcome> {
    const res = await this.deps.outbound.request({
      url: cal.url,
      timeoutMs: this.options.fetchTimeoutMs,
      maxBodyBytes: this.options.maxBytes ?? DEFAULT_ICS_LIMITS.maxBytes,
      overflow: 'error',
      maxRedirects: 3,
      acceptCompressed: true,
      headers: { accept: 'text/calendar, text/plain;q=0.5, */*;q=0.1' },
      conditional: h.covered ? { etag: cal.etag ?? undefined, lastModified: cal.lastModified ?? undefined } : undefined,
      signal: this.abort.signal,
    });
    if (res.notModified) {
      await this.deps.repo.recordUnchanged(cal.id, h.at, {});
      return 'not_modified';
    }
    if (res.status < 200 || res.status > 299) throw new SyncFailure(`http_${res.status}`, `The calendar's server answered HTTP ${res.status}`);
    const parsed = await this.deps.worker.parse(res.body.toString('utf8'), { from: h.from, to: h.to, zone: snap.rules.timezone, limits: { maxBytes: this.options.maxBytes ?? DEFAULT_ICS_LIMITS.maxBytes, maxMillis: SYNC_PARSE_MILLIS } });
    const pieces = storedPieces(parsed.intervals);
    const warnings = [
      parsed.skipped ? `${parsed.skipped} event(s) could not be read and were left out` : '',
      parsed.unknownZones.length ? `unknown time zone(s) read as business time: ${parsed.unknownZones.slice(0, 3).join(', ')}` : '',
    ].filter(Boolean);
    const before = await this.deps.repo.intervalsOf(cal.id);
    const changed = !sameIntervals(before, pieces);
    let replaced: BusyInterval[] | undefined;
    await inTransaction(
      this.deps.pool,
      async (conn) => {
        replaced = await this.deps.repo.replaceIntervals(
          cal,
          pieces,
          { at: h.at, etag: res.validators.etag ?? null, lastModified: res.validators.lastModified ?? null, syncedUntil: h.until, warning: warnings.join('; ').slice(0, 500) || null, changed },
          conn,
        );
        if (replaced && changed) {
          // What Redis may not hear (an outage): AvailabilityRecovery reads the audit log when it is back.
          await this.deps.audit.record(
            { actor: 'calendar-sync', action: 'busy_calendar.changed', entity: 'busy_calendar', entityId: cal.id, details: { employeeId: cal.employeeId, intervals: pieces.length } },
            conn,
          );
        }
      },
      // READ COMMITTED (the pool's level): the calendar's row is locked first, and every writer of its intervals takes it.
      { name: 'calendar.sync' },
    );
    if (!replaced) return 'skipped'; // removed meanwhile
    if (!changed || sameIntervals(replaced, pieces)) return 'unchanged';
    await this.announce(cal.employeeId, replaced, pieces, snap);
    return 'changed';
  }

  /** Voids the cached days the change touches and tells their open widgets (refetch). */
  private async announce(employeeId: number, before: BusyInterval[], after: BusyInterval[], snap: CatalogueSnapshot): Promise<void> {
    const zone = snap.rules.timezone;
    const key = (i: BusyInterval) => `${i.start}-${i.end}`;
    const was = new Set(before.map(key));
    const is = new Set(after.map(key));
    const added = after.filter((i) => !was.has(key(i)));
    const removed = before.filter((i) => !is.has(key(i)));
    const today = todayIn(zone, this.now());
    const last = addDays(today, snap.rules.maxAdvanceDays);
    const days = new Set<string>();
    for (const i of [...added, ...removed]) {
      // A day's plan holds busy time from the evening before to the day after (datesTouchedBy's rule, widened).
      let d = addDays(wallClock(i.start, zone).date, -1);
      const end = addDays(wallClock(i.end - 1, zone).date, 1);
      if (d < today) d = today;
      for (; d <= end && d <= last; d = addDays(d, 1)) days.add(d);
    }
    const employee = snap.staff.get(employeeId);
    const sorted = [...days].sort();
    // All at once (a first sync touches every day of the horizon): one pipelined round of scripts, not 365 round trips.
    await Promise.all(
      sorted.map((date) =>
        this.deps.availability.invalidateDay(date, employeeId).catch((err) => this.deps.logger.warn({ err, date, employeeId }, 'could not invalidate cached availability after a calendar change')),
      ),
    );
    for (const [n, date] of sorted.entries()) {
      const windows = employee?.workingHours[weekdayNameOf(date)] ?? [];
      if (!windows.length) continue;
      // Only the spans that reach into this day (a first sync has hundreds, spread over the horizon).
      const dayStart = localDateTimeInstant(`${date} 00:00:00`, zone);
      const dayEnd = localDateTimeInstant(`${addDays(date, 1)} 00:00:00`, zone);
      const within = (i: BusyInterval) => i.start < dayEnd && i.end > dayStart;
      const cellsAdded = cellsOf(date, windows, added.filter(within), zone, snap.rules.slotInterval);
      const cellsFreed = cellsOf(date, windows, removed.filter(within), zone, snap.rules.slotInterval);
      // A whole horizon of days is announced in slices: the server's thread keeps answering meanwhile.
      if (n % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
      if (cellsAdded.length) this.deps.hub.publish({ type: 'slot_booked', date, time: cellsAdded[0]!, times: cellsAdded, employeeId });
      if (cellsFreed.length) this.deps.hub.publish({ type: 'slot_released', date, time: cellsFreed[0]!, times: cellsFreed, employeeId });
    }
  }
}

/** The grid cells of a day's working windows that the spans touch. */
function cellsOf(date: string, windows: readonly { start: string; end: string }[], spans: readonly BusyInterval[], zone: string, interval: number): string[] {
  if (!spans.length) return [];
  const out: string[] = [];
  for (const w of windows) {
    for (let m = minutesOf(w.start); m < minutesOf(w.end); m += interval) {
      const at = localInstant(date, m, zone);
      if (at !== null && spans.some((s) => s.start < at + interval * 60_000 && at < s.end)) out.push(wallClock(at, zone).time);
    }
  }
  return out;
}

function sameIntervals(a: readonly BusyInterval[], b: readonly BusyInterval[]): boolean {
  return a.length === b.length && a.every((x, i) => x.start === b[i]!.start && x.end === b[i]!.end);
}

/** A failure the sync names itself (an HTTP status). */
class SyncFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The code and admin-facing message of a failed sync; never quotes the feed. */
function describeFailure(err: unknown): { code: string; message: string } {
  if (err instanceof SyncFailure) return { code: err.code, message: err.message };
  if (isOutboundError(err)) return { code: err.code, message: err.message };
  if (isCalendarError(err)) return { code: err.code, message: err.message };
  if ((err as { code?: string })?.code === 'database_unavailable') return { code: 'database_unavailable', message: 'The database could not be reached during the sync' };
  return { code: 'internal', message: 'The calendar could not be read (see the sidecar log)' };
}

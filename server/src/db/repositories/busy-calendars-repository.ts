import type { BusyInterval } from '../../calendar/intervals';
import type { Pool, PoolConnection } from '../pool';
import type { Tables } from '../schema';

/** One busy calendar of an employee (CONTRACT §13) and what its last sync left on record. */
export interface BusyCalendarRow {
  id: number;
  employeeId: number;
  position: number;
  url: string;
  etag: string | null;
  lastModified: string | null;
  /** The last business date the stored intervals cover (the horizon when they were read). */
  syncedUntil: string | null;
  /** Epoch ms, null = never. */
  lastAttemptAt: number | null;
  /** The last fetch that worked (a 304 included). */
  lastSyncAt: number | null;
  /** The last time the stored intervals changed. */
  lastChangeAt: number | null;
  lastErrorCode: string | null;
  lastError: string | null;
  lastErrorAt: number | null;
  intervalCount: number | null;
  warning: string | null;
}

/** An appointment row as the feed needs it. */
export interface FeedRow {
  id: number;
  strong_id: string | null;
  name: string;
  appointment_date: string;
  end_date: string | null;
  status: string;
  service_id: number | null;
  employee_id: number | null;
  buffer_before: number | null;
  buffer_after: number | null;
  rescheduled_at: string | null;
  updated_at: string | null;
  created_at: string | null;
}

/** MySQL DATETIME(3) text (UTC, the pool's zone) → epoch ms. */
export function utcMs(value: unknown): number | null {
  if (value == null || value === '') return null;
  const ms = Date.parse(`${String(value).replace(' ', 'T')}Z`);
  return Number.isFinite(ms) ? ms : null;
}

const sqlTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

const calendarOf = (r: any): BusyCalendarRow => ({
  id: Number(r.id),
  employeeId: Number(r.employee_id),
  position: Number(r.position),
  url: String(r.url),
  etag: r.etag ?? null,
  lastModified: r.last_modified ?? null,
  syncedUntil: r.synced_until == null ? null : String(r.synced_until).slice(0, 10),
  lastAttemptAt: utcMs(r.last_attempt_at),
  lastSyncAt: utcMs(r.last_sync_at),
  lastChangeAt: utcMs(r.last_change_at),
  lastErrorCode: r.last_error_code ?? null,
  lastError: r.last_error ?? null,
  lastErrorAt: utcMs(r.last_error_at),
  intervalCount: r.interval_count == null ? null : Number(r.interval_count),
  warning: r.warning ?? null,
});

/**
 * No stored interval is longer than this: longer ones (a fortnight's
 * holiday) are stored in pieces, so a look-up for one day can bound its
 * index range from below as well (`start_ms > from - MAX_STORED_SPAN_MS`).
 */
export const MAX_STORED_SPAN_MS = 86_400_000;

/** Intervals cut into pieces of at most MAX_STORED_SPAN_MS (what is stored, and what a sync compares). */
export function storedPieces(intervals: readonly BusyInterval[]): BusyInterval[] {
  const out: BusyInterval[] = [];
  for (const i of intervals) {
    for (let s = i.start; s < i.end; s += MAX_STORED_SPAN_MS) out.push({ start: s, end: Math.min(i.end, s + MAX_STORED_SPAN_MS) });
  }
  return out;
}

/** How many rows one INSERT carries when a calendar's intervals are replaced. */
const INSERT_BATCH = 1_000;

/**
 * The staff calendars' tables (all SQL): the feed tokens (hashed), the busy
 * calendars with their sync record, their busy intervals (MySQL is the
 * source of truth: availability, holds and bookings read them, Redis only
 * caches day plans built from them), and the lease that lets one instance
 * at a time run the sync.
 */
export class BusyCalendarsRepository {
  constructor(private readonly pool: Pool, private readonly t: Tables) {}

  // ---- feed tokens ----

  async feedOf(employeeId: number): Promise<{ nonce: string; hash: string } | undefined> {
    const [rows] = await this.pool.query<any[]>(`SELECT token_nonce, token_hash FROM \`${this.t.calendarFeeds}\` WHERE employee_id = ?`, [employeeId]);
    return rows[0] ? { nonce: String(rows[0].token_nonce), hash: String(rows[0].token_hash) } : undefined;
  }

  /** Creates or replaces the employee's token (rotation). */
  async setFeed(employeeId: number, nonce: string, hash: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO \`${this.t.calendarFeeds}\` (employee_id, token_nonce, token_hash, rotated_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))
       ON DUPLICATE KEY UPDATE token_nonce = VALUES(token_nonce), token_hash = VALUES(token_hash), rotated_at = VALUES(rotated_at)`,
      [employeeId, nonce, hash],
    );
  }

  /** Creates the employee's token unless one exists; returns the one that stands. */
  async ensureFeed(employeeId: number, nonce: string, hash: string): Promise<{ nonce: string; hash: string }> {
    await this.pool.query(
      `INSERT IGNORE INTO \`${this.t.calendarFeeds}\` (employee_id, token_nonce, token_hash, rotated_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))`,
      [employeeId, nonce, hash],
    );
    return (await this.feedOf(employeeId))!;
  }

  async employeeByTokenHash(hash: string): Promise<number | undefined> {
    const [rows] = await this.pool.query<any[]>(`SELECT employee_id FROM \`${this.t.calendarFeeds}\` WHERE token_hash = ?`, [hash]);
    return rows[0] ? Number(rows[0].employee_id) : undefined;
  }

  /** The employee's appointments (any status) starting at or after `fromLocal`, at most `limit`. */
  async feedRows(employeeId: number, fromLocal: string, limit: number): Promise<FeedRow[]> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT id, strong_id, name, appointment_date, end_date, status, service_id, employee_id, buffer_before, buffer_after, rescheduled_at, updated_at, created_at
       FROM \`${this.t.appointments}\` WHERE employee_id = ? AND appointment_date >= ? ORDER BY appointment_date, id LIMIT ?`,
      [employeeId, fromLocal, limit],
    );
    return rows as FeedRow[];
  }

  // ---- busy calendars ----

  async urlsByEmployee(conn?: PoolConnection): Promise<Map<number, string[]>> {
    const [rows] = await (conn ?? this.pool).query<any[]>(`SELECT employee_id, url FROM \`${this.t.busyCalendars}\` ORDER BY employee_id, position, id`);
    const out = new Map<number, string[]>();
    for (const r of rows) {
      const id = Number(r.employee_id);
      if (!out.has(id)) out.set(id, []);
      out.get(id)!.push(String(r.url));
    }
    return out;
  }

  async hasAny(): Promise<boolean> {
    const [rows] = await this.pool.query<any[]>(`SELECT 1 FROM \`${this.t.busyCalendars}\` LIMIT 1`);
    return rows.length > 0;
  }

  async all(): Promise<BusyCalendarRow[]> {
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM \`${this.t.busyCalendars}\` ORDER BY employee_id, position, id`);
    return rows.map(calendarOf);
  }

  async byId(id: number): Promise<BusyCalendarRow | undefined> {
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM \`${this.t.busyCalendars}\` WHERE id = ?`, [id]);
    return rows[0] ? calendarOf(rows[0]) : undefined;
  }

  /**
   * Makes the employee's calendars exactly `urls`, in that order: a URL
   * already there keeps its row, sync record and intervals; a removed one
   * goes with its intervals. Returns whether any calendar was added or removed.
   */
  async replaceCalendars(employeeId: number, urls: readonly string[], conn: PoolConnection): Promise<{ added: number; removed: number }> {
    const [rows] = await conn.query<any[]>(`SELECT id, url FROM \`${this.t.busyCalendars}\` WHERE employee_id = ? FOR UPDATE`, [employeeId]);
    const kept = new Map<string, number>();
    const gone: number[] = [];
    for (const r of rows) {
      if (urls.includes(String(r.url)) && !kept.has(String(r.url))) kept.set(String(r.url), Number(r.id));
      else gone.push(Number(r.id));
    }
    if (gone.length) {
      await conn.query(`DELETE FROM \`${this.t.busyIntervals}\` WHERE calendar_id IN (?)`, [gone]);
      await conn.query(`DELETE FROM \`${this.t.busyCalendars}\` WHERE id IN (?)`, [gone]);
    }
    let added = 0;
    for (const [position, url] of urls.entries()) {
      const id = kept.get(url);
      if (id !== undefined) {
        await conn.query(`UPDATE \`${this.t.busyCalendars}\` SET position = ? WHERE id = ?`, [position, id]);
      } else {
        await conn.query(`INSERT INTO \`${this.t.busyCalendars}\` (employee_id, position, url, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))`, [employeeId, position, url]);
        added++;
      }
    }
    return { added, removed: gone.length };
  }

  /** Every busy calendar of a removed employee, with its intervals, and the feed token. */
  async removeEmployee(employeeId: number, conn: PoolConnection): Promise<void> {
    await conn.query(`DELETE FROM \`${this.t.busyIntervals}\` WHERE employee_id = ?`, [employeeId]);
    await conn.query(`DELETE FROM \`${this.t.busyCalendars}\` WHERE employee_id = ?`, [employeeId]);
    await conn.query(`DELETE FROM \`${this.t.calendarFeeds}\` WHERE employee_id = ?`, [employeeId]);
  }

  /** A fetch that worked and found the copy unchanged (304, or the same intervals). */
  async recordUnchanged(id: number, at: number, v: { etag?: string | null; lastModified?: string | null }): Promise<void> {
    await this.pool.query(
      `UPDATE \`${this.t.busyCalendars}\` SET last_attempt_at = ?, last_sync_at = ?, last_error_code = NULL, last_error = NULL, last_error_at = NULL,
       etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified) WHERE id = ?`,
      [sqlTime(at), sqlTime(at), v.etag ?? null, v.lastModified ?? null, id],
    );
  }

  /** A fetch or parse that failed: the intervals stay as they were (the last good copy). */
  async recordFailure(id: number, at: number, code: string, message: string): Promise<void> {
    await this.pool.query(
      `UPDATE \`${this.t.busyCalendars}\` SET last_attempt_at = ?, last_error_code = ?, last_error = ?, last_error_at = ? WHERE id = ?`,
      [sqlTime(at), code.slice(0, 32), message.slice(0, 500), sqlTime(at), id],
    );
  }

  /**
   * Replaces one calendar's intervals and records the sync, in one
   * transaction; returns the intervals it replaced (to find the days that
   * changed). A calendar removed meanwhile is left alone (undefined).
   */
  async replaceIntervals(
    cal: { id: number; employeeId: number },
    intervals: readonly BusyInterval[],
    record: { at: number; etag: string | null; lastModified: string | null; syncedUntil: string; warning: string | null; changed: boolean },
    conn: PoolConnection,
  ): Promise<BusyInterval[] | undefined> {
    const [locked] = await conn.query<any[]>(`SELECT id FROM \`${this.t.busyCalendars}\` WHERE id = ? FOR UPDATE`, [cal.id]);
    if (!locked.length) return undefined;
    const [old] = await conn.query<any[]>(`SELECT start_ms, end_ms FROM \`${this.t.busyIntervals}\` WHERE calendar_id = ? ORDER BY start_ms`, [cal.id]);
    const before = old.map((r) => ({ start: Number(r.start_ms), end: Number(r.end_ms) }));
    if (record.changed) {
      await conn.query(`DELETE FROM \`${this.t.busyIntervals}\` WHERE calendar_id = ?`, [cal.id]);
      for (let i = 0; i < intervals.length; i += INSERT_BATCH) {
        const batch = intervals.slice(i, i + INSERT_BATCH).map((iv) => [cal.id, cal.employeeId, iv.start, iv.end]);
        await conn.query(`INSERT INTO \`${this.t.busyIntervals}\` (calendar_id, employee_id, start_ms, end_ms) VALUES ?`, [batch]);
      }
    }
    await conn.query(
      `UPDATE \`${this.t.busyCalendars}\` SET etag = ?, last_modified = ?, synced_until = ?, last_attempt_at = ?, last_sync_at = ?,
       last_change_at = IF(?, ?, last_change_at), last_error_code = NULL, last_error = NULL, last_error_at = NULL, interval_count = ?, warning = ? WHERE id = ?`,
      [record.etag, record.lastModified, record.syncedUntil, sqlTime(record.at), sqlTime(record.at), record.changed ? 1 : 0, sqlTime(record.at), intervals.length, record.warning, cal.id],
    );
    return before;
  }

  async intervalsOf(calendarId: number): Promise<BusyInterval[]> {
    const [rows] = await this.pool.query<any[]>(`SELECT start_ms, end_ms FROM \`${this.t.busyIntervals}\` WHERE calendar_id = ? ORDER BY start_ms`, [calendarId]);
    return rows.map((r) => ({ start: Number(r.start_ms), end: Number(r.end_ms) }));
  }

  /**
   * The employee's busy time overlapping [from, to) (epoch ms), all
   * calendars. Stored pieces are at most MAX_STORED_SPAN_MS long, so the
   * index range is bounded on both sides.
   */
  async busyBetween(employeeId: number, from: number, to: number, conn?: PoolConnection): Promise<BusyInterval[]> {
    const [rows] = await (conn ?? this.pool).query<any[]>(
      `SELECT start_ms, end_ms FROM \`${this.t.busyIntervals}\` WHERE employee_id = ? AND start_ms < ? AND start_ms > ? AND end_ms > ? ORDER BY start_ms`,
      [employeeId, to, from - MAX_STORED_SPAN_MS, from],
    );
    return rows.map((r) => ({ start: Number(r.start_ms), end: Number(r.end_ms) }));
  }

  // ---- the sync's lease ----

  /**
   * Starts a run of job `name` for `owner` when no other run holds the lease
   * and the last one started at least `periodMs` ago: one instance per
   * period, whichever asks first. The lease lasts `leaseMs` (renew while
   * working). True when this caller may run.
   */
  async tryStartRun(name: string, owner: string, now: number, periodMs: number, leaseMs: number): Promise<boolean> {
    await this.pool.query(`INSERT IGNORE INTO \`${this.t.jobLeases}\` (name, owner, lease_until_ms, last_started_ms) VALUES (?, NULL, 0, 0)`, [name]);
    const [res] = await this.pool.query<any>(
      `UPDATE \`${this.t.jobLeases}\` SET owner = ?, lease_until_ms = ?, last_started_ms = ? WHERE name = ? AND lease_until_ms < ? AND last_started_ms <= ?`,
      [owner, now + leaseMs, now, name, now, now - periodMs],
    );
    return Number(res.affectedRows) === 1;
  }

  /** Extends the lease; false when it is no longer this owner's (it ran out and another instance took it). */
  async renewRun(name: string, owner: string, until: number): Promise<boolean> {
    const [res] = await this.pool.query<any>(`UPDATE \`${this.t.jobLeases}\` SET lease_until_ms = ? WHERE name = ? AND owner = ? AND lease_until_ms > 0`, [until, name, owner]);
    return Number(res.affectedRows) === 1;
  }

  async finishRun(name: string, owner: string): Promise<void> {
    await this.pool.query(`UPDATE \`${this.t.jobLeases}\` SET lease_until_ms = 0 WHERE name = ? AND owner = ?`, [name, owner]);
  }

  /** The next run may start at once (a calendar was added): the period is counted from zero. */
  async requestRun(name: string): Promise<void> {
    await this.pool.query(`UPDATE \`${this.t.jobLeases}\` SET last_started_ms = 0 WHERE name = ?`, [name]);
  }
}

import { isDuplicateKey } from '../db/errors';
import { inTransaction, rollback, type Pool, type PoolConnection, type RolledBack, type TransactionOptions } from '../db/pool';
import type { Tables } from '../db/schema';
import { cellsOf, type AcquireResult, type LockInfo, type LockRequest, type LockStore, type ReleaseResult, type VerifyResult } from './lock-store';

interface LockRow {
  id: number;
  date: string;
  time: string;
  employee_id: number;
  client_id: string;
  lock_id: string | null;
  service_id: number | null;
  start_time: string | null;
  expires_at_ms: number | string | null;
}

/**
 * Every transaction here serialises on the rows it touches (the cells' unique
 * key, the rows of one lock): READ COMMITTED keeps InnoDB from adding gap
 * locks, which made takers of neighbouring cells, releases and sweeps
 * deadlock one another. What contention remains is retried by inTransaction.
 */
const tx = (name: string): TransactionOptions => ({ name, isolation: 'READ COMMITTED' });
const ACQUIRE = tx('lock.acquire');
const RELEASE = tx('lock.release');
const TAKE_EXPIRED = tx('lock.take_expired');

const hhmm = (t: string) => t.slice(0, 5);
const utcSql = (ms: number) => new Date(Math.ceil(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');

/**
 * The MySQL twin of the lock store, on AppointEase's `{p}appointease_slot_locks`:
 * one row per covered cell, UNIQUE(date, time, employee_id) makes a cell
 * exclusive, and an expired row is replaced inside the same transaction that
 * takes it. A refused hold writes nothing (so it uses up no AUTO_INCREMENT id
 * of the plugin's mediumint column, however often it is repeated). Rows keep `lock_id` (the token's SHA-256), the lock's start time,
 * service and owner, and the expiry in ms; `expires_at` (UTC, rounded up to
 * the second) stays filled for AppointEase's readers and is the indexed column.
 */
export class MysqlLockStore implements LockStore {
  constructor(
    private readonly pool: Pool,
    private readonly t: Tables,
    private readonly now: () => number = Date.now,
  ) {}

  acquire(req: LockRequest): Promise<AcquireResult> {
    return inTransaction(this.pool, (conn) => this.acquireIn(conn, req), ACQUIRE);
  }

  /** A refusal rolls back: it must leave no row and no removed expired lock behind. */
  private async acquireIn(conn: PoolConnection, req: LockRequest): Promise<AcquireResult | RolledBack<AcquireResult>> {
    const now = this.now();
    const expiresAt = now + req.ttlMs;
    const cells = [...req.cells].sort();
    // A plain read first: a cell held by a committed live lock refuses at once, without a lock or a write.
    const [present] = await conn.query<any[]>(
      `SELECT expires_at_ms FROM \`${this.t.slotLocks}\` WHERE date = ? AND employee_id = ? AND time IN (?)`,
      [req.date, req.employeeId, cells.map((c) => `${c}:00`)],
    );
    if (present.some((r) => isLive(r.expires_at_ms, now))) return rollback({ status: 'taken' });
    // So does a client already at its cap (a refusal must not insert: rolled-back rows still use up ids).
    if ((await this.liveLocksOf(conn, req.owner, now, false)) >= req.maxPerClient) return rollback({ status: 'too_many' });
    const expired = present.length ? await this.removeExpiredCovering(conn, req.date, req.employeeId, cells, now) : [];
    // Cells in order, so two takers of overlapping cells wait for each other instead of deadlocking.
    // A free cell taken meanwhile by a transaction that commits first is a duplicate key: refused.
    try {
      await conn.query(
        `INSERT INTO \`${this.t.slotLocks}\` (date, time, employee_id, client_id, expires_at, lock_id, service_id, start_time, expires_at_ms)
         VALUES ${cells.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        cells.flatMap((c) => [req.date, `${c}:00`, req.employeeId, req.owner, utcSql(expiresAt), req.lockId, req.serviceId, `${req.time}:00`, expiresAt]),
      );
    } catch (err) {
      if (isDuplicateKey(err)) return rollback({ status: 'taken' });
      throw err;
    }
    // Counted again with a locking read, which also sees the rows of a concurrent acquire by the
    // same client (it waits for that transaction, or deadlocks with it and the retry counts
    // again): the cap holds under any concurrency.
    if ((await this.liveLocksOf(conn, req.owner, now, true)) > req.maxPerClient) return rollback({ status: 'too_many' });
    return {
      status: 'acquired',
      lock: { date: req.date, time: req.time, times: cells, employeeId: req.employeeId, serviceId: req.serviceId, owner: req.owner, lockId: req.lockId, expiresAt, store: 'mysql' },
      ...(expired.length ? { expired } : {}),
    };
  }

  private async liveLocksOf(conn: PoolConnection, owner: string, now: number, locking: boolean): Promise<number> {
    const [[count]] = await conn.query<any[]>(
      `SELECT COUNT(DISTINCT lock_id) AS n FROM \`${this.t.slotLocks}\` WHERE client_id = ? AND expires_at_ms > ?${locking ? ' FOR UPDATE' : ''}`,
      [owner, now],
    );
    return Number(count.n);
  }

  /**
   * Deletes, inside the acquire transaction, every expired lock that holds one
   * of the requested cells — all of its rows, not just the overlapping ones —
   * and returns them. Taking them here (rather than letting the upsert
   * overwrite them) means the sweeper cannot miss them and no lock's expiry is
   * announced twice or in part. A refused acquire rolls this back.
   */
  private async removeExpiredCovering(conn: PoolConnection, date: string, employeeId: number, cells: string[], now: number): Promise<LockInfo[]> {
    const [hits] = await conn.query<any[]>(
      `SELECT id, lock_id FROM \`${this.t.slotLocks}\` WHERE date = ? AND employee_id = ? AND time IN (?) AND (expires_at_ms IS NULL OR expires_at_ms <= ?) FOR UPDATE`,
      [date, employeeId, cells.map((c) => `${c}:00`), now],
    );
    if (hits.length === 0) return [];
    const lockIds = [...new Set(hits.map((h) => h.lock_id).filter((id): id is string => id != null))];
    const legacyIds = hits.filter((h) => h.lock_id == null).map((h) => h.id);
    const [rows] = await conn.query<any[]>(
      `SELECT * FROM \`${this.t.slotLocks}\` WHERE ${lockIds.length ? 'lock_id IN (?)' : '0'} OR ${legacyIds.length ? 'id IN (?)' : '0'} FOR UPDATE`,
      [...(lockIds.length ? [lockIds] : []), ...(legacyIds.length ? [legacyIds] : [])],
    );
    await conn.query(`DELETE FROM \`${this.t.slotLocks}\` WHERE id IN (?)`, [rows.map((r) => r.id)]);
    return locksOf(rows as LockRow[]);
  }

  async verify(date: string, time: string, employeeId: number, lockId: string): Promise<VerifyResult> {
    const lock = await this.lockAt(this.pool, date, time, employeeId, false);
    if (!lock) return { status: 'not_found' };
    return lock.lockId === lockId ? { status: 'valid', lock } : { status: 'not_owner' };
  }

  async release(date: string, time: string, employeeId: number, lockId: string | null): Promise<ReleaseResult> {
    return inTransaction(this.pool, async (conn) => {
      const lock = await this.lockAt(conn, date, time, employeeId, true);
      if (!lock) return { status: 'not_found' } as const;
      if (lockId !== null && lock.lockId !== lockId) return { status: 'not_owner' } as const;
      await conn.query(`DELETE FROM \`${this.t.slotLocks}\` WHERE lock_id = ?`, [lock.lockId]);
      return { status: 'released', lock } as const;
    }, RELEASE);
  }

  /** The live lock covering a cell, with all its cells. */
  private async lockAt(db: Pool | PoolConnection, date: string, time: string, employeeId: number, forUpdate: boolean): Promise<LockInfo | undefined> {
    const [rows] = await db.query<any[]>(
      `SELECT * FROM \`${this.t.slotLocks}\` WHERE date = ? AND time = ? AND employee_id = ? AND expires_at_ms > ?${forUpdate ? ' FOR UPDATE' : ''}`,
      [date, `${time}:00`, employeeId, this.now()],
    );
    const row = rows[0] as LockRow | undefined;
    if (!row?.lock_id) return undefined;
    const [cells] = await db.query<any[]>(`SELECT * FROM \`${this.t.slotLocks}\` WHERE lock_id = ?${forUpdate ? ' FOR UPDATE' : ''}`, [row.lock_id]);
    return locksOf(cells as LockRow[])[0];
  }

  async listDay(date: string, employeeId: number): Promise<LockInfo[]> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT * FROM \`${this.t.slotLocks}\` WHERE date = ? AND employee_id = ? AND expires_at_ms > ?`,
      [date, employeeId, this.now()],
    );
    return locksOf(rows as LockRow[]);
  }

  async listAll(): Promise<LockInfo[]> {
    const now = this.now();
    const [rows] = await this.pool.query<any[]>(
      `SELECT * FROM \`${this.t.slotLocks}\` WHERE expires_at >= ? AND expires_at_ms > ?`,
      [utcSql(now - 1000), now],
    );
    return locksOf(rows as LockRow[]);
  }

  async lockedCells(date: string, employeeId: number): Promise<Set<string>> {
    return cellsOf(await this.listDay(date, employeeId));
  }

  async lockedCellsMany(dates: string[], employeeId: number): Promise<Map<string, Set<string>>> {
    const out = new Map(dates.map((d) => [d, new Set<string>()]));
    if (dates.length === 0) return out;
    const [rows] = await this.pool.query<any[]>(
      `SELECT date, time FROM \`${this.t.slotLocks}\` WHERE employee_id = ? AND date IN (?) AND expires_at_ms > ?`,
      [employeeId, dates, this.now()],
    );
    for (const r of rows) out.get(String(r.date))?.add(hhmm(String(r.time)));
    return out;
  }

  /**
   * The resilient store's watermark, one statement: the latest expiry of any
   * live row (0 when none), and whether the table holds any row at all (live,
   * or expired and not yet swept).
   */
  async watermark(): Promise<{ liveUntil: number; anyRows: boolean }> {
    const now = this.now();
    const [[row]] = await this.pool.query<any[]>(
      `SELECT (SELECT MAX(expires_at_ms) FROM \`${this.t.slotLocks}\` WHERE expires_at >= ?) AS until, EXISTS(SELECT 1 FROM \`${this.t.slotLocks}\`) AS any_rows`,
      [utcSql(now - 1000)],
    );
    const until = Number(row?.until ?? 0);
    return { liveUntil: until > now ? until : 0, anyRows: Number(row?.any_rows ?? 1) === 1 };
  }

  /** Live rows among some cells (acquire in Redis must respect locks the fallback still holds). */
  async anyLive(date: string, employeeId: number, cells: string[]): Promise<boolean> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT 1 FROM \`${this.t.slotLocks}\` WHERE date = ? AND employee_id = ? AND time IN (?) AND expires_at_ms > ? LIMIT 1`,
      [date, employeeId, cells.map((c) => `${c}:00`), this.now()],
    );
    return rows.length > 0;
  }

  async takeExpired(limit = 500): Promise<LockInfo[]> {
    return inTransaction(this.pool, async (conn) => {
      const now = this.now();
      // Concurrent sweepers wait on these row locks (taken in one order, so they queue rather
      // than deadlock), then find the rows gone: each expiry is taken once, and whole.
      const [rows] = await conn.query<any[]>(
        `SELECT * FROM \`${this.t.slotLocks}\` WHERE expires_at <= ? AND (expires_at_ms IS NULL OR expires_at_ms <= ?) ORDER BY expires_at LIMIT ? FOR UPDATE`,
        [utcSql(now), now, limit],
      );
      if (rows.length === 0) return [];
      await conn.query(`DELETE FROM \`${this.t.slotLocks}\` WHERE id IN (?)`, [rows.map((r) => r.id)]);
      return locksOf(rows as LockRow[]);
    }, TAKE_EXPIRED);
  }
}

/** A row's lock is live while its expiry (ms) lies ahead; rows from before the sidecar have none and never count as live. */
function isLive(expiresAtMs: number | string | null, now: number): boolean {
  return expiresAtMs != null && Number(expiresAtMs) > now;
}

/** Rows (one per cell) grouped into locks. Rows from before the sidecar (no lock_id) count as one-cell locks. */
function locksOf(rows: LockRow[]): LockInfo[] {
  const byId = new Map<string, LockInfo>();
  for (const r of rows) {
    const id = r.lock_id ?? `legacy-${r.id}`;
    const time = hhmm(String(r.time));
    let l = byId.get(id);
    if (!l) {
      l = {
        date: String(r.date),
        time: r.start_time ? hhmm(String(r.start_time)) : time,
        times: [],
        employeeId: Number(r.employee_id),
        serviceId: Number(r.service_id ?? 0),
        owner: String(r.client_id),
        lockId: id,
        expiresAt: Number(r.expires_at_ms ?? 0),
        store: 'mysql',
      };
      byId.set(id, l);
    }
    l.times.push(time);
  }
  for (const l of byId.values()) l.times.sort();
  return [...byId.values()];
}

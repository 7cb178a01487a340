import { inTransaction, retryOnContention, type Pool, type PoolConnection } from '../pool';
import type { Tables } from '../schema';

/**
 * The transactional outbox (docs/outbox.md): work that must happen because a
 * booking changed (a webhook delivery, a reminder mail) is written as a row
 * in the SAME transaction as the change, and any instance delivers it later.
 * MySQL is the source of truth on purpose: Redis going away can neither lose
 * nor duplicate a row.
 *
 * All times are UTC and come from the database clock (UTC_TIMESTAMP(3)), so
 * the leases of instances whose clocks disagree still agree.
 */

export type OutboxStatus = 'pending' | 'done' | 'failed' | 'cancelled';

/** What a caller writes. */
export interface OutboxEntry {
  /** Which handler delivers it: 'webhook', 'reminder'. */
  kind: string;
  /** JSON-serialisable; stored as text, handed to the handler parsed. */
  payload: unknown;
  /** Not before this instant (a reminder's send time). Default: now. */
  dueAt?: Date;
  /**
   * Rows with the same key are delivered one after another in id order: a
   * later one is not claimed while an earlier one is pending (waiting, in
   * flight, or between retries). Rows of one key must be enqueued by
   * transactions that serialise on one row (the appointment's), so that id
   * order is the order of the changes.
   */
  orderingKey?: string;
  /** Rows with the same key share a per-instance concurrency cap (one receiver cannot take every slot). */
  concurrencyKey?: string;
  /** Enqueueing a key that is already live is a no-op (a retried transaction, a re-planned reminder). */
  dedupeKey?: string;
  appointmentId?: number;
}

/** A claimed row, as a handler sees it. */
export interface OutboxRow {
  id: number;
  kind: string;
  /** The parsed payload, or undefined when the stored text is not JSON (see payloadError). */
  payload: unknown;
  payloadError?: string;
  orderingKey: string | null;
  concurrencyKey: string | null;
  dedupeKey: string | null;
  appointmentId: number | null;
  dueAt: Date;
  createdAt: Date;
  /** Attempts including this one (a claim counts, so a row that crashes its worker runs out too). */
  attempts: number;
  /** The claimer; together with `attempts` the fencing token finish() checks. */
  leaseOwner: string;
}

/** What a row looks like from outside (tests, admin views). */
export interface OutboxRecord extends Omit<OutboxRow, 'leaseOwner'> {
  status: OutboxStatus;
  availableAt: Date;
  leaseOwner: string | null;
  lastError: string | null;
  finishedAt: Date | null;
}

export interface ClaimOptions {
  /** Only rows of these kinds (the kinds this instance has handlers for). */
  kinds: readonly string[];
  limit: number;
  /** How long the claim holds; after it, another instance may take the row (crash recovery). */
  leaseMs: number;
  /**
   * Concurrency keys at their cap on this instance: their rows are not even
   * looked at, so a receiver with a long backlog cannot fill the candidate
   * window and starve the others.
   */
  excludeConcurrencyKeys?: readonly string[];
  /** Lets the worker skip candidates whose concurrency key would pass its cap in this batch; called in claim order. */
  accept?: (candidate: { concurrencyKey: string | null }) => boolean;
  /** Runs inside the claim transaction once the rows are locked: tests hold the locks open with it. */
  whileLocked?: (ids: number[]) => Promise<void>;
}

/** What one claim took, and what its look at the table saw besides. */
export interface ClaimResult {
  rows: OutboxRow[];
  /**
   * Due candidates it saw but did not take: passed over for a concurrency
   * cap, locked by another claimer (SKIP LOCKED), leased by one meanwhile, or
   * beyond the batch. When it is 0 the look saw every claimable row of its kinds.
   */
  dueLeft: number;
  /**
   * Milliseconds, on the database clock, until the earliest candidate that
   * was not yet due (a planned reminder, a retry, another instance's lease
   * running out); null when the look saw none. Rows held back by an earlier
   * row of their ordering key, or of a concurrency key left out, are not
   * candidates: their own wake paths (an attempt finishing) cover them.
   */
  nextDueInMs: number | null;
}

export interface OutboxKindStats {
  kind: string;
  /** Pending rows whose due time has passed (in flight and waiting for a retry included). */
  due: number;
  /** Pending rows due later (planned reminders). */
  scheduled: number;
  /** Claimed rows whose lease has not run out. */
  inFlight: number;
  /** Seconds since the due time of the oldest due pending row; 0 when none. */
  oldestDueAgeSeconds: number;
}

type Queryable = Pick<PoolConnection, 'query'>;

/** mysql2 returns DATETIME(3) as 'YYYY-MM-DD HH:MM:SS.mmm' (dateStrings); these columns hold UTC. */
export function utcFromSql(value: string): Date {
  return new Date(`${value.replace(' ', 'T')}Z`);
}

function parsePayload(text: string): { payload: unknown; payloadError?: string } {
  try {
    return { payload: JSON.parse(text) };
  } catch {
    return { payload: undefined, payloadError: 'payload is not valid JSON' };
  }
}

function toRecord(r: any): OutboxRecord {
  return {
    id: Number(r.id),
    kind: r.kind,
    status: r.status,
    ...parsePayload(r.payload),
    orderingKey: r.ordering_key,
    concurrencyKey: r.concurrency_key,
    dedupeKey: r.dedupe_key,
    appointmentId: r.appointment_id === null ? null : Number(r.appointment_id),
    dueAt: utcFromSql(r.due_at),
    availableAt: utcFromSql(r.available_at),
    createdAt: utcFromSql(r.created_at),
    attempts: Number(r.attempts),
    leaseOwner: r.lease_owner,
    lastError: r.last_error,
    finishedAt: r.finished_at === null ? null : utcFromSql(r.finished_at),
  };
}

/** Rejects what the columns would otherwise truncate: a cut key would merge unrelated rows. */
function checkEntry(e: OutboxEntry): void {
  if (!/^[a-z][a-z0-9_.-]{0,31}$/.test(e.kind)) throw new RangeError(`outbox kind "${e.kind}" must be 1–32 lower-case letters, digits, _ . -`);
  if (JSON.stringify(e.payload) === undefined) throw new TypeError(`outbox payload of kind ${e.kind} is not JSON-serialisable`);
  for (const [name, value, max] of [
    ['orderingKey', e.orderingKey, 128],
    ['concurrencyKey', e.concurrencyKey, 128],
    ['dedupeKey', e.dedupeKey, 190],
  ] as const) {
    if (value !== undefined && (value.length === 0 || value.length > max)) throw new RangeError(`outbox ${name} must be 1–${max} characters`);
  }
  if (e.appointmentId !== undefined && !(Number.isSafeInteger(e.appointmentId) && e.appointmentId > 0)) throw new RangeError('outbox appointmentId must be a positive integer');
  if (e.dueAt !== undefined && Number.isNaN(e.dueAt.getTime())) throw new RangeError('outbox dueAt is not a valid date');
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export class OutboxRepository {
  private readonly table: string;

  constructor(
    private readonly pool: Pool,
    t: Pick<Tables, 'outbox'>,
  ) {
    this.table = `\`${t.outbox}\``;
  }

  /**
   * Writes rows inside the caller's transaction (`conn` is the booking
   * transaction's connection), so they exist exactly when the change commits.
   * Returns how many were new (a live dedupe key is skipped, not an error).
   */
  async enqueue(conn: Queryable, entries: readonly OutboxEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const values: unknown[] = [];
    for (const e of entries) {
      checkEntry(e);
      values.push(e.kind, JSON.stringify(e.payload), e.orderingKey ?? null, e.concurrencyKey ?? null, e.dedupeKey ?? null, e.appointmentId ?? null, e.dueAt ?? null, e.dueAt ?? null);
    }
    const row = '(?, ?, ?, ?, ?, ?, COALESCE(?, UTC_TIMESTAMP(3)), COALESCE(?, UTC_TIMESTAMP(3)), UTC_TIMESTAMP(3))';
    // IGNORE skips a duplicate dedupe key and counts only new rows. It would also turn a too-long value
    // into a silent truncation, which checkEntry has ruled out above.
    const [res] = await conn.query<any>(
      `INSERT IGNORE INTO ${this.table} (kind, payload, ordering_key, concurrency_key, dedupe_key, appointment_id, due_at, available_at, created_at)
       VALUES ${entries.map(() => row).join(', ')}`,
      values,
    );
    return Number(res.affectedRows);
  }

  /**
   * Claims due rows for `owner` so that no other instance takes them until
   * the lease runs out, and says when the next one falls due.
   *
   * 1. Candidates, by a plain (non-locking) read: pending, of our kinds, and
   *    with no earlier pending row of the same ordering key, oldest
   *    `available_at` first, each with the database's own verdict on whether
   *    it is due and how long until it is. Due ones sort first, so rows not
   *    yet due only fill what the due ones leave of the window: the first of
   *    them is the earliest the worker must look again for (the same
   *    statement, no second query, and no comparison with this process's
   *    clock). Read without locks on
   *    purpose: a locking read would SKIP a predecessor that another worker is
   *    claiming at this moment and wrongly see the successor as free.
   *    "Earlier row pending" only ever turns false (pending → done/failed/
   *    cancelled), so a stale read can only hold a row back, never release
   *    one too early.
   * 2. In one transaction: lock those still due with FOR UPDATE SKIP LOCKED
   *    (rows another instance is claiming right now are passed over, not
   *    waited for), then lease them: owner, attempts + 1, and available_at
   *    moved to the lease's end, which is what makes an unfinished row
   *    claimable again after a crash.
   */
  async claim(owner: string, options: ClaimOptions): Promise<ClaimResult> {
    if (options.kinds.length === 0 || options.limit <= 0) return { rows: [], dueLeft: 0, nextDueInMs: null };
    const excluded = options.excludeConcurrencyKeys ?? [];
    // More candidates than wanted, so that an instance racing another for the same first rows
    // takes the next ones instead of coming back empty.
    const [candidates] = await this.pool.query<any[]>(
      `SELECT o.id, o.concurrency_key, o.available_at <= UTC_TIMESTAMP(3) AS due, TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), o.available_at) AS wait_us
         FROM ${this.table} o
        WHERE o.status = 'pending' AND o.kind IN (?)
          ${excluded.length > 0 ? 'AND (o.concurrency_key IS NULL OR o.concurrency_key NOT IN (?))' : ''}
          AND (o.ordering_key IS NULL OR NOT EXISTS (
                SELECT 1 FROM ${this.table} p WHERE p.ordering_key = o.ordering_key AND p.status = 'pending' AND p.id < o.id))
        ORDER BY o.available_at, o.id
        LIMIT ?`,
      excluded.length > 0 ? [options.kinds, excluded, options.limit * 4] : [options.kinds, options.limit * 4],
    );
    const ids: number[] = [];
    let due = 0;
    let nextDueInMs: number | null = null;
    for (const c of candidates) {
      if (Number(c.due) !== 1) {
        // Sorted by available_at: the first one not due is the earliest.
        nextDueInMs ??= Math.max(0, Number(c.wait_us)) / 1000;
        continue;
      }
      due++;
      if (options.accept && !options.accept({ concurrencyKey: c.concurrency_key })) continue;
      ids.push(Number(c.id));
    }
    const rows = ids.length === 0 ? [] : await this.lease(owner, ids, options);
    return { rows, dueLeft: due - rows.length, nextDueInMs };
  }

  /** Step 2 of claim(): lock those of `ids` still due, skipping locked ones, and lease them. */
  private lease(owner: string, ids: number[], options: ClaimOptions): Promise<OutboxRow[]> {
    // READ COMMITTED: the claim serialises on the rows it locks by primary key and wants no gap locks.
    const transaction = { name: 'outbox.claim', isolation: 'READ COMMITTED' } as const;
    return inTransaction(this.pool, async (conn) => {
      // FORCE INDEX (PRIMARY): on a small table the optimizer would rather range-scan (status,
      // available_at) and sort, and under REPEATABLE READ that scan takes next-key locks on every
      // due row and the gap after them, which blocks the booking transactions' INSERTs and other
      // rows' finishes for the length of the claim, and deadlocks with them. Point lookups on the
      // primary key lock the claimed rows and nothing else; walking it in order, rows past the
      // LIMIT are not even looked at.
      const [locked] = await conn.query<any[]>(
        `SELECT id FROM ${this.table} FORCE INDEX (PRIMARY)
          WHERE id IN (?) AND status = 'pending' AND available_at <= UTC_TIMESTAMP(3) ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
        [ids, options.limit],
      );
      if (locked.length === 0) return [];
      const claimed = locked.map((r) => Number(r.id));
      await conn.query(
        `UPDATE ${this.table} FORCE INDEX (PRIMARY) SET lease_owner = ?, attempts = attempts + 1, available_at = TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(3)) WHERE id IN (?)`,
        [owner, Math.round(options.leaseMs * 1000), claimed],
      );
      await options.whileLocked?.(claimed);
      const [rows] = await conn.query<any[]>(`SELECT * FROM ${this.table} WHERE id IN (?) ORDER BY id`, [claimed]);
      return rows.map((r) => {
        const { status: _s, availableAt: _a, lastError: _e, finishedAt: _f, leaseOwner, ...row } = toRecord(r);
        return { ...row, leaseOwner: leaseOwner! };
      });
    }, transaction);
  }

  // finish: each is fenced on (owner, attempts), the token of one claim. A worker whose lease ran out and whose
  // row was claimed again elsewhere changes nothing (false), instead of overwriting the newer attempt's outcome.

  async complete(row: Pick<OutboxRow, 'id' | 'leaseOwner' | 'attempts'>): Promise<boolean> {
    return this.fenced(row, `status = 'done', finished_at = UTC_TIMESTAMP(3), lease_owner = NULL, last_error = NULL`, []);
  }

  /** Back to pending, claimable again after `delayMs`. */
  async retry(row: Pick<OutboxRow, 'id' | 'leaseOwner' | 'attempts'>, delayMs: number, error: string): Promise<boolean> {
    return this.fenced(row, `available_at = TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(3)), lease_owner = NULL, last_error = ?`, [
      Math.max(0, Math.round(delayMs * 1000)),
      clip(error, 500),
    ]);
  }

  async fail(row: Pick<OutboxRow, 'id' | 'leaseOwner' | 'attempts'>, error: string): Promise<boolean> {
    return this.fenced(row, `status = 'failed', finished_at = UTC_TIMESTAMP(3), lease_owner = NULL, last_error = ?`, [clip(error, 500)]);
  }

  /** Dropped by its handler (the webhook was deleted, the appointment cancelled). Frees the dedupe key. */
  async cancel(row: Pick<OutboxRow, 'id' | 'leaseOwner' | 'attempts'>, reason: string): Promise<boolean> {
    return this.fenced(row, `status = 'cancelled', finished_at = UTC_TIMESTAMP(3), lease_owner = NULL, dedupe_key = NULL, last_error = ?`, [clip(reason, 500)]);
  }

  private async fenced(row: Pick<OutboxRow, 'id' | 'leaseOwner' | 'attempts'>, set: string, values: unknown[]): Promise<boolean> {
    const [res] = await retryOnContention(this.pool, 'outbox.finish', () =>
      this.pool.query<any>(`UPDATE ${this.table} SET ${set} WHERE id = ? AND status = 'pending' AND lease_owner = ? AND attempts = ?`, [
        ...values,
        row.id,
        row.leaseOwner,
        row.attempts,
      ]),
    );
    return Number(res.affectedRows) === 1;
  }

  /**
   * Drops the pending rows of an appointment (a cancellation drops its
   * reminders; a reschedule drops them before planning new ones), inside the
   * caller's transaction. Frees their dedupe keys, so moving an appointment
   * back to a time it had before plans that time's reminders again. A row in
   * flight at this moment is cancelled too; its worker's finish is then
   * refused, but a mail already handed to the mail server is not recalled.
   */
  async cancelPending(conn: Queryable, appointmentId: number, kind: string, reason = 'cancelled'): Promise<number> {
    // Found by a plain read, changed by primary key: an UPDATE by appointment_id would take next-key
    // locks on that index inside the booking transaction, which a worker finishing one of these rows
    // at the same moment needs to insert into (a deadlock). New rows of this appointment cannot
    // appear meanwhile: they come only from transactions that hold the appointment row, like this one.
    const [rows] = await conn.query<any[]>(`SELECT id FROM ${this.table} WHERE appointment_id = ? AND kind = ? AND status = 'pending'`, [appointmentId, kind]);
    if (rows.length === 0) return 0;
    const [res] = await conn.query<any>(
      `UPDATE ${this.table} FORCE INDEX (PRIMARY)
          SET status = 'cancelled', finished_at = UTC_TIMESTAMP(3), lease_owner = NULL, dedupe_key = NULL, last_error = ?
        WHERE id IN (?) AND status = 'pending'`,
      [clip(reason, 500), rows.map((r) => Number(r.id))],
    );
    return Number(res.affectedRows);
  }

  /**
   * The dedupe keys of `kind` rows of these appointments that still count (pending, done or
   * failed; a cancelled row has given its key up): what a re-plan must not write again.
   */
  async liveDedupeKeys(kind: string, appointmentIds: readonly number[]): Promise<Set<string>> {
    if (appointmentIds.length === 0) return new Set();
    const [rows] = await this.pool.query<any[]>(`SELECT dedupe_key FROM ${this.table} WHERE appointment_id IN (?) AND kind = ? AND dedupe_key IS NOT NULL`, [
      appointmentIds,
      kind,
    ]);
    return new Set(rows.map((r) => String(r.dedupe_key)));
  }

  async find(id: number): Promise<OutboxRecord | undefined> {
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM ${this.table} WHERE id = ?`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Per kind: backlog, planned rows, in flight, age of the oldest due row (database clock). */
  async stats(): Promise<OutboxKindStats[]> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT kind,
              SUM(due_at <= UTC_TIMESTAMP(3)) AS due,
              SUM(due_at > UTC_TIMESTAMP(3)) AS scheduled,
              SUM(lease_owner IS NOT NULL AND available_at > UTC_TIMESTAMP(3)) AS in_flight,
              COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(CASE WHEN due_at <= UTC_TIMESTAMP(3) THEN due_at END), UTC_TIMESTAMP(3)), 0) AS oldest_us
         FROM ${this.table} WHERE status = 'pending' GROUP BY kind`,
    );
    return rows.map((r) => ({
      kind: r.kind,
      due: Number(r.due),
      scheduled: Number(r.scheduled),
      inFlight: Number(r.in_flight),
      oldestDueAgeSeconds: Number(r.oldest_us) / 1e6,
    }));
  }

  /** Deletes finished rows (done, failed, cancelled) older than the retention, in small batches. */
  async purgeFinished(olderThanMs: number, batch = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      // Ids first, then deletes by primary key: a ranged DELETE would lock the gap where every
      // finishing row's finished_at goes.
      const [rows] = await this.pool.query<any[]>(
        `SELECT id FROM ${this.table} WHERE finished_at < TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(3)) ORDER BY finished_at LIMIT ?`,
        [-Math.round(olderThanMs * 1000), batch],
      );
      if (rows.length === 0) return total;
      const ids = rows.map((r) => Number(r.id));
      const [res] = await retryOnContention(this.pool, 'outbox.purge', () => this.pool.query<any>(`DELETE FROM ${this.table} WHERE id IN (?) AND status <> 'pending'`, [ids]));
      total += Number(res.affectedRows);
      if (rows.length < batch) return total;
    }
  }
}

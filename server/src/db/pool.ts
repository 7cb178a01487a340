import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';
import { AppError, ERROR_CATALOGUE } from '../errors';
import { withTimeout } from '../with-timeout';
import { runOnConnection } from './database-guard';

export type { Pool, PoolConnection };

/** mysql2's connection settings for a `mysql://` URL. */
function connectionOptions(databaseUrl: string) {
  const u = new URL(databaseUrl);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
  };
}

/**
 * One pool for the WordPress database. Dates come back as strings: the
 * AppointEase columns hold local business time, which must never be
 * reinterpreted in the server's own zone.
 *
 * Bounded for a database that goes away: a connection attempt gives up
 * after 2 s, and at most `queueLimit` requests wait for a connection (more
 * fail at once). The sidecar's own pool also goes through a DatabaseGuard
 * (db/database-guard.ts: acquire timeout, fail fast while the database is
 * gone, stuck statements abandoned). Its connections read committed
 * (`readCommittedSessions`).
 */
export function createPool(databaseUrl: string, options: { connectionLimit?: number; queueLimit?: number } = {}): Pool {
  const pool = mysql.createPool({
    ...connectionOptions(databaseUrl),
    connectionLimit: options.connectionLimit ?? 10,
    queueLimit: options.queueLimit ?? 0,
    dateStrings: true,
    timezone: 'Z',
    decimalNumbers: true,
    supportBigNumbers: true,
    charset: 'utf8mb4_unicode_ci',
    connectTimeout: 2_000,
    enableKeepAlive: true,
  });
  readCommittedSessions(pool);
  return pool;
}

/**
 * Connects afresh (never through the pool, whose connections may all be
 * stuck) and runs `SELECT 1`, all within `timeoutMs`: the DatabaseGuard's
 * question "is the database there?".
 */
export async function probeDatabase(databaseUrl: string, timeoutMs: number): Promise<void> {
  const pending = mysql.createConnection({ ...connectionOptions(databaseUrl), connectTimeout: timeoutMs });
  const conn = await withTimeout(pending, timeoutMs, 'mysql probe connect').catch((err) => {
    pending.then((c) => c.destroy(), () => {});
    throw err;
  });
  try {
    await withTimeout(conn.query('SELECT 1'), timeoutMs, 'mysql probe');
  } finally {
    conn.destroy();
  }
}

/**
 * MySQL errors that mean "this transaction lost a lock race", not "this
 * request is wrong": InnoDB has rolled the transaction (or its last
 * statement) back, and running the whole thing again from the start is the
 * documented answer. 1020 is MariaDB ≥ 11.6's snapshot-isolation conflict
 * (innodb_snapshot_isolation=ON, its default): the same advice.
 */
const CONTENTION_REASONS: Readonly<Record<number, ContentionReason>> = { 1213: 'deadlock', 1205: 'lock_wait_timeout', 1020: 'snapshot_conflict' };
export type ContentionReason = 'deadlock' | 'lock_wait_timeout' | 'snapshot_conflict';

/** The one retry policy for contention: bounded attempts, exponential backoff with full jitter. */
export const CONTENTION_RETRY = { attempts: 8, baseDelayMs: 4, maxDelayMs: 250 } as const;

export interface ContentionEvent {
  /** What the caller named the work (`booking`, `lock.acquire`, …). */
  name: string;
  reason: ContentionReason;
  /** 1 for the first retry. */
  attempt: number;
  /** `retried`, or `gave_up` once the attempts are spent (the caller then gets a 503). */
  outcome: 'retried' | 'gave_up';
}

/** Each app counts its own pool's retries (deps.ts wires them to the metrics). */
const observers = new WeakMap<Pool, (e: ContentionEvent) => void>();
export function onContention(pool: Pool, observer: (e: ContentionEvent) => void): void {
  observers.set(pool, observer);
}

/** The reason a driver error is worth a retry, if it is. */
export function contentionReason(err: unknown): ContentionReason | undefined {
  const errno = (err as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' ? CONTENTION_REASONS[errno] : undefined;
}

/**
 * Runs `attempt` until it succeeds or fails for a reason other than
 * contention; contention is retried after a jittered pause, up to
 * CONTENTION_RETRY.attempts in all, then answered with 503 `unavailable`
 * (Retry-After: 1) rather than a 500: the request was fine, the moment busy.
 * Use it directly only for a single statement outside a transaction;
 * transactions go through inTransaction, which uses it.
 */
export async function retryOnContention<T>(pool: Pool, name: string, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const reason = contentionReason(err);
      if (!reason) throw err;
      const gaveUp = n >= CONTENTION_RETRY.attempts;
      observers.get(pool)?.({ name, reason, attempt: n, outcome: gaveUp ? 'gave_up' : 'retried' });
      if (gaveUp) throw new ContentionError(name, reason, err);
      const ceiling = Math.min(CONTENTION_RETRY.maxDelayMs, CONTENTION_RETRY.baseDelayMs * 2 ** n);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}

/** Contention that outlasted every retry: 503 with Retry-After, the driver error kept as the cause for the log. */
export class ContentionError extends AppError {
  constructor(readonly transaction: string, readonly reason: ContentionReason, cause: unknown) {
    super(ERROR_CATALOGUE.unavailable.status, 'unavailable', ERROR_CATALOGUE.unavailable.message('The booking system is very busy right now; please try again in a moment'), undefined, { 'Retry-After': '1' });
    this.cause = cause;
  }
}

export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ';

export interface TransactionOptions {
  /** Names the work in the retry metric and the log. */
  name: string;
  /**
   * READ COMMITTED (the default, and the level of the pool's sessions, so it
   * costs no statement) takes no gap locks: for work that serialises on rows
   * it locks explicitly and only needs to see what is committed, gap locks
   * add nothing but deadlocks between unrelated requests. REPEATABLE READ for
   * work that counts on them or on one snapshot for all its reads (a
   * `SET TRANSACTION` before it). Every transaction must also be correct at
   * the server's default level: where READ COMMITTED writes are refused
   * (1665), everything runs at that.
   */
  isolation?: IsolationLevel;
}

/**
 * A pool's sessions (see `readCommittedSessions`): `refused` once a write met
 * 1665 all the same; `variable` is the name this server gives the session's
 * level, once a connection has shown it (null: sessions are not set up — a
 * pool not made by createPool, or a server that knows neither name).
 */
interface SessionIsolation {
  refused: boolean;
  variable?: IsolationVariable | null;
}
type IsolationVariable = 'transaction_isolation' | 'tx_isolation';
/** MySQL ≥ 5.7.20 and MariaDB ≥ 11.1 know the first; MariaDB before 11.1 only the second. */
const ISOLATION_VARIABLES: readonly IsolationVariable[] = ['transaction_isolation', 'tx_isolation'];
const sessionIsolation = new WeakMap<Pool, SessionIsolation>();
function isolationOf(pool: Pool): SessionIsolation {
  let state = sessionIsolation.get(pool);
  if (!state) sessionIsolation.set(pool, (state = { refused: false, variable: null }));
  return state;
}
/** mysql2's connections (the objects under the promise wrappers) whose session was set to read committed. */
const readCommittedConnections = new WeakSet<object>();
/** mysql2's callback connection, as the pool's events hand it over. */
interface CoreConnection {
  query(sql: string, callback: (err: Error | null) => void): unknown;
}

/**
 * Servers whose binary log is statement-based refuse writes under READ
 * COMMITTED (error 1665).
 */
const ER_BINLOG_STMT_MODE_AND_ROW_ENGINE = 1665;

/**
 * Makes every new connection of `pool` read committed for its whole session
 * — one statement per connection, where each READ COMMITTED transaction sent
 * a `SET TRANSACTION` before its BEGIN — except on a server that would
 * refuse its writes there: the statement keeps the server's default level
 * when the binary log is on and statement-based, so no write, in a
 * transaction or alone, ever meets 1665. Should a transaction meet it all
 * the same, inTransaction runs it again at the default and marks the pool
 * refused: new connections keep the default, and each connection set up
 * before is set back to it when next handed out.
 * createPool calls this; only this pool's connections are touched
 * (WordPress keeps its own).
 */
export function readCommittedSessions(pool: Pool): void {
  const state: SessionIsolation = { refused: false };
  sessionIsolation.set(pool, state);
  pool.on('connection', (connection) => {
    const conn = connection as unknown as CoreConnection;
    if (state.refused || state.variable === null) return;
    // Which name the server knows is learnt from the first connection (one of two statements fails there).
    const names = state.variable ? [state.variable] : ISOLATION_VARIABLES;
    // Marked now: the statement runs before anything the pool's user sends on this connection.
    readCommittedConnections.add(conn);
    let failed = 0;
    for (const name of names) {
      conn.query(
        `SET SESSION ${name} = IF(@@log_bin = 1 AND @@binlog_format = 'STATEMENT', @@GLOBAL.${name}, 'READ-COMMITTED')`,
        (err) => {
          if (!err) return void (state.variable ??= name);
          if (++failed < names.length) return;
          // The session keeps the default; its READ COMMITTED transactions set their level one by one.
          readCommittedConnections.delete(conn);
          state.variable ??= null;
        },
      );
    }
  });
  pool.on('acquire', (connection) => {
    const conn = connection as unknown as CoreConnection;
    if (!state.refused || !readCommittedConnections.delete(conn)) return;
    const name = state.variable;
    conn.query(name ? `SET SESSION ${name} = @@GLOBAL.${name}` : 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ', () => {});
  });
}

/** mysql2's connection under a promise wrapper (or the object itself). */
const coreOf = (conn: PoolConnection): object => (conn as { connection?: object }).connection ?? conn;

/** A transaction's answer that keeps none of its writes: see `rollback`. */
export class RolledBack<T> {
  constructor(readonly value: T) {}
}

/**
 * Ends a transaction with an answer and without its writes (a refusal
 * decided halfway): `return rollback(answer)` from the work, and
 * inTransaction rolls back and returns `answer`. A return, not a throw: the
 * refusal is an outcome, not a failure.
 */
export const rollback = <T>(value: T): RolledBack<T> => new RolledBack(value);

/**
 * Runs `work` in one transaction; rolls back on any error, or when the work
 * returns `rollback(answer)`. The whole
 * transaction (not a statement) is run again on contention, as
 * retryOnContention says, so `work` must do nothing but database work that
 * can be repeated from the start.
 */
export async function inTransaction<T>(pool: Pool, work: (conn: PoolConnection) => Promise<T | RolledBack<T>>, options: TransactionOptions): Promise<T> {
  const level = options.isolation ?? 'READ COMMITTED';
  return retryOnContention(pool, options.name, async () => {
    try {
      return await once(pool, work, level);
    } catch (err) {
      if ((err as { errno?: number } | null)?.errno !== ER_BINLOG_STMT_MODE_AND_ROW_ENGINE) throw err;
      // Correct at the default level too, only with more gap locks and so more retries.
      isolationOf(pool).refused = true;
      return once(pool, work, level);
    }
  });
}

async function once<T>(pool: Pool, work: (conn: PoolConnection) => Promise<T | RolledBack<T>>, level: IsolationLevel): Promise<T> {
  return runOnConnection(pool, async (conn) => {
    try {
      // For the next transaction only; the session keeps its level. Nothing to send when the session
      // already has the level wanted, or reads committed is refused here (the default it is, then).
      const sessionReadsCommitted = readCommittedConnections.has(coreOf(conn));
      if (level === 'REPEATABLE READ' && sessionReadsCommitted) await conn.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      if (level === 'READ COMMITTED' && !sessionReadsCommitted && !isolationOf(pool).refused) await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await conn.beginTransaction();
      const result = await work(conn);
      if (result instanceof RolledBack) {
        await conn.rollback();
        return result.value;
      }
      await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => {});
      throw err;
    }
  });
}

/** Creates the database named in the URL if it does not exist (demo and tests). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const { database: name = '', ...server } = connectionOptions(databaseUrl);
  if (!/^[A-Za-z0-9_$]+$/.test(name)) throw new Error(`Unsupported database name "${name}"`);
  const conn = await mysql.createConnection(server);
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
}

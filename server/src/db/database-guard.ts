import { EventEmitter } from 'node:events';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { fail, type AppError } from '../errors';
import type { Logger } from '../logger';
import { isConnectionLevel } from './errors';

export type DatabaseState = 'up' | 'down';

export interface DatabaseGuardOptions {
  /** Longest wait for a pooled connection; then the database is checked and the request answered 503. */
  acquireTimeoutMs: number;
  /** A statement or transaction still running after this makes the guard check the database. */
  slowAfterMs: number;
  /** How often a database found gone is asked again. */
  probeIntervalMs: number;
}

export const DATABASE_GUARD_DEFAULTS: DatabaseGuardOptions = { acquireTimeoutMs: 2_000, slowAfterMs: 1_000, probeIntervalMs: 500 };

/** Rejects every piece of work in flight when the database is found gone. */
const GONE = Symbol('database gone');
const ACQUIRE_TIMEOUT = Symbol('acquire timeout');

/**
 * MySQL going away, as the sidecar sees it (Issue 16 item 3). mysql2's pool
 * alone lets a request wait forever: for a pooled connection (it has no
 * acquire timeout), and for a statement on a server that stopped answering
 * (a host gone or a network cut sends no reset). So every statement the
 * sidecar runs goes through here:
 *
 * - while the database is known to be gone, work fails at once with 503
 *   `database_unavailable` (Retry-After) instead of trying to connect;
 * - a connection-level failure (refused, reset, lost, fatal) or work that
 *   runs longer than `slowAfterMs` or waits longer than `acquireTimeoutMs`
 *   for a connection makes the guard *check*: a probe on a fresh connection
 *   (not the pool's, which may all be stuck). Unanswered, the database is
 *   gone: every statement still in flight is abandoned and its connection
 *   destroyed (a stuck query killed on our side), and a probe every
 *   `probeIntervalMs` notices its return. Answered, slow work was only slow
 *   (a lock wait, a busy server) and goes on untouched.
 *
 * A killed server resets its connections and refuses new ones, so that case
 * is decided within milliseconds; a silent one within `slowAfterMs` plus the
 * probe's connect timeout.
 */
export class DatabaseGuard extends EventEmitter {
  private current: DatabaseState = 'up';
  private checking: Promise<boolean> | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private gone!: Promise<never>;
  private abandonAll!: () => void;

  constructor(
    /** Connects afresh and runs one trivial statement; rejects when the database does not answer. */
    private readonly probe: () => Promise<void>,
    private readonly logger: Logger,
    private readonly options: DatabaseGuardOptions = DATABASE_GUARD_DEFAULTS,
  ) {
    super();
    this.arm();
  }

  get state(): DatabaseState {
    return this.current;
  }

  get up(): boolean {
    return this.current === 'up';
  }

  /**
   * Runs `work` on a connection of `pool` (acquired with `getConnection`, the
   * pool's own), released afterwards; fails fast while the database is gone
   * and abandons the work if it is found gone meanwhile.
   */
  async withConnection<T>(getConnection: () => Promise<PoolConnection>, work: (conn: PoolConnection) => Promise<T>): Promise<T> {
    const conn = await this.acquire(getConnection);
    let release = true;
    const slow = setTimeout(() => void this.check('slow statement'), this.options.slowAfterMs);
    const running = work(conn);
    try {
      return await Promise.race([running, this.gone]);
    } catch (err) {
      if (err === GONE) {
        // Kill the stuck statement on our side; its late failure has nobody to tell.
        release = false;
        running.catch(() => {});
        conn.destroy();
        throw databaseUnavailable();
      }
      if (isConnectionLevel(err)) {
        void this.check((err as { code?: string }).code ?? 'connection lost');
        throw databaseUnavailable(err);
      }
      throw err;
    } finally {
      clearTimeout(slow);
      // A connection mysql2 found broken has left the pool already; release() then does nothing.
      if (release) conn.release();
    }
  }

  /** A pooled connection: at once while the database is known gone (503), within `acquireTimeoutMs` otherwise. */
  async acquire(getConnection: () => Promise<PoolConnection>): Promise<PoolConnection> {
    if (this.current === 'down') throw databaseUnavailable();
    const pending = getConnection();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(ACQUIRE_TIMEOUT), this.options.acquireTimeoutMs);
    });
    try {
      return await Promise.race([pending, timeout, this.gone]);
    } catch (err) {
      if (err === ACQUIRE_TIMEOUT || err === GONE) {
        // The connection may still come: straight back to the pool then.
        pending.then((c) => c.release(), () => {});
        if (err === GONE) throw databaseUnavailable();
        // Every connection busy for that long: gone, or only busy?
        throw (await this.check('no free connection')) ? busy() : databaseUnavailable();
      }
      if (isConnectionLevel(err)) {
        void this.check((err as { code?: string }).code ?? 'connect failed');
        throw databaseUnavailable(err);
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the database answers a fresh connection; one probe for everyone who asks at once. Unanswered: the database is gone. */
  check(reason: string): Promise<boolean> {
    if (this.current === 'down') return Promise.resolve(false);
    this.checking ??= this.probe().then(
      () => true,
      (err: unknown) => {
        this.markDown(reason, err);
        return false;
      },
    ).finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private markDown(reason: string, err: unknown): void {
    if (this.current === 'down') return;
    this.current = 'down';
    this.logger.error({ reason, err: (err as Error)?.message }, 'mysql unreachable: answering 503 database_unavailable until it is back');
    this.abandonAll();
    this.emit('down');
    this.probeTimer = setInterval(() => void this.probeForReturn(), this.options.probeIntervalMs);
    this.probeTimer.unref();
  }

  private probing = false;
  private async probeForReturn(): Promise<void> {
    if (this.probing || this.current !== 'down') return;
    this.probing = true;
    try {
      await this.probe();
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
      this.current = 'up';
      this.arm();
      this.logger.info('mysql answers again');
      this.emit('up');
    } catch {
      // still gone; the interval asks again
    } finally {
      this.probing = false;
    }
  }

  /** A fresh "gone" signal for the work of the next up period. */
  private arm(): void {
    this.gone = new Promise<never>((_, reject) => {
      this.abandonAll = () => reject(GONE);
    });
    this.gone.catch(() => {});
  }

  close(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }
}

/** 503 `database_unavailable`, the driver's error kept as the cause for the log. */
export function databaseUnavailable(cause?: unknown): AppError {
  const e = fail('database_unavailable');
  if (cause !== undefined) e.cause = cause;
  return e;
}

/** Every connection busy although the database answers: the moment is busy, not the database gone. */
function busy(): AppError {
  return fail('unavailable', 'The booking system is very busy right now; please try again in a moment', 1);
}

const guards = new WeakMap<Pool, { guard: DatabaseGuard; getConnection: () => Promise<PoolConnection> }>();

/**
 * Puts `pool` behind `guard`: its query, execute and getConnection go
 * through the guard from now on, and so do transactions (`runOnConnection`).
 * The pool keeps its type: repositories use it as before.
 */
export function guardPool(pool: Pool, guard: DatabaseGuard): Pool {
  const getConnection = pool.getConnection.bind(pool);
  guards.set(pool, { guard, getConnection });
  const patched = pool as unknown as Record<'query' | 'execute' | 'getConnection', (...args: unknown[]) => Promise<unknown>>;
  patched.query = (...args) => guard.withConnection(getConnection, (conn) => (conn.query as (...a: unknown[]) => Promise<unknown>)(...args));
  patched.execute = (...args) => guard.withConnection(getConnection, (conn) => (conn.execute as (...a: unknown[]) => Promise<unknown>)(...args));
  // A bare connection for code that manages its own: bounded and failing fast, but its statements are not watched (prefer runOnConnection).
  patched.getConnection = () => guard.acquire(getConnection);
  return pool;
}

/** The guard of a pool, if it has one. */
export function guardOf(pool: Pool): DatabaseGuard | undefined {
  return guards.get(pool)?.guard;
}

/** Runs `work` on one connection of `pool`, through its guard when it has one (transactions). */
export async function runOnConnection<T>(pool: Pool, work: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const guarded = guards.get(pool);
  if (guarded) return guarded.guard.withConnection(guarded.getConnection, work);
  const conn = await pool.getConnection();
  try {
    return await work(conn);
  } finally {
    conn.release();
  }
}

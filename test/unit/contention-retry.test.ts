import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CONTENTION_RETRY, ContentionError, inTransaction, onContention, readCommittedSessions, retryOnContention, type ContentionEvent, type Pool } from '../../server/src/db/pool';

/** A driver error as mysql2 raises it. */
const driverError = (errno: number, code: string) => Object.assign(new Error(code), { errno, code });

/**
 * A pool whose connections log every statement; `failures` decides, per
 * statement sent through the promise API, whether it throws (consumed in
 * order). Like mysql2's pool it emits `connection` (with the callback
 * connection under the promise one) when a connection is new, `acquire`
 * whenever one is handed out; `connections` new ones are made in turn, then
 * they are reused round robin. `managed`: set up by readCommittedSessions, as
 * createPool does; `knows`: the isolation variable names the server accepts.
 */
function fakePool(
  failures: ((sql: string) => Error | undefined)[] = [],
  options: { managed?: boolean; connections?: number; knows?: string[] } = {},
) {
  const log: string[] = [];
  let released = 0;
  const run = async (sql: string) => {
    log.push(sql);
    const fail = failures.length ? failures.shift()!(sql) : undefined;
    if (fail) throw fail;
    return [[], []];
  };
  const knows = options.knows ?? ['tx_isolation'];
  const make = (n: number) => {
    const core = {
      n,
      query: (sql: string, callback: (err: Error | null) => void) => {
        log.push(sql);
        const name = /^SET SESSION (\w+) =/.exec(sql)?.[1];
        const err = name && !knows.includes(name) ? driverError(1193, 'ER_UNKNOWN_SYSTEM_VARIABLE') : null;
        queueMicrotask(() => callback(err));
      },
    };
    return {
      connection: core,
      query: run,
      beginTransaction: () => run('BEGIN'),
      commit: () => run('COMMIT'),
      rollback: async () => void log.push('ROLLBACK'),
      release: () => void released++,
    };
  };
  const made: ReturnType<typeof make>[] = [];
  let handedOut = 0;
  const pool = Object.assign(new EventEmitter(), {
    getConnection: async () => {
      let conn = made[handedOut++ % (options.connections ?? 1)];
      if (!conn) {
        made.push((conn = make(made.length + 1)));
        pool.emit('connection', conn.connection);
      }
      pool.emit('acquire', conn.connection);
      // mysql2 hands the connection over on a later tick: the set-up's answer may come first.
      await new Promise((r) => setImmediate(r));
      return conn;
    },
  });
  const typed = pool as unknown as Pool;
  if (options.managed !== false) readCommittedSessions(typed);
  const events: ContentionEvent[] = [];
  onContention(typed, (e) => events.push(e));
  return { pool: typed, log, events, released: () => released };
}

const never = () => undefined;

describe('the one contention retry (db/pool.ts)', () => {
  it('runs the whole transaction again after a deadlock, a lock-wait timeout or a snapshot conflict, then commits', async () => {
    const on = (errno: number, code: string, statement: string) => (sql: string) => (sql === statement ? driverError(errno, code) : undefined);
    // Attempt 1 dies at the UPDATE (deadlock), 2 at the UPDATE (lock wait), 3 at COMMIT (snapshot conflict), 4 succeeds.
    const { pool, log, events, released } = fakePool([
      never, never, on(1213, 'ER_LOCK_DEADLOCK', 'UPDATE'),
      never, never, on(1205, 'ER_LOCK_WAIT_TIMEOUT', 'UPDATE'),
      never, never, never, on(1020, 'ER_CHECKREAD', 'COMMIT'),
    ]);
    let runs = 0;
    const result = await inTransaction(
      pool,
      async (conn) => {
        runs++;
        await conn.query('SELECT');
        await conn.query('UPDATE');
        return 'done';
      },
      { name: 'booking' },
    );
    expect(result).toBe('done');
    expect(runs).toBe(4);
    expect(log.filter((s) => s === 'BEGIN')).toHaveLength(4);
    expect(log.filter((s) => s === 'ROLLBACK')).toHaveLength(3);
    expect(log.at(-1)).toBe('COMMIT');
    expect(released()).toBe(4);
    expect(events).toEqual([
      { name: 'booking', reason: 'deadlock', attempt: 1, outcome: 'retried' },
      { name: 'booking', reason: 'lock_wait_timeout', attempt: 2, outcome: 'retried' },
      { name: 'booking', reason: 'snapshot_conflict', attempt: 3, outcome: 'retried' },
    ]);
  });

  it('gives up after a bounded number of attempts with 503 unavailable and Retry-After, keeping the driver error as the cause', async () => {
    const { pool, events } = fakePool(Array.from({ length: 100 }, () => (sql: string) => (sql === 'INSERT' ? driverError(1213, 'ER_LOCK_DEADLOCK') : undefined)));
    let runs = 0;
    const failure = await inTransaction(pool, async (conn) => void (runs++, await conn.query('INSERT')), { name: 'lock.acquire' }).catch((e) => e);
    expect(failure).toBeInstanceOf(ContentionError);
    expect(failure).toMatchObject({ status: 503, code: 'unavailable', headers: { 'Retry-After': '1' }, transaction: 'lock.acquire', reason: 'deadlock' });
    expect((failure.cause as { errno: number }).errno).toBe(1213);
    expect(runs).toBe(CONTENTION_RETRY.attempts);
    expect(events.map((e) => e.outcome)).toEqual([...Array(CONTENTION_RETRY.attempts - 1).fill('retried'), 'gave_up']);
  });

  it('never retries anything else: a duplicate key, a refusal decided inside, a lost connection', async () => {
    for (const error of [driverError(1062, 'ER_DUP_ENTRY'), new Error('refused'), driverError(2013, 'PROTOCOL_CONNECTION_LOST')]) {
      const { pool, events } = fakePool();
      let runs = 0;
      await expect(
        inTransaction(pool, async () => {
          runs++;
          throw error;
        }, { name: 'x' }),
      ).rejects.toBe(error);
      expect(runs).toBe(1);
      expect(events).toEqual([]);
    }
  });

  it('sessions read committed from their first statement: READ COMMITTED transactions send nothing, REPEATABLE READ ones a SET TRANSACTION', async () => {
    const { pool, log } = fakePool([], { connections: 2 });
    const work = async (conn: { query(sql: string): Promise<unknown> }) => void (await conn.query('INSERT'));
    await inTransaction(pool, work, { name: 'booking' });
    await inTransaction(pool, work, { name: 'admin.settings', isolation: 'REPEATABLE READ' });
    await inTransaction(pool, work, { name: 'lock.acquire', isolation: 'READ COMMITTED' });
    const session = (name: string) => `SET SESSION ${name} = IF(@@log_bin = 1 AND @@binlog_format = 'STATEMENT', @@GLOBAL.${name}, 'READ-COMMITTED')`;
    expect(log).toEqual([
      // The first connection finds out which name this server knows (MySQL and MariaDB ≥ 11.1 know the first) …
      session('transaction_isolation'),
      session('tx_isolation'),
      'BEGIN', 'INSERT', 'COMMIT',
      // … the second uses it.
      session('tx_isolation'),
      'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ', 'BEGIN', 'INSERT', 'COMMIT',
      'BEGIN', 'INSERT', 'COMMIT',
    ]);
  });

  it('a server that knows neither name keeps its default: READ COMMITTED is set per transaction, as for a pool not made by createPool', async () => {
    for (const options of [{ knows: [] }, { managed: false }]) {
      const { pool, log } = fakePool([], options);
      await inTransaction(pool, async (conn) => void (await conn.query('INSERT')), { name: 'booking' });
      await inTransaction(pool, async (conn) => void (await conn.query('INSERT')), { name: 'admin.settings', isolation: 'REPEATABLE READ' });
      expect(log.filter((sql) => !sql.startsWith('SET SESSION'))).toEqual(['SET TRANSACTION ISOLATION LEVEL READ COMMITTED', 'BEGIN', 'INSERT', 'COMMIT', 'BEGIN', 'INSERT', 'COMMIT']);
    }
  });

  it('a write refused at READ COMMITTED (1665, a statement-based binlog) runs again at the default, and the pool keeps to it for good: sessions set back, no SET any more', async () => {
    const refused = (sql: string) => (sql === 'INSERT' ? driverError(1665, 'ER_BINLOG_STMT_MODE_AND_ROW_ENGINE') : undefined);
    const { pool, log } = fakePool([never, refused], { connections: 2 });
    const work = async (conn: { query(sql: string): Promise<unknown> }) => void (await conn.query('INSERT'));
    await inTransaction(pool, work, { name: 'booking' });
    log.length = 0;
    await inTransaction(pool, work, { name: 'booking' });
    await inTransaction(pool, work, { name: 'admin.settings', isolation: 'REPEATABLE READ' });
    expect(log).toEqual([
      // The first connection, set up for READ COMMITTED, is set back when handed out again.
      'SET SESSION tx_isolation = @@GLOBAL.tx_isolation',
      'BEGIN', 'INSERT', 'COMMIT',
      // The second is new: no set-up at all.
      'BEGIN', 'INSERT', 'COMMIT',
    ]);
  });

  it('a pool not made by createPool falls back to the default level for good after 1665 too', async () => {
    const { pool, log } = fakePool([never, never, (sql) => (sql === 'INSERT' ? driverError(1665, 'ER_BINLOG_STMT_MODE_AND_ROW_ENGINE') : undefined)], { managed: false });
    const work = async (conn: { query(sql: string): Promise<unknown> }) => void (await conn.query('INSERT'));
    await inTransaction(pool, work, { name: 'booking', isolation: 'READ COMMITTED' });
    expect(log).toEqual(['SET TRANSACTION ISOLATION LEVEL READ COMMITTED', 'BEGIN', 'INSERT', 'ROLLBACK', 'BEGIN', 'INSERT', 'COMMIT']);
    log.length = 0;
    await inTransaction(pool, work, { name: 'booking', isolation: 'READ COMMITTED' });
    expect(log).toEqual(['BEGIN', 'INSERT', 'COMMIT']);
  });

  it('retries a single statement outside a transaction the same way', async () => {
    const { pool, events } = fakePool();
    let calls = 0;
    const value = await retryOnContention(pool, 'session.purge', async () => {
      if (++calls < 3) throw driverError(1213, 'ER_LOCK_DEADLOCK');
      return 7;
    });
    expect(value).toBe(7);
    expect(events.map((e) => `${e.name} ${e.reason} ${e.attempt}`)).toEqual(['session.purge deadlock 1', 'session.purge deadlock 2']);
  });
});

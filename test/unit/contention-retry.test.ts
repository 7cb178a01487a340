import { describe, expect, it } from 'vitest';
import { CONTENTION_RETRY, ContentionError, inTransaction, onContention, retryOnContention, type ContentionEvent, type Pool } from '../../server/src/db/pool';

/** A driver error as mysql2 raises it. */
const driverError = (errno: number, code: string) => Object.assign(new Error(code), { errno, code });

/**
 * A pool whose connections log every statement; `failures` decides, per
 * statement, whether it throws (consumed in order).
 */
function fakePool(failures: ((sql: string) => Error | undefined)[] = []) {
  const log: string[] = [];
  let released = 0;
  const run = async (sql: string) => {
    log.push(sql);
    const fail = failures.length ? failures.shift()!(sql) : undefined;
    if (fail) throw fail;
    return [[], []];
  };
  const conn = {
    query: run,
    beginTransaction: () => run('BEGIN'),
    commit: () => run('COMMIT'),
    rollback: async () => void log.push('ROLLBACK'),
    release: () => void released++,
  };
  const pool = { getConnection: async () => conn } as unknown as Pool;
  const events: ContentionEvent[] = [];
  onContention(pool, (e) => events.push(e));
  return { pool, log, events, conn, released: () => released };
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

  it('READ COMMITTED is set for the next transaction only, and a statement-based binlog (1665) falls back to the default level for good', async () => {
    const { pool, log } = fakePool([never, never, (sql) => (sql === 'INSERT' ? driverError(1665, 'ER_BINLOG_STMT_MODE_AND_ROW_ENGINE') : undefined)]);
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

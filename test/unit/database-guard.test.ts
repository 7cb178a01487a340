import { describe, expect, it } from 'vitest';
import { DatabaseGuard } from '../../server/src/db/database-guard';
import { isConnectionLevel } from '../../server/src/db/errors';
import { AppError } from '../../server/src/errors';
import { createLogger } from '../../server/src/logger';

/** A pooled connection as far as the guard uses one. */
function fakeConnection() {
  const c = { released: 0, destroyed: 0, release: () => void c.released++, destroy: () => void c.destroyed++ };
  return c;
}
const never = () => new Promise<never>(() => {});
const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return err instanceof AppError ? `${err.status} ${err.code} ${err.headers?.['Retry-After'] ?? ''}`.trim() : `raw ${(err as Error).message}`;
  }
};

describe('DatabaseGuard: no request waits on a database that is gone', () => {
  const logger = createLogger({ logLevel: 'silent' });
  const options = { acquireTimeoutMs: 60, slowAfterMs: 40, probeIntervalMs: 20 };

  it('a stuck statement is abandoned (its connection destroyed) once the probe goes unanswered; later work fails at once; the return is noticed', async () => {
    let reachable = true;
    let probes = 0;
    const guard = new DatabaseGuard(async () => {
      probes++;
      if (!reachable) throw new Error('connect ETIMEDOUT');
    }, logger, options);
    const conn = fakeConnection();
    reachable = false;
    const started = performance.now();
    expect(await codeOf(guard.withConnection(async () => conn as never, never))).toBe('503 database_unavailable 2');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(conn).toMatchObject({ destroyed: 1, released: 0 });
    expect(guard.state).toBe('down');

    // Known gone: no connection is even asked for.
    let asked = 0;
    expect(await codeOf(guard.withConnection(async () => (asked++, conn as never), async () => 'x'))).toBe('503 database_unavailable 2');
    expect(asked).toBe(0);

    reachable = true;
    await new Promise((r) => guard.once('up', r));
    expect(await guard.withConnection(async () => conn as never, async () => 'answered')).toBe('answered');
    expect(probes).toBeGreaterThanOrEqual(2);
    guard.close();
  });

  it('a slow statement on a database that answers the probe is left alone (a lock wait is not an outage)', async () => {
    const guard = new DatabaseGuard(async () => {}, logger, options);
    const conn = fakeConnection();
    const value = await guard.withConnection(async () => conn as never, () => new Promise((r) => setTimeout(() => r('slow but fine'), 150)));
    expect(value).toBe('slow but fine');
    expect(conn).toMatchObject({ destroyed: 0, released: 1 });
    expect(guard.state).toBe('up');
    guard.close();
  });

  it('a connection-level failure is a 503 at once, and a probe decides whether the database is gone', async () => {
    let reachable = true;
    const guard = new DatabaseGuard(async () => {
      if (!reachable) throw new Error('connect ECONNREFUSED');
    }, logger, options);
    const lost = Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
    // One lost connection on a database that answers: 503 for that request, the guard stays up.
    expect(await codeOf(guard.withConnection(async () => fakeConnection() as never, async () => Promise.reject(lost)))).toBe('503 database_unavailable 2');
    await new Promise((r) => setTimeout(r, 10));
    expect(guard.state).toBe('up');
    // Refused, and the probe refused too: gone.
    reachable = false;
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED', fatal: true });
    expect(await codeOf(guard.withConnection(() => Promise.reject(refused), async () => 'x'))).toBe('503 database_unavailable 2');
    await new Promise((r) => setTimeout(r, 10));
    expect(guard.state).toBe('down');
    guard.close();
  });

  it('no free connection for acquireTimeoutMs: 503 unavailable (busy) when the database answers, database_unavailable when not; the late connection goes back', async () => {
    let reachable = true;
    const guard = new DatabaseGuard(async () => {
      if (!reachable) throw new Error('connect ETIMEDOUT');
    }, logger, options);
    const late = fakeConnection();
    const slowPool = () => new Promise<never>((r) => setTimeout(() => r(late as never), 150));
    expect(await codeOf(guard.withConnection(slowPool, async () => 'x'))).toBe('503 unavailable 1');
    reachable = false;
    expect(await codeOf(guard.withConnection(slowPool, async () => 'x'))).toBe('503 database_unavailable 2');
    await new Promise((r) => setTimeout(r, 200));
    expect(late.released).toBe(2);
    guard.close();
  });

  it('errors of the statement itself pass through untouched', async () => {
    const guard = new DatabaseGuard(async () => {}, logger, options);
    const dup = Object.assign(new Error("Duplicate entry 'x' for key 'PRIMARY'"), { code: 'ER_DUP_ENTRY', errno: 1062 });
    expect(await codeOf(guard.withConnection(async () => fakeConnection() as never, async () => Promise.reject(dup)))).toBe("raw Duplicate entry 'x' for key 'PRIMARY'");
    guard.close();
  });
});

describe('isConnectionLevel', () => {
  it.each([
    ['refused', { code: 'ECONNREFUSED' }],
    ['lost', { code: 'PROTOCOL_CONNECTION_LOST' }],
    ['statement timeout', { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }],
    ['shutting down', { code: 'ER_SERVER_SHUTDOWN', errno: 1053 }],
    ['too many connections', { code: 'ER_CON_COUNT_ERROR', errno: 1040 }],
    ['closed state', { message: "Can't add new command when connection is in closed state", fatal: true }],
  ])('gone: %s', (_what, shape) => {
    expect(isConnectionLevel(Object.assign(new Error('x'), shape))).toBe(true);
  });

  it.each([
    ['duplicate', { code: 'ER_DUP_ENTRY', errno: 1062 }],
    ['deadlock', { code: 'ER_LOCK_DEADLOCK', errno: 1213 }],
    ['syntax', { code: 'ER_PARSE_ERROR', errno: 1064 }],
    ['a TypeError', {}],
  ])('not gone: %s', (_what, shape) => {
    expect(isConnectionLevel(Object.assign(new Error('x'), shape))).toBe(false);
  });
});

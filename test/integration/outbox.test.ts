// The outbox against the real MariaDB: enqueue inside a transaction, claims
// by two instances (separate pools, one of them a separate process that is
// SIGKILLed mid-attempt), leases, retries, ordering per key, isolation of bad
// rows. Redis plays no part: nothing here connects to it.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction, createPool, type Pool } from '../../server/src/db/pool';
import { tableNames } from '../../server/src/db/schema';
import { OutboxRepository, type OutboxEntry, type OutboxRow } from '../../server/src/db/repositories/outbox-repository';
import { createLogger } from '../../server/src/logger';
import { createMetrics } from '../../server/src/metrics';
import { OutboxWorker, type OutboxHandler, type OutboxWorkerOptions } from '../../server/src/outbox/outbox-worker';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { sleep, until } from '../helpers/wait';

const T = tableNames('wp_');
const logger = createLogger({ logLevel: 'silent' });

let db: TestDatabase;
let repo: OutboxRepository;
const workers: OutboxWorker[] = [];
const pools: Pool[] = [];

function instance(handlers: Record<string, OutboxHandler>, options: Partial<OutboxWorkerOptions> = {}) {
  // Each instance has its own pool, as two sidecar processes would.
  const pool = createPool(db.url, { connectionLimit: 4 });
  pools.push(pool);
  const repository = new OutboxRepository(pool, T);
  const worker = new OutboxWorker({ repository, handlers, logger, pollIntervalMs: 20, leaseMs: 60_000, ...options });
  workers.push(worker);
  return { worker, repository };
}

async function enqueue(entries: OutboxEntry[]): Promise<number> {
  return inTransaction(db.pool, (conn) => repo.enqueue(conn, entries), { name: 'test.enqueue' });
}

async function statuses(): Promise<Record<string, number>> {
  const [rows] = await db.pool.query<any[]>(`SELECT status, COUNT(*) AS n FROM ${T.outbox} GROUP BY status`);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

beforeAll(async () => {
  db = await createTestDatabase();
  repo = new OutboxRepository(db.pool, T);
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop(500)));
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await db.pool.query(`DELETE FROM ${T.outbox}`);
});
afterAll(async () => {
  await db?.drop();
});

describe('outbox: enqueue', () => {
  it('writes rows only when the surrounding transaction commits', async () => {
    await expect(
      inTransaction(db.pool, async (conn) => {
        await repo.enqueue(conn, [{ kind: 'webhook', payload: { n: 1 } }]);
        throw new Error('the booking failed');
      }, { name: 'test.booking' }),
    ).rejects.toThrow('the booking failed');
    expect(await statuses()).toEqual({});
    expect(await enqueue([{ kind: 'webhook', payload: { n: 2 } }, { kind: 'reminder', payload: { n: 3 }, dueAt: new Date(Date.now() + 3_600_000) }])).toBe(2);
    expect(await statuses()).toEqual({ pending: 2 });
  });

  it('skips a live dedupe key, and a cancelled row frees it (an appointment moved back to an earlier time)', async () => {
    const reminder = (key: string): OutboxEntry => ({ kind: 'reminder', payload: { key }, dedupeKey: key, appointmentId: 7, dueAt: new Date(Date.now() + 3_600_000) });
    expect(await enqueue([reminder('r:7:1440:10:00'), reminder('r:7:60:10:00')])).toBe(2);
    expect(await enqueue([reminder('r:7:1440:10:00')])).toBe(0); // a retried transaction plans nothing twice
    await enqueue([{ ...reminder('r:8:1440:10:00'), appointmentId: 8 }]);
    // Reschedule: drop 7's pending reminders, plan the new time's.
    const dropped = await inTransaction(db.pool, async (conn) => {
      const n = await repo.cancelPending(conn, 7, 'reminder', 'rescheduled');
      await repo.enqueue(conn, [reminder('r:7:1440:11:00')]);
      return n;
    }, { name: 'test.reschedule' });
    expect(dropped).toBe(2);
    expect(await enqueue([reminder('r:7:1440:10:00')])).toBe(1); // back to 10:00
    const [rows] = await db.pool.query<any[]>(`SELECT appointment_id, status, dedupe_key, last_error FROM ${T.outbox} ORDER BY id`);
    expect(rows.map((r) => [Number(r.appointment_id), r.status, r.dedupe_key])).toEqual([
      [7, 'cancelled', null],
      [7, 'cancelled', null],
      [8, 'pending', 'r:8:1440:10:00'],
      [7, 'pending', 'r:7:1440:11:00'],
      [7, 'pending', 'r:7:1440:10:00'],
    ]);
  });

  it('refuses values the columns would truncate (a cut key would merge unrelated rows)', async () => {
    for (const bad of [
      { kind: 'webhook', payload: {}, orderingKey: 'k'.repeat(129) },
      { kind: 'webhook', payload: {}, dedupeKey: 'd'.repeat(191) },
      { kind: 'Webhook!', payload: {} },
      { kind: 'webhook', payload: undefined },
      { kind: 'webhook', payload: {}, appointmentId: -1 },
      { kind: 'webhook', payload: {}, dueAt: new Date('nope') },
    ]) {
      await expect(enqueue([bad])).rejects.toThrow(/outbox/);
    }
    expect(await statuses()).toEqual({});
  });

  it('does not hand out rows before their due time', async () => {
    await enqueue([{ kind: 'reminder', payload: {}, dueAt: new Date(Date.now() + 60_000) }]);
    expect((await repo.claim('a', { kinds: ['reminder'], limit: 10, leaseMs: 1_000 })).rows).toEqual([]);
    expect((await repo.claim('a', { kinds: ['webhook'], limit: 10, leaseMs: 1_000 })).rows).toEqual([]);
  });
});

describe('outbox: two instances', () => {
  it('delivers every row exactly once, and the rows of one key in order, one at a time', async () => {
    const entries: OutboxEntry[] = [];
    for (let i = 0; i < 240; i++) {
      // 60 keys of 3 adjacent rows (booked, rescheduled, cancelled of one appointment), between 60 free rows.
      const key = i % 4 === 3 ? undefined : `appointment:${Math.floor(i / 4)}`;
      entries.push({ kind: 'webhook', payload: { i }, ...(key ? { orderingKey: key } : {}) });
    }
    for (let i = 0; i < entries.length; i += 60) await enqueue(entries.slice(i, i + 60));

    const handled: { id: number; by: string; key: string | null }[] = [];
    const activeByKey = new Map<string, number>();
    const violations: string[] = [];
    const handler = (by: string): OutboxHandler => ({
      async handle(row) {
        const key = row.orderingKey;
        if (key) {
          if (activeByKey.has(key)) violations.push(`${key}: ${row.id} started while ${activeByKey.get(key)} ran`);
          activeByKey.set(key, row.id);
        }
        await sleep(Math.random() * 4);
        handled.push({ id: row.id, by, key });
        if (key) activeByKey.delete(key);
        return { result: 'done' };
      },
    });
    const a = instance({ webhook: handler('a') }, { concurrency: 4 });
    const b = instance({ webhook: handler('b') }, { concurrency: 4 });
    a.worker.start();
    b.worker.start();
    await until('every row done', async () => (await statuses()).done === 240);

    expect(violations).toEqual([]);
    const ids = handled.map((h) => h.id);
    expect(new Set(ids).size).toBe(240);
    expect(ids.length).toBe(240); // nothing twice
    expect(handled.some((h) => h.by === 'a') && handled.some((h) => h.by === 'b')).toBe(true);
    const byKey = new Map<string, number[]>();
    for (const h of handled) if (h.key) byKey.set(h.key, [...(byKey.get(h.key) ?? []), h.id]);
    for (const [key, order] of byKey) expect(order, key).toEqual([...order].sort((x, y) => x - y));
    const [attempts] = await db.pool.query<any[]>(`SELECT MAX(attempts) AS m, MIN(attempts) AS n FROM ${T.outbox}`);
    expect([Number(attempts[0].n), Number(attempts[0].m)]).toEqual([1, 1]);
  });

  it('never hands one row to two claimers at once (many claimers racing on few rows)', async () => {
    await enqueue(Array.from({ length: 20 }, (_, i) => ({ kind: 'webhook', payload: { i } })));
    const claimers = Array.from({ length: 6 }, () => {
      const pool = createPool(db.url, { connectionLimit: 2 });
      pools.push(pool);
      return new OutboxRepository(pool, T);
    });
    const results = await Promise.all(claimers.map((r, i) => r.claim(`c${i}`, { kinds: ['webhook'], limit: 5, leaseMs: 10_000 })));
    const ids = results.flatMap((r) => r.rows).map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(0);
  });

  it('a claim in progress blocks neither a booking transaction writing new rows nor other rows finishing', async () => {
    // Few rows: the case where the optimizer would rather scan (status, available_at) and lock its gaps.
    const ids = await enqueueIds(Array.from({ length: 5 }, (_, i) => ({ kind: 'webhook', payload: { i } })));
    await db.pool.query(`ANALYZE TABLE ${T.outbox}`); // fresh statistics, as a live table of this size has
    const [other] = (await repo.claim('other', { kinds: ['webhook'], limit: 1, leaseMs: 60_000 })).rows;
    const outcomes: string[] = [];
    const { rows: claimed } = await repo.claim('holder', {
      kinds: ['webhook'],
      limit: 2,
      leaseMs: 60_000,
      whileLocked: async () => {
        const conn = await db.pool.getConnection();
        try {
          await conn.query('SET SESSION innodb_lock_wait_timeout = 2');
          await conn.beginTransaction();
          await repo.enqueue(conn, [{ kind: 'webhook', payload: { booked: true } }, { kind: 'reminder', payload: {}, dueAt: new Date() }]);
          await conn.commit();
          outcomes.push('enqueued');
          await conn.query(`UPDATE ${T.outbox} SET status = 'done' WHERE id = ? AND lease_owner = 'other'`, [other!.id]);
          outcomes.push('finished');
          const [free] = await conn.query<any[]>(`SELECT id FROM ${T.outbox} WHERE kind = 'webhook' AND status = 'pending' AND lease_owner IS NULL ORDER BY id FOR UPDATE SKIP LOCKED`);
          outcomes.push(`skipped to ${free.length}`);
        } catch (err) {
          outcomes.push(`blocked: ${(err as { code?: string }).code}`);
        } finally {
          await conn.query('SET SESSION innodb_lock_wait_timeout = DEFAULT').catch(() => {});
          conn.release();
        }
      },
    });
    expect(claimed.map((r) => r.id)).toEqual(ids.slice(1, 3));
    expect(outcomes).toEqual(['enqueued', 'finished', 'skipped to 3']); // ids[3], ids[4] and the new one
  });

  it('a claim that is never finished (the instance died) is delivered again after its lease, once', async () => {
    const [id] = await enqueueIds([{ kind: 'webhook', payload: { n: 1 } }]);
    const [dead] = (await repo.claim('dead-instance', { kinds: ['webhook'], limit: 1, leaseMs: 1_500 })).rows;
    expect(dead).toMatchObject({ id, attempts: 1, leaseOwner: 'dead-instance' });

    const seen: OutboxRow[] = [];
    const live = instance({ webhook: { handle: async (row) => (seen.push(row), { result: 'done' }) } });
    live.worker.start();
    await sleep(300);
    expect(seen).toEqual([]); // still leased by the dead instance
    await until('redelivered', () => seen.length === 1);
    expect(seen[0]).toMatchObject({ id, attempts: 2 });
    await until('done', async () => (await repo.find(id!))?.status === 'done');
    await sleep(200);
    expect(seen).toHaveLength(1);
    // The dead instance coming back late cannot overwrite the newer outcome.
    expect(await repo.fail(dead!, 'late')).toBe(false);
    expect((await repo.find(id!))?.status).toBe('done');
  });

  it('an instance SIGKILLed in the middle of an attempt: another delivers the row after the lease, once', async () => {
    const [id] = await enqueueIds([{ kind: 'crash', payload: {} }]);
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('../helpers/outbox-child.ts', import.meta.url).pathname, db.url, 'crash', '2000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('the child never claimed')), 20_000);
        lines.on('line', (line) => {
          if (line === `HANDLING ${id}`) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      child.kill('SIGKILL');
      await exited;
      const leased = await repo.find(id!);
      expect(leased).toMatchObject({ status: 'pending', attempts: 1 });
      expect(leased!.leaseOwner).toBe(`child:${child.pid}`);

      const seen: number[] = [];
      const live = instance({ crash: { handle: async (row) => (seen.push(row.attempts), { result: 'done' }) } });
      live.worker.start();
      await until('redelivered after the lease', async () => (await repo.find(id!))?.status === 'done');
      expect(seen).toEqual([2]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

async function enqueueIds(entries: OutboxEntry[]): Promise<number[]> {
  await enqueue(entries);
  const [rows] = await db.pool.query<any[]>(`SELECT id FROM ${T.outbox} ORDER BY id DESC LIMIT ?`, [entries.length]);
  return rows.map((r) => Number(r.id)).reverse();
}

describe('outbox: retries and order', () => {
  it('schedules the first retry within 30 s by default, and later ones further out', async () => {
    const [id] = await enqueueIds([{ kind: 'webhook', payload: {} }]);
    const { worker } = instance({ webhook: { handle: async () => ({ result: 'retry', error: 'HTTP 500' }) } });
    expect(await worker.tick()).toBe(1);
    const [[row]] = await db.pool.query<any[]>(`SELECT status, attempts, last_error, lease_owner, TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), available_at) / 1e6 AS wait FROM ${T.outbox} WHERE id = ?`, [id]);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_error: 'HTTP 500', lease_owner: null });
    expect(Number(row.wait)).toBeGreaterThan(10);
    expect(Number(row.wait)).toBeLessThanOrEqual(30);
  });

  it('retries with the same row until it succeeds, or gives up when the schedule is used up', async () => {
    const [flaky, hopeless] = await enqueueIds([
      { kind: 'webhook', payload: { name: 'flaky' } },
      { kind: 'webhook', payload: { name: 'hopeless' } },
    ]);
    const attempts: Record<string, number[]> = { flaky: [], hopeless: [] };
    const finals: boolean[] = [];
    const { worker } = instance({
      webhook: {
        retryDelaysMs: [50, 50, 50],
        async handle(row, ctx) {
          const name = (row.payload as { name: string }).name;
          attempts[name]!.push(ctx.attempt);
          if (name === 'hopeless') finals.push(ctx.finalAttempt);
          return name === 'flaky' && ctx.attempt === 3 ? { result: 'done' } : { result: 'retry', error: `HTTP 503 on ${ctx.attempt}` };
        },
      },
    });
    worker.start();
    await until('both settled', async () => (await repo.find(hopeless!))?.status === 'failed' && (await repo.find(flaky!))?.status === 'done');
    expect(attempts).toEqual({ flaky: [1, 2, 3], hopeless: [1, 2, 3, 4] });
    expect(finals).toEqual([false, false, false, true]);
    expect((await repo.find(hopeless!))?.lastError).toBe('gave up after 4 attempts: HTTP 503 on 4');
  });

  it('holds a later row of the same key back while an earlier one waits for its retry', async () => {
    const [first, second, other] = await enqueueIds([
      { kind: 'webhook', payload: { n: 'booked' }, orderingKey: 'webhook:1:appointment:9' },
      { kind: 'webhook', payload: { n: 'cancelled' }, orderingKey: 'webhook:1:appointment:9' },
      { kind: 'webhook', payload: { n: 'other' }, orderingKey: 'webhook:1:appointment:10' },
    ]);
    const log: string[] = [];
    const { worker } = instance({
      webhook: {
        retryDelaysMs: [400],
        async handle(row, ctx) {
          log.push(`${(row.payload as { n: string }).n}#${ctx.attempt}`);
          return row.id === first && ctx.attempt === 1 ? { result: 'retry', error: 'HTTP 500' } : { result: 'done' };
        },
      },
    });
    worker.start();
    await until('all done', async () => (await statuses()).done === 3);
    expect(log.indexOf('booked#2')).toBeLessThan(log.indexOf('cancelled#1'));
    expect(log.filter((l) => l.startsWith('booked'))).toEqual(['booked#1', 'booked#2']);
    expect(log.indexOf('other#1')).toBeLessThan(log.indexOf('booked#2')); // another appointment is not held back
    expect([second, other].length).toBe(2);
  });

  it('a failed (given up) or cancelled earlier row releases the later ones', async () => {
    await enqueueIds([
      { kind: 'webhook', payload: { n: 'a' }, orderingKey: 'k' },
      { kind: 'webhook', payload: { n: 'b' }, orderingKey: 'k' },
      { kind: 'webhook', payload: { n: 'c' }, orderingKey: 'k' },
    ]);
    const log: string[] = [];
    const { worker } = instance({
      webhook: {
        retryDelaysMs: [],
        async handle(row) {
          const n = (row.payload as { n: string }).n;
          log.push(n);
          if (n === 'a') return { result: 'retry', error: 'down' };
          if (n === 'b') return { result: 'cancelled', reason: 'webhook deleted' };
          return { result: 'done' };
        },
      },
    });
    worker.start();
    await until('c done', async () => (await statuses()).done === 1);
    expect(log).toEqual(['a', 'b', 'c']);
    expect(await statuses()).toEqual({ failed: 1, cancelled: 1, done: 1 });
  });
});

describe('outbox: isolation', () => {
  it('one bad row never blocks the others: a throw, a payload that is not JSON, a handler that hangs', async () => {
    await enqueue([{ kind: 'webhook', payload: { n: 'throws' } }, { kind: 'webhook', payload: { n: 'hangs' } }]);
    await db.pool.query(`INSERT INTO ${T.outbox} (kind, payload, due_at, available_at, created_at) VALUES ('webhook', '{not json', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`);
    await enqueue(Array.from({ length: 10 }, (_, i) => ({ kind: 'webhook', payload: { n: `ok${i}` } })));
    const { worker } = instance(
      {
        webhook: {
          timeoutMs: 300,
          retryDelaysMs: [60_000],
          async handle(row) {
            const n = (row.payload as { n: string }).n;
            if (n === 'throws') throw new Error('handler bug');
            if (n === 'hangs') return new Promise(() => {}); // ignores its signal as well
            return { result: 'done' };
          },
        },
      },
      { concurrency: 2, leaseMs: 2_000 },
    );
    worker.start();
    await until('the good rows done and the bad ones settled', async () => {
      const s = await statuses();
      const [[leased]] = await db.pool.query<any[]>(`SELECT COUNT(*) AS n FROM ${T.outbox} WHERE lease_owner IS NOT NULL`);
      return s.done === 10 && s.failed === 1 && s.pending === 2 && Number(leased.n) === 0;
    });
    const [rows] = await db.pool.query<any[]>(`SELECT payload, status, last_error, lease_owner FROM ${T.outbox} WHERE status <> 'done' ORDER BY id`);
    expect(rows.map((r) => [r.status, r.last_error, r.lease_owner])).toEqual([
      ['pending', 'handler bug', null],
      ['pending', 'attempt took longer than 300 ms', null],
      ['failed', 'payload is not valid JSON', null],
    ]);
  });

  it('a receiver that hangs holds at most perKeyConcurrency slots; other receivers keep flowing', async () => {
    // More rows of the hanging receiver, and older, than a claim looks at in one go.
    await enqueue(Array.from({ length: 40 }, (_, i) => ({ kind: 'webhook', payload: { to: 'slow', i }, concurrencyKey: 'webhook:slow' })));
    await enqueue(Array.from({ length: 12 }, (_, i) => ({ kind: 'webhook', payload: { to: 'fast', i }, concurrencyKey: 'webhook:fast' })));
    let slowNow = 0;
    let slowMax = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { worker } = instance(
      {
        webhook: {
          timeoutMs: 15_000,
          async handle(row) {
            if ((row.payload as { to: string }).to === 'fast') return { result: 'done' };
            slowMax = Math.max(slowMax, ++slowNow);
            await gate;
            slowNow--;
            return { result: 'done' };
          },
        },
      },
      { concurrency: 4, perKeyConcurrency: 2, leaseMs: 20_000 },
    );
    worker.start();
    await until('every fast delivery done while the slow receiver hangs', async () => (await statuses()).done === 12);
    expect(slowNow).toBe(2);
    release();
    await until('the slow ones too', async () => (await statuses()).done === 52);
    expect(slowMax).toBe(2);
  });

  it('stop() lets a running attempt finish, and puts back one that outlives the grace period', async () => {
    const [quick, stuck] = await enqueueIds([
      { kind: 'webhook', payload: { n: 'quick' } },
      { kind: 'webhook', payload: { n: 'stuck' } },
    ]);
    let started = 0;
    const { worker } = instance({
      webhook: {
        timeoutMs: 2_000,
        async handle(row, ctx) {
          started++;
          if ((row.payload as { n: string }).n === 'quick') {
            await sleep(100);
            return { result: 'done' };
          }
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
          return { result: 'retry', error: 'aborted' };
        },
      },
    });
    worker.start();
    await until('both running', () => started === 2);
    await worker.stop(300);
    expect((await repo.find(quick!))?.status).toBe('done');
    const back = await repo.find(stuck!);
    expect(back).toMatchObject({ status: 'pending', leaseOwner: null, lastError: 'instance shutting down' });
    expect(back!.availableAt.getTime()).toBeLessThanOrEqual(Date.now() + 1_000); // due again at once, for any instance
  });

  it('keeps going when the database is briefly unreachable', async () => {
    const broken = createPool('mysql://root@127.0.0.1:1/nowhere', { connectionLimit: 1 });
    pools.push(broken);
    const metrics = createMetrics();
    const worker = new OutboxWorker({ repository: new OutboxRepository(broken, T), handlers: { webhook: { handle: async () => ({ result: 'done' }) } }, logger, metrics, pollIntervalMs: 20 });
    workers.push(worker);
    worker.start();
    await until('claim errors counted', async () => ((await metrics.outboxWorkerErrors.get()).values.find((v) => v.labels.stage === 'claim')?.value ?? 0) >= 2);
    await worker.stop(100); // and it stops cleanly
  });
});

describe('outbox: metrics and housekeeping', () => {
  it('reports depth, planned rows, the oldest due age, outcomes and lag', async () => {
    const past = new Date(Date.now() - 90_000);
    await enqueue([
      { kind: 'reminder', payload: {}, dueAt: past },
      { kind: 'reminder', payload: {}, dueAt: new Date(Date.now() - 1_000) },
      { kind: 'reminder', payload: {}, dueAt: new Date(Date.now() + 3_600_000) },
      { kind: 'webhook', payload: {} },
    ]);
    const metrics = createMetrics();
    const pool = createPool(db.url, { connectionLimit: 2 });
    pools.push(pool);
    const worker = new OutboxWorker({
      repository: new OutboxRepository(pool, T),
      handlers: { reminder: { handle: async () => ({ result: 'done' }) }, webhook: { handle: async () => ({ result: 'retry', error: 'HTTP 500' }) } },
      logger,
      metrics,
    });
    workers.push(worker);
    await worker.refreshMetrics();
    const gauge = async (g: typeof metrics.outboxDepth, kind: string) => (await g.get()).values.find((v) => v.labels.kind === kind)?.value;
    expect(await gauge(metrics.outboxDepth, 'reminder')).toBe(2);
    expect(await gauge(metrics.outboxScheduled, 'reminder')).toBe(1);
    expect(await gauge(metrics.outboxDepth, 'webhook')).toBe(1);
    expect(await gauge(metrics.outboxOldestDueAge, 'reminder')).toBeGreaterThanOrEqual(89);

    expect(await worker.tick()).toBe(3);
    const counts = (await metrics.outboxDeliveries.get()).values.map((v) => [v.labels.kind, v.labels.outcome, v.value]);
    expect(counts).toEqual(expect.arrayContaining([['reminder', 'done', 2], ['webhook', 'retry', 1]]));
    const lag = (await metrics.outboxLag.get()).values.find((v) => v.labels.kind === 'reminder' && (v as any).metricName === 'appointease_outbox_lag_seconds_count');
    expect(lag?.value).toBe(2);
    const sum = (await metrics.outboxLag.get()).values.find((v) => v.labels.kind === 'reminder' && (v as any).metricName === 'appointease_outbox_lag_seconds_sum');
    expect(sum!.value).toBeGreaterThanOrEqual(90);
    await worker.refreshMetrics();
    expect(await gauge(metrics.outboxDepth, 'reminder')).toBe(0);
    expect(await gauge(metrics.outboxDepth, 'webhook')).toBe(1); // waiting for its retry: still owed
  });

  it('purges finished rows past the retention, never pending ones', async () => {
    await enqueue([{ kind: 'webhook', payload: { n: 1 } }, { kind: 'webhook', payload: { n: 2 } }, { kind: 'webhook', payload: { n: 3 }, dueAt: new Date(Date.now() + 60_000) }]);
    const { worker } = instance({ webhook: { handle: async () => ({ result: 'done' }) } });
    await worker.tick();
    await db.pool.query(`UPDATE ${T.outbox} SET finished_at = finished_at - INTERVAL 8 DAY WHERE id = (SELECT MIN(id) FROM (SELECT id FROM ${T.outbox}) x)`);
    expect(await repo.purgeFinished(7 * 86_400_000)).toBe(1);
    expect(await statuses()).toEqual({ done: 1, pending: 1 });
  });
});

/**
 * A worker on its own pool whose statements are logged, without the 20 ms poll of instance():
 * the default safety poll unless the test names one.
 */
function countedInstance(handlers: Record<string, OutboxHandler>, options: Partial<OutboxWorkerOptions> = {}) {
  const pool = createPool(db.url, { connectionLimit: 4 });
  pools.push(pool);
  const sent: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as any).query = (...args: unknown[]) => (sent.push(String(args[0])), query(...args));
  const getConnection = pool.getConnection.bind(pool);
  (pool as any).getConnection = async () => {
    const conn = await getConnection();
    const connQuery = conn.query.bind(conn) as (...args: unknown[]) => Promise<unknown>;
    (conn as any).query = (...args: unknown[]) => (sent.push(String(args[0])), connQuery(...args));
    return conn;
  };
  const worker = new OutboxWorker({ repository: new OutboxRepository(pool, T), handlers, logger, leaseMs: 60_000, ...options });
  workers.push(worker);
  // A look is the claim's candidate read (the one statement an idle look sends).
  const looks = () => sent.filter((sql) => /FROM `wp_appointease_outbox` o\b/.test(sql)).length;
  return { worker, sent, looks };
}

/** Seconds from due to finished, on the database clock. */
async function lagOf(id: number): Promise<number> {
  const [[row]] = await db.pool.query<any[]>(`SELECT TIMESTAMPDIFF(MICROSECOND, due_at, finished_at) / 1e6 AS lag FROM ${T.outbox} WHERE id = ?`, [id]);
  return Number(row.lag);
}

describe('outbox: when the worker looks (no polling of an idle table)', () => {
  it('an idle worker sends no statement between its safety polls (default 15 s), whatever is planned for later', async () => {
    await enqueue([
      { kind: 'reminder', payload: {}, dueAt: new Date(Date.now() + 3_600_000) },
      { kind: 'other', payload: {} }, // due, but no handler here: another instance's business
    ]);
    const handled: number[] = [];
    const { worker, sent, looks } = countedInstance({ reminder: { handle: async (row) => (handled.push(row.id), { result: 'done' }) } });
    worker.start();
    await until('the first look', () => looks() === 1);
    await sleep(2_500); // a 1 s poll would have looked twice more by now
    expect(sent).toHaveLength(1);
    expect(looks()).toBe(1);
    expect(handled).toEqual([]);
  });

  it('a row this instance plans 1.5 s ahead goes out on time, told by wake(dueAt) with no look before, or learnt from the look wake() starts', async () => {
    const handled: { id: number; at: number }[] = [];
    const { worker, looks } = countedInstance({ reminder: { handle: async (row) => (handled.push({ id: row.id, at: Date.now() }), { result: 'done' }) } });
    worker.start();
    await until('the first look', () => looks() === 1);

    // As BookingOutbox.committed does for a reminder: the send time, no look now.
    const dueAt = new Date(Date.now() + 1_500);
    const [planned] = await enqueueIds([{ kind: 'reminder', payload: { n: 1 }, dueAt }]);
    worker.wake(dueAt);
    await sleep(1_000);
    expect(looks()).toBe(1);
    await until('sent', () => handled.length === 1, 5_000);
    expect(handled[0]!.id).toBe(planned);
    expect(handled[0]!.at).toBeGreaterThanOrEqual(dueAt.getTime() - 50);
    const lag = await lagOf(planned!);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(0.5);

    // wake() without a time: one look now, which learns the due time from the database.
    const before = looks();
    const dueAt2 = new Date(Date.now() + 1_500);
    const [second] = await enqueueIds([{ kind: 'reminder', payload: { n: 2 }, dueAt: dueAt2 }]);
    worker.wake();
    await until('sent', () => handled.length === 2, 5_000);
    expect(handled[1]!.id).toBe(second);
    expect(await lagOf(second!)).toBeLessThan(0.5);
    // The wake's look, the one at the due time, the one after the attempt ended; no polling between.
    expect(looks() - before).toBeLessThanOrEqual(4);
  });

  it('a retry that settle() schedules is picked up on time, though the safety poll is 15 s', async () => {
    const attempts: number[] = [];
    const [id] = await enqueueIds([{ kind: 'webhook', payload: {} }]);
    const { worker, looks } = countedInstance({
      webhook: { handle: async (_row, ctx) => (attempts.push(Date.now()), ctx.attempt === 1 ? { result: 'retry', error: 'HTTP 503', delayMs: 1_200 } : { result: 'done' }) },
    });
    worker.start();
    await until('retried and done', async () => (await repo.find(id!))?.status === 'done', 6_000);
    expect(attempts).toHaveLength(2);
    const gap = attempts[1]! - attempts[0]!;
    expect(gap).toBeGreaterThanOrEqual(1_150);
    expect(gap).toBeLessThan(1_900);
    expect(looks()).toBeLessThanOrEqual(5);
  });

  it('a row another instance enqueued (no wake here) is picked up by the safety poll', async () => {
    const handled: number[] = [];
    let looksBefore = 0;
    const { worker, looks } = countedInstance({ webhook: { handle: async (row) => (handled.push(row.id), (looksBefore = looks()), { result: 'done' }) } }, { pollIntervalMs: 1_500 });
    worker.start();
    await until('the first look', () => looks() === 1);
    await sleep(300); // that look has found the table empty
    const committed = Date.now();
    const [id] = await enqueueIds([{ kind: 'webhook', payload: {} }]); // by "another instance": nobody wakes this worker
    await until('picked up', () => handled.length === 1, 5_000);
    expect(handled).toEqual([id]);
    // At the next safety poll, 1.5 s after the first look: not before (nothing told it), not much after.
    expect(Date.now() - committed).toBeGreaterThan(900);
    expect(Date.now() - committed).toBeLessThan(1_500 + 700);
    expect(looksBefore).toBe(2);
  });

  it("another instance's lease running out is looked at when it runs out, not at the next safety poll", async () => {
    const [id] = await enqueueIds([{ kind: 'webhook', payload: {} }]);
    await repo.claim('dead-instance', { kinds: ['webhook'], limit: 1, leaseMs: 1_500 });
    const seen: number[] = [];
    const { worker } = countedInstance({ webhook: { handle: async (row) => (seen.push(row.attempts), { result: 'done' }) } });
    worker.start();
    await until('redelivered', async () => (await repo.find(id!))?.status === 'done', 5_000);
    expect(seen).toEqual([2]);
  });

  it('rows it cannot take do not make it spin: one locked by another claimer, one behind its ordering key, one over its receiver cap', async () => {
    // The predecessor is leased for a minute by an instance that went away; its successor waits behind it.
    const [held] = await enqueueIds([{ kind: 'webhook', payload: { n: 'predecessor' }, orderingKey: 'k' }]);
    await repo.claim('gone', { kinds: ['webhook'], limit: 1, leaseMs: 60_000 });
    await enqueue([
      { kind: 'webhook', payload: { n: 'successor' }, orderingKey: 'k' },
      { kind: 'webhook', payload: { n: 'slow1' }, concurrencyKey: 'slow' },
      { kind: 'webhook', payload: { n: 'slow2' }, concurrencyKey: 'slow' },
    ]);
    const [locked] = await enqueueIds([{ kind: 'webhook', payload: { n: 'locked' } }]);
    // Another claimer holds this row's lock (as SKIP LOCKED sees a claim in progress).
    const locker = await db.pool.getConnection();
    await locker.beginTransaction();
    await locker.query(`SELECT id FROM ${T.outbox} WHERE id = ? FOR UPDATE`, [locked]);

    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { worker, looks } = countedInstance(
      {
        webhook: {
          async handle(row) {
            const n = (row.payload as { n: string }).n;
            log.push(n);
            if (n === 'slow1') await gate;
            return { result: 'done' };
          },
        },
      },
      { perKeyConcurrency: 1 },
    );
    try {
      worker.start();
      await until('slow1 running', () => log.includes('slow1'));
      await sleep(2_000);
      // Backing off from the locked row: 0.2, 0.4, 0.8 s… A spinning loop would have looked hundreds of times.
      expect(looks()).toBeGreaterThanOrEqual(2);
      expect(looks()).toBeLessThanOrEqual(8);
      expect(log).toEqual(['slow1']);
      expect((await repo.find(held!))?.leaseOwner).toBe('gone');

      // The receiver's attempt ends: its next row goes at once (a finishing attempt wakes the loop).
      const released = Date.now();
      release();
      await until('slow2 done', () => log.includes('slow2'), 3_000);
      expect(Date.now() - released).toBeLessThan(1_000);
    } finally {
      await locker.rollback();
      locker.release();
    }
    // The lock is gone: the row goes out at the next look of the backoff (never more than the safety poll).
    await until('the once-locked row done', async () => (await repo.find(locked!))?.status === 'done', 16_000);
    expect(log).not.toContain('successor');
  });
});

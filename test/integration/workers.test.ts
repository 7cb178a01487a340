import http from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { createTestDatabase, deletePrefix, REDIS_URL, uniquePrefix, type TestDatabase } from '../helpers/services';
import { TEST_SECRET } from '../helpers/sidecar';
import { startSidecarProcess, type SidecarProcess } from '../helpers/sidecar-process';
import { TestSocket, until, wsUrl } from '../helpers/ws-client';

/**
 * WORKERS (Issue 16 item 5): the built sidecar as `npm start` runs it, with
 * two workers on one port. With Redis off nothing but the workers' own IPC
 * (through the primary) can carry an event from one to the other; with
 * Redis on, the workers must not hear each other twice (IPC and Redis).
 * Widgets connected to both workers hear of holds taken through either,
 * exactly once; a killed worker is replaced; SIGTERM stops them all.
 */
describe.each([
  ['without Redis', { REDIS_ENABLED: 'false' }],
  ['with Redis', { REDIS_URL, REDIS_KEY_PREFIX: uniquePrefix() }],
] as const)('WORKERS=2 %s (the built sidecar)', (_name, redisEnv) => {
  let db: TestDatabase;
  let sidecar: SidecarProcess;
  let svc: number;
  let emp: number;
  const sockets: TestSocket[] = [];
  const date = daysFromNow(2);

  beforeAll(async () => {
    db = await createTestDatabase();
    const ids = await seedCatalogue(db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '20:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    [svc] = ids.serviceIds as [number];
    [emp] = ids.staffIds as [number];
    sidecar = await startSidecarProcess(
      { DATABASE_URL: db.url, ...redisEnv, WORKERS: '2', APPOINTEASE_SECRET: TEST_SECRET, TRUST_PROXY: 'true', MAX_LOCKS_PER_CLIENT: '100' },
      { readyWithinMs: 60_000 },
    );
  }, 90_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await sidecar?.stop('SIGKILL');
    await db?.drop();
    if ('REDIS_KEY_PREFIX' in redisEnv) await deletePrefix(redisEnv.REDIS_KEY_PREFIX);
  });

  /** One request on a connection of its own (node:cluster hands each new connection to the next worker). */
  const fresh = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; json: any }>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        `${sidecar.url}/appointease/v1${path}`,
        { method, agent: false, headers: { Connection: 'close', ...(data ? { 'Content-Type': 'application/json' } : {}) } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : undefined }));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  /** Each worker's /health, by instance name (asks until both answered). */
  const healthOfBoth = async () => {
    const seen = new Map<string, any>();
    await until(async () => {
      const h = await fresh('GET', '/health');
      if (h.status === 200) seen.set(h.json.instance, h.json);
      return seen.size === 2;
    }, 20_000);
    return seen;
  };
  const workerPids = () => readFileSync(`/proc/${sidecar.child.pid}/task/${sidecar.child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

  it('runs two workers, each its own instance on the one port', async () => {
    const health = await healthOfBoth();
    expect([...health.keys()].map((name) => name.replace(/^.*\//, '')).sort()).toEqual(['w1', 'w2']);
    for (const h of health.values()) expect(h.redis).toBe('REDIS_ENABLED' in redisEnv ? 'disabled' : 'connected');
    expect(workerPids()).toHaveLength(2);
  });

  it('a widget on one worker hears of a hold taken through the other, once', async () => {
    // Sockets land on the workers in turn: open some until both workers have subscribers.
    for (let i = 0; i < 6; i++) {
      const s = await TestSocket.open(wsUrl(sidecar.url));
      await s.request({ type: 'subscribe', date, employeeId: emp }, (m) => m.type === 'subscribed');
      sockets.push(s);
    }
    const clients = [...(await healthOfBoth()).values()].map((h) => h.websocket.clients as number);
    expect(clients.every((n) => n > 0)).toBe(true);
    expect(clients.reduce((a, b) => a + b, 0)).toBe(6);

    // Holds on connections of their own are taken by both workers in turn: every socket hears every one.
    const times = ['09:00', '10:00', '11:00', '12:00'];
    for (const time of times) {
      const res = await fresh('POST', '/locks', { date, time, employeeId: emp, serviceId: svc });
      expect(res.status).toBe(201);
      for (const s of sockets) await s.next((m) => m.type === 'slot_locked' && m.time === time, 5_000);
    }
    // Once each: the relay never hands a worker its own events back, and Redis does not repeat the relay.
    await new Promise((r) => setTimeout(r, 300));
    for (const s of sockets) expect(s.count((m) => m.type === 'slot_locked')).toBe(times.length);
  });

  it('a killed worker is replaced, and the new one hears and is heard', async () => {
    const [victim] = workerPids();
    process.kill(victim!, 'SIGKILL');
    await until(() => {
      const pids = workerPids();
      return pids.length === 2 && !pids.includes(victim!);
    }, 20_000);
    const health = await healthOfBoth();
    expect([...health.keys()].map((name) => name.replace(/^.*\//, '')).sort()).toEqual(['w1', 'w2']);
    // A fresh socket set on both workers again, and holds through both.
    const late: TestSocket[] = [];
    for (let i = 0; i < 4; i++) {
      const s = await TestSocket.open(wsUrl(sidecar.url));
      await s.request({ type: 'subscribe', date, employeeId: emp }, (m) => m.type === 'subscribed');
      late.push(s);
      sockets.push(s);
    }
    for (const time of ['14:00', '15:00']) {
      expect((await fresh('POST', '/locks', { date, time, employeeId: emp, serviceId: svc })).status).toBe(201);
      for (const s of late) await s.next((m) => m.type === 'slot_locked' && m.time === time, 5_000);
    }
  });

  it('SIGTERM stops the primary and every worker', async () => {
    const pids = workerPids();
    const code = await sidecar.stop('SIGTERM', 20_000);
    expect(code).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

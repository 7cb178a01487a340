/**
 * `npm run bench:ws` — WebSocket fan-out benchmark (issue 5).
 *
 * Opens N clients against one sidecar and against two sidecars sharing Redis
 * (clients split evenly), subscribes them all to one day, locks a slot with
 * a real `POST /locks` on the first instance (then releases it) and measures
 * how long each `slot_locked` takes to reach every client (p50/p99/max over
 * all deliveries, from the event's `ts`). The servers run in
 * child processes (started with --expose-gc) so their RSS is not polluted by
 * the clients: RSS per idle connection = (RSS with N subscribed idle sockets
 * − RSS before) / N, each after a full GC.
 *
 *   npm run bench:ws                      # 1,000 and 10,000 clients
 *   npm run bench:ws -- --clients 2000    # other sizes, comma-separated
 *   npm run bench:ws -- --events 30       # measured events per scenario (default 20, after 2 warm-up events)
 *
 * Everything runs on 127.0.0.1. 10,000 clients need ~10,000 file descriptors
 * in this process and in the server's (the npm script raises `ulimit -n` to
 * the hard limit) and ~10,000 ephemeral ports.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';

// A working day three days ahead (within the booking window), the employee seeded first.
const DAY = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
const EMPLOYEE = 1;
const SERVICE = 1;
const TIMES = Array.from({ length: 24 }, (_, i) => `${String(8 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);

type ToChild = { cmd: 'rss' } | { cmd: 'count' } | { cmd: 'stop' };
type FromChild = { ready: number } | { rss: number } | { count: number } | { stopped: true };

// ---------------------------------------------------------------- server child

async function serve(): Promise<void> {
  const { testConfig } = await import('../../server/src/config');
  const { buildDeps } = await import('../../server/src/deps');
  const { createLogger } = await import('../../server/src/logger');
  const { startServer } = await import('../../server/src/server');
  const config = testConfig({
    DATABASE_URL: process.env.BENCH_DATABASE_URL,
    REDIS_KEY_PREFIX: process.env.BENCH_PREFIX,
    PORT: '0',
    WS_MAX_CONNECTIONS_PER_IP: '1000000',
    LOG_LEVEL: 'silent',
  });
  const deps = await buildDeps(config, createLogger(config));
  const running = await startServer(deps, 0, '127.0.0.1');
  // A Redis reply later than REDIS_COMMAND_TIMEOUT_MS (a stalled event loop) trips the breaker: worth knowing.
  deps.guard.on('down', () => console.error(`[server ${process.pid}] redis breaker opened (a reply later than REDIS_COMMAND_TIMEOUT_MS)`));
  const gc = (globalThis as { gc?: () => void }).gc;
  const send = (m: FromChild) => process.send!(m);
  process.on('message', async (m: ToChild) => {
    if (m.cmd === 'rss') {
      for (let i = 0; i < 3; i++) {
        gc?.();
        await new Promise((r) => setTimeout(r, 100));
      }
      send({ rss: process.memoryUsage().rss });
    } else if (m.cmd === 'count') {
      send({ count: deps.clientCount() });
    } else if (m.cmd === 'stop') {
      await running.close();
      send({ stopped: true });
      process.exit(0);
    }
  });
  send({ ready: running.port });
}

// ---------------------------------------------------------------- orchestration

class Instance {
  private waiting: ((m: FromChild) => void)[] = [];
  constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (m: FromChild) => this.waiting.shift()?.(m));
  }
  static async start(env: Record<string, string>): Promise<Instance> {
    const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
      execArgv: ['--expose-gc', '--import', 'tsx'],
      env: { ...process.env, ...env, NODE_ENV: 'test' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: FromChild) => ('ready' in m ? resolve(m.ready) : reject(new Error('unexpected'))));
      child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
    });
    return new Instance(child, port);
  }
  ask<T extends FromChild>(m: ToChild): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.push(resolve as (m: FromChild) => void);
      this.child.send(m);
    });
  }
  async rss(): Promise<number> {
    return (await this.ask<{ rss: number }>({ cmd: 'rss' })).rss;
  }
  async stop(): Promise<void> {
    await this.ask({ cmd: 'stop' });
  }
}

interface Client {
  ws: WebSocket;
  onEvent: ((ts: number, at: number) => void) | undefined;
}

async function openClients(ports: number[], n: number): Promise<Client[]> {
  const clients: Client[] = [];
  const batch = 250;
  for (let start = 0; start < n; start += batch) {
    const opening: Promise<void>[] = [];
    for (let i = start; i < Math.min(n, start + batch); i++) {
      const port = ports[i % ports.length]!;
      opening.push(
        new Promise<void>((resolve, reject) => {
          // The measuring client does as little as it can per message (real clients are
          // browsers elsewhere): no UTF-8 re-validation, `ts` read without a full parse.
          const ws = new WebSocket(`ws://127.0.0.1:${port}/appointease/v1/ws`, { perMessageDeflate: false, skipUTF8Validation: true });
          const client: Client = { ws, onEvent: undefined };
          ws.on('error', reject);
          ws.on('message', (data: Buffer) => {
            const at = Date.now();
            const text = data.toString('latin1');
            if (text.startsWith('{"type":"subscribed"')) resolve();
            else if (text.startsWith('{"type":"slot_locked"')) {
              const i = text.indexOf('"ts":') + 5;
              client.onEvent?.(Number.parseInt(text.slice(i, i + 16), 10), at);
            }
          });
          ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', date: DAY, employeeId: EMPLOYEE })));
          clients.push(client);
        }),
      );
    }
    await Promise.all(opening);
  }
  return clients;
}

/** Holds `events` times one after another; each `slot_locked` must reach every client before the next. */
async function measure(publisher: Instance, clients: Client[], events: number): Promise<number[]> {
  const samples: number[] = [];
  const warmUp = 2;
  for (let e = 0; e < events + warmUp; e++) {
    if (e === warmUp) samples.length = 0;
    let locking: Promise<() => Promise<void>> | undefined;
    await new Promise<void>((resolve, reject) => {
      let left = clients.length;
      const timer = setTimeout(() => reject(new Error(`event ${e}: ${left} clients did not receive it within 10 s`)), 10_000);
      for (const c of clients) {
        c.onEvent = (ts, at) => {
          c.onEvent = undefined;
          samples.push(at - ts);
          if (--left === 0) {
            clearTimeout(timer);
            resolve();
          }
        };
      }
      // Subscribers may hear of the hold before its HTTP answer arrives.
      locking = lockSlot(publisher.port, TIMES[e % TIMES.length]!);
      locking.catch(reject);
    });
    // Free the time again, and let that slot_unlocked fan-out finish before the next hold.
    await (await locking!)();
    await new Promise((r) => setTimeout(r, 50 + clients.length / 40));
  }
  return samples;
}

/** A real hold (the event under test); returns its release. */
async function lockSlot(port: number, time: string): Promise<() => Promise<void>> {
  const base = `http://127.0.0.1:${port}/appointease/v1/locks`;
  const json = { 'Content-Type': 'application/json' };
  const res = await fetch(base, { method: 'POST', headers: json, body: JSON.stringify({ date: DAY, time, employeeId: EMPLOYEE, serviceId: SERVICE }) });
  if (res.status !== 201) throw new Error(`POST /locks ${time}: ${res.status} ${await res.text()}`);
  const { lockToken } = (await res.json()) as { lockToken: string };
  return async () => {
    const del = await fetch(base, { method: 'DELETE', headers: json, body: JSON.stringify({ date: DAY, time, employeeId: EMPLOYEE, lockToken }) });
    if (del.status !== 204) throw new Error(`DELETE /locks ${time}: ${del.status}`);
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function closeClients(clients: Client[]): Promise<void> {
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === WebSocket.CLOSED) return resolve();
          c.ws.once('close', () => resolve());
          c.ws.terminate();
        }),
    ),
  );
}

interface Result {
  scenario: string;
  clients: number;
  p50: number;
  p99: number;
  max: number;
  rssPerConnKb?: number;
}

async function scenario(n: number, instances: number, events: number, env: Record<string, string>): Promise<Result> {
  const servers: Instance[] = [];
  for (let i = 0; i < instances; i++) servers.push(await Instance.start(env));
  try {
    await new Promise((r) => setTimeout(r, 500));
    const before = await servers[0]!.rss();
    const started = Date.now();
    const clients = await openClients(
      servers.map((s) => s.port),
      n,
    );
    const openMs = Date.now() - started;
    const after = await servers[0]!.rss();
    const onFirst = Math.ceil(n / instances);
    const rssPerConnKb = (after - before) / onFirst / 1024;
    const samples = (await measure(servers[0]!, clients, events)).sort((a, b) => a - b);
    await closeClients(clients);
    const result: Result = {
      scenario: instances === 1 ? 'one instance' : `${instances} instances (clients split, published on the first)`,
      clients: n,
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      max: samples[samples.length - 1]!,
      rssPerConnKb: Math.round(rssPerConnKb * 10) / 10,
    };
    console.log(
      `${String(n).padStart(6)} clients, ${result.scenario}: opened in ${openMs} ms; delivery p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms ` +
        `(${samples.length} deliveries); server RSS +${((after - before) / 1048576).toFixed(1)} MB for ${onFirst} idle subscribed sockets = ${result.rssPerConnKb} KB/connection`,
    );
    return result;
  } finally {
    for (const s of servers) await s.stop().catch(() => s.child.kill('SIGKILL'));
  }
}

/** Runs every scenario and prints the figures; true when every target was met. (`npm run bench` calls this.) */
export async function run(): Promise<boolean> {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1]! : fallback;
  };
  const sizes = arg('clients', '1000,10000').split(',').map(Number);
  const events = Number(arg('events', '20'));
  const { createTestDatabase, deletePrefix, uniquePrefix } = await import('../helpers/services');
  const { everyDay, seedCatalogue } = await import('../helpers/catalogue');
  const db = await createTestDatabase();
  const ids = await seedCatalogue(db.pool, {
    services: [{ name: 'Bench', duration: 30 }],
    staff: [{ name: 'Bench', hours: everyDay(['08:00', '20:00']) }],
    settings: { timezone: 'UTC', minNoticeMinutes: 0 },
  });
  if (ids.serviceIds[0] !== SERVICE || ids.staffIds[0] !== EMPLOYEE) throw new Error('unexpected seeded ids');
  const prefix = uniquePrefix();
  const env = { BENCH_DATABASE_URL: db.url, BENCH_PREFIX: prefix };
  console.log(`ws bench: ${events} events per scenario, ulimit -n in this process: see npm script; node ${process.version}`);
  const results: Result[] = [];
  try {
    for (const n of sizes) {
      results.push(await scenario(n, 1, events, env));
      results.push(await scenario(n, 2, events, env));
    }
  } finally {
    await deletePrefix(prefix);
    await db.drop();
  }
  const targets = results.map((r) => {
    const limit = r.clients <= 1000 ? 50 : r.clients <= 10_000 ? 250 : Infinity;
    const memOk = r.clients < 10_000 || r.scenario !== 'one instance' || (r.rssPerConnKb ?? 0) <= 16;
    return { ...r, target: `p99 ≤ ${limit} ms${r.clients >= 10_000 && r.scenario === 'one instance' ? ', ≤ 16 KB/conn' : ''}`, met: r.p99 <= limit && memOk };
  });
  console.table(targets);
  return targets.every((t) => t.met);
}

const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isEntry && process.argv.includes('--serve')) {
  serve().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else if (isEntry) {
  run().then(
    (met) => process.exit(met ? 0 : 1),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

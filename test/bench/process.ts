import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { addDays, todayIn } from '../../server/src/domain/time';
import { everyDay, seedCatalogue } from '../helpers/catalogue';
import { createTestDatabase, deletePrefix, freePort, uniquePrefix } from '../helpers/services';

/**
 * The sidecar as a process (Issue 17 item 1): start-up time and memory of what
 * `npm start` ran before (TypeScript compiled at run time by tsx) and runs now
 * (server/dist, plain node), beside a bare node HTTP server as the floor.
 *
 * `npm start` runs node with two V8 flags (package.json): a young generation of
 * 2 × 4 MB instead of up to 2 × 16 MB, and an old generation that grows by
 * half its live size before a full collection instead of up to fourfold. The
 * sidecar's live heap is about 28 MB (a heap snapshot under this load), so
 * what V8 keeps beyond that is garbage it has not collected yet: the flags
 * take the resident set under load from about 200 MB to about 115 MB for a
 * few more, shorter collections. The built server runs once more without
 * them, and each row shows where its memory is (its own /metrics).
 *
 * Start-up: spawn → first 200 from /health, median of 3. Memory: resident set of
 * the whole process tree (tsx is a launcher process, the node it starts, and an
 * esbuild service), at idle and then during a mixed load — availability reads,
 * hold/release pairs, lock lists and subscribed WebSocket clients — sampled every
 * 250 ms. BENCH_SOAK_SECONDS sets the load's length (default 30; the 3-minute soak
 * of Issue 17 is BENCH_SOAK_SECONDS=180).
 */

const REPO = join(import.meta.dirname, '../..');
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 30);
const WS_CLIENTS = Number(process.env.BENCH_WS_CLIENTS ?? 300);
const HTTP_CLIENTS = 12;

interface Variant {
  name: string;
  command: string[];
}

/** `npm start` is `exec node <flags> server/dist/index.js`: the flags, as it passes them. */
const START_FLAGS = (/^exec node (.*)server\/dist\/index\.js$/.exec(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).scripts.start)?.[1] ?? '').split(' ').filter(Boolean);

const VARIANTS: Variant[] = [
  { name: 'bare node http', command: [process.execPath, '-e', "require('http').createServer((q,s)=>s.end('{}')).listen(+process.env.PORT,'127.0.0.1')"] },
  { name: 'before: tsx server/src', command: [join(REPO, 'node_modules/.bin/tsx'), 'server/src/index.ts'] },
  { name: 'after: npm start', command: [process.execPath, ...START_FLAGS, 'server/dist/index.js'] },
  // The same build without npm start's V8 flags: what they save.
  { name: 'after, no V8 flags', command: [process.execPath, 'server/dist/index.js'] },
  // BENCH_NODE_FLAGS="--max-semi-space-size=2": the built server once more with node flags (memory knobs).
  ...(process.env.BENCH_NODE_FLAGS ? [{ name: `after + ${process.env.BENCH_NODE_FLAGS}`.slice(0, 24), command: [process.execPath, ...process.env.BENCH_NODE_FLAGS.split(' '), 'server/dist/index.js'] }] : []),
];

/** Resident set of a process and all its descendants, in MB. */
function treeRssMb(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(p)]);
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      rss.set(Number(p), m ? Number(m[1]) : 0);
    } catch {
      // gone meanwhile
    }
  }
  let kb = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    kb += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return kb / 1024;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: HTTP_CLIENTS });
function call(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, json: text.startsWith('{') ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function waitHealthy(port: number, child: ChildProcess): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error('exited before answering');
    try {
      const r = await call(port, 'GET', '/appointease/v1/health');
      if (r.status === 200 || r.status === 503) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 60_000) throw new Error('no answer within 60 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function start(v: Variant, port: number, env: Record<string, string>): ChildProcess {
  return spawn(v.command[0]!, v.command.slice(1), { cwd: REPO, env: { PATH: process.env.PATH!, ...env, PORT: String(port) }, stdio: 'ignore' });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Mixed load until `until`: reads, hold/release pairs, lock lists; returns requests done. */
async function load(port: number, until: number, day: (i: number) => string, ids: { serviceIds: number[]; staffIds: number[] }): Promise<number> {
  let done = 0;
  const worker = async (w: number) => {
    for (let i = w; Date.now() < until; i += HTTP_CLIENTS) {
      const date = day(i);
      const employeeId = ids.staffIds[i % ids.staffIds.length]!;
      const serviceId = ids.serviceIds[0]!;
      const kind = i % 4;
      if (kind === 0 || kind === 1) {
        await call(port, 'GET', `/appointease/v1/availability?date=${date}&employeeId=${employeeId}&serviceId=${serviceId}`);
      } else if (kind === 2) {
        await call(port, 'GET', `/appointease/v1/locks?date=${date}&employeeId=${employeeId}`);
      } else {
        const time = `${String(9 + (i % 8)).padStart(2, '0')}:00`;
        const held = await call(port, 'POST', '/appointease/v1/locks', { date, time, employeeId, serviceId });
        if (held.status === 201) await call(port, 'DELETE', '/appointease/v1/locks', { date, time, employeeId, lockToken: held.json.lockToken });
        done++;
      }
      done++;
    }
  };
  await Promise.all(Array.from({ length: HTTP_CLIENTS }, (_, w) => worker(w)));
  return done;
}

async function openSockets(port: number, n: number, day: (i: number) => string, staffIds: number[]): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/appointease/v1/ws`);
    ws.on('error', () => {});
    await new Promise<void>((resolve) => {
      ws.once('open', () => {
        ws.send(JSON.stringify({ type: 'subscribe', date: day(i), employeeId: staffIds[i % staffIds.length] }));
        resolve();
      });
      ws.once('error', () => resolve());
    });
    sockets.push(ws);
  }
  return sockets;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const METRICS_TOKEN = randomBytes(16).toString('hex');

/** Where the sidecar's memory is, from its own /metrics (prom-client's process metrics), in MB. */
interface Breakdown {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  /** V8's young generation (the semi-spaces): grows under allocation pressure up to --max-semi-space-size. */
  newSpace: number;
  external: number;
}

async function breakdown(port: number): Promise<Breakdown | undefined> {
  const text = await new Promise<string>((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/appointease/v1/metrics', agent, headers: { authorization: `Bearer ${METRICS_TOKEN}` } }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve(res.statusCode === 200 ? t : ''));
      })
      .on('error', () => resolve(''));
  });
  const mb = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN) / 1024 / 1024;
  const b = {
    rss: mb(/^appointease_process_process_resident_memory_bytes(?:\{[^}]*\})? ([\d.e+]+)/m),
    heapTotal: mb(/^appointease_process_nodejs_heap_size_total_bytes(?:\{[^}]*\})? ([\d.e+]+)/m),
    heapUsed: mb(/^appointease_process_nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([\d.e+]+)/m),
    newSpace: mb(/^appointease_process_nodejs_heap_space_size_total_bytes\{[^}]*space="new"[^}]*\} ([\d.e+]+)/m),
    external: mb(/^appointease_process_nodejs_external_memory_bytes(?:\{[^}]*\})? ([\d.e+]+)/m),
  };
  return Number.isFinite(b.rss) ? b : undefined;
}

export async function run(): Promise<void> {
  const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: REPO, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`server build failed: ${build.stderr}`);
  const db = await createTestDatabase();
  const prefix = uniquePrefix();
  try {
    const ids = await seedCatalogue(db.pool, { services: [{ duration: 45 }, { duration: 30 }], staff: [0, 1, 2, 3].map(() => ({ hours: everyDay(['09:00', '17:00']) })) });
    const today = todayIn('UTC', Date.now());
    const day = (i: number) => addDays(today, 1 + (i % 14));
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      REDIS_KEY_PREFIX: prefix,
      APPOINTEASE_SECRET: randomBytes(32).toString('hex'),
      MAIL_TRANSPORT: 'smtp://127.0.0.1:2525',
      LOG_LEVEL: 'info',
      MAX_LOCKS_PER_CLIENT: '1000',
      // One process, as this bench has always measured (WORKERS would fork one per core): npm run bench -- workers measures those.
      WORKERS: '1',
      METRICS_TOKEN,
    };
    console.log(`process tree resident memory; load: ${HTTP_CLIENTS} HTTP clients (availability, lock lists, hold+release) and ${WS_CLIENTS} subscribed WebSockets for ${SOAK_SECONDS} s; start-up = spawn → first /health answer, median of 3`);
    const rows: { name: string; startMs: number; idle: number; peak: number; end: number; rps: number; at?: Breakdown }[] = [];
    for (const v of VARIANTS) {
      const startTimes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const port = await freePort();
        const child = start(v, port, env);
        startTimes.push(await waitHealthy(port, child));
        await stop(child);
      }
      const port = await freePort();
      const child = start(v, port, env);
      await waitHealthy(port, child);
      await new Promise((r) => setTimeout(r, 3_000));
      const idle = treeRssMb(child.pid!);
      const bare = v.name.startsWith('bare');
      const sockets = bare ? [] : await openSockets(port, WS_CLIENTS, day, ids.staffIds);
      let peak = idle;
      const sampler = setInterval(() => (peak = Math.max(peak, treeRssMb(child.pid!))), 250);
      // The sidecar's own account of its memory every 2 s; the sample with the most RSS is shown.
      let at: Breakdown | undefined;
      const looker = bare
        ? undefined
        : setInterval(() => {
            void breakdown(port).then((b) => {
              if (b && (!at || b.rss > at.rss)) at = b;
            });
          }, 2_000);
      const t0 = Date.now();
      const requests = bare ? 0 : await load(port, t0 + SOAK_SECONDS * 1000, day, ids);
      const elapsed = (Date.now() - t0) / 1000;
      clearInterval(sampler);
      clearInterval(looker);
      const end = treeRssMb(child.pid!);
      peak = Math.max(peak, end);
      for (const ws of sockets) ws.terminate();
      await stop(child);
      rows.push({ name: v.name, startMs: median(startTimes), idle, peak, end, rps: requests / Math.max(elapsed, 0.001), at });
    }
    const before = rows.find((r) => r.name.startsWith('before'))!;
    const pad = (s: string, n: number) => s.padStart(n);
    console.log(`${pad('', 24)}  ${pad('start-up ms', 11)}  ${pad('idle MB', 8)}  ${pad('load peak MB', 12)}  ${pad('load end MB', 11)}  ${pad('req/s', 7)}  ${pad('idle ×before', 12)}  ${pad('peak ×before', 12)}`);
    for (const r of rows) {
      console.log(
        `${pad(r.name, 24)}  ${pad(r.startMs.toFixed(0), 11)}  ${pad(r.idle.toFixed(1), 8)}  ${pad(r.name.startsWith('bare') ? '–' : r.peak.toFixed(1), 12)}  ${pad(r.name.startsWith('bare') ? '–' : r.end.toFixed(1), 11)}  ${pad(r.name.startsWith('bare') ? '–' : r.rps.toFixed(0), 7)}  ${pad((r.idle / before.idle).toFixed(2), 12)}  ${pad(r.name.startsWith('bare') ? '–' : (r.peak / before.peak).toFixed(2), 12)}`,
      );
    }
    console.log('target: after ≤ 0.5 × before in memory under load');
    console.log('where it is under load (the node process itself, at its highest RSS sample; MB): RSS = V8 heap (young generation among it) + external/array buffers + code, stacks and the allocator');
    for (const r of rows) {
      if (!r.at) continue;
      const a = r.at;
      console.log(`${pad(r.name, 24)}  RSS ${a.rss.toFixed(1)}: heap ${a.heapTotal.toFixed(1)} (used ${a.heapUsed.toFixed(1)}, young generation ${a.newSpace.toFixed(1)}), external ${a.external.toFixed(1)}, the rest ${(a.rss - a.heapTotal - a.external).toFixed(1)}`);
    }
  } finally {
    agent.destroy();
    await deletePrefix(prefix);
    await db.drop();
  }
}

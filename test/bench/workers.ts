/**
 * WORKERS bench (Issue 16 item 5): throughput of the built sidecar as `npm
 * start` runs it, WORKERS=1 against WORKERS=2, on the hold path (POST /locks,
 * each on its own free time over warm days and 20 employees, each from its
 * own client IP) and on a cached day view (GET /availability), at 32
 * concurrent keep-alive clients. Goal: ≥ 1.7× on 2 cores.
 *
 * The load generator is this process (the sidecar is a child), so on a
 * 2-core machine it competes with the workers for the same cores: the CPU
 * columns say how the cores were shared (server = primary + workers, load =
 * this process), and server µs/req whether a request costs a worker more
 * than it costs a single process (if not, the throughput follows the cores
 * the workers get). `BENCH_LOADERS=2` drives the load from two child processes
 * instead. Rounds alternate the two settings (a fresh server each time, new
 * key prefix) and the medians are shown, the spread beside them: the
 * machine is shared.
 *
 * Own database (created, dropped) and key prefixes (deleted). 127.0.0.1 only.
 * Run alone: `npx tsx test/bench/workers.ts`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { createTestDatabase, deletePrefix, freePort, REDIS_URL, uniquePrefix } from '../helpers/services';
import { BUILT_SERVER } from '../helpers/sidecar-process';
import { processCpuNs, redisCpuSeconds } from './support/cpu';

const EMPLOYEES = 20;
const DAYS = 60;
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LOADERS = Number(process.env.BENCH_LOADERS ?? 1);
/** BENCH_LOAD=wrk drives the load with Debian's wrk instead of node's http client. */
const WRK = process.env.BENCH_LOAD === 'wrk';
const CELLS = Array.from({ length: 20 }, (_, i) => `${String(8 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);

/** CPU seconds of this process's finished children (wrk, the load children): /proc/self/stat cutime + cstime. */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": field 3 is state, so cutime (16) and cstime (17) are at 13 and 14; clock ticks of 1/100 s.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface Load {
  rps: number;
  errors: number;
}

/** Drives `path` (GET) or POST /locks for `seconds` with `clients` keep-alive connections; holds take `first…` of the slot space. */
async function drive(port: number, kind: 'hold' | 'view', seconds: number, clients: number, ctx: { svc: number; staff: number[]; first: number; stride: number }): Promise<Load & { used: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  let n = 0;
  let errors = 0;
  let seq = ctx.first;
  const until = Date.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const i = seq;
      seq += ctx.stride;
      const emp = ctx.staff[i % EMPLOYEES]!;
      const k = Math.floor(i / EMPLOYEES);
      const date = daysFromNow(1 + (k % DAYS));
      const time = CELLS[Math.floor(k / DAYS) % CELLS.length]!;
      const body = kind === 'hold' ? JSON.stringify({ date, time, employeeId: emp, serviceId: ctx.svc }) : undefined;
      const path = kind === 'hold' ? '/appointease/v1/locks' : `/appointease/v1/availability?date=${date}&employeeId=${emp}&serviceId=${ctx.svc}`;
      const headers: Record<string, string | number> = { 'X-Forwarded-For': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
      if (body) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      const req = http.request({ host: '127.0.0.1', port, method: body ? 'POST' : 'GET', path, agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          n++;
          if (res.statusCode !== (body ? 201 : 200) && errors++ === 0) console.error(`unexpected ${res.statusCode} for ${path} ${body ?? ''}`);
          resolve();
        });
      });
      req.on('error', (err) => {
        if (errors++ === 0) console.error(`request failed: ${err.message}`);
        resolve();
      });
      req.end(body);
    });
  const t0 = Date.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (Date.now() < until) await one();
  }));
  agent.destroy();
  return { rps: n / ((Date.now() - t0) / 1000), errors, used: seq };
}

/**
 * The same load from wrk (Debian's `wrk`, C: a few µs of CPU per request
 * where node's http client costs about what the server does), so that on a
 * 2-core machine the load generator leaves the server its cores. A Lua
 * script makes every request as drive() does: its own slot (thread-strided),
 * its own X-Forwarded-For.
 */
async function driveWithWrk(port: number, kind: 'hold' | 'view', ctx: { svc: number; staff: number[]; first: number }): Promise<Load & { used: number }> {
  const threads = 2;
  const days = Array.from({ length: DAYS }, (_, k) => daysFromNow(1 + k));
  // Globals, not locals: done() reads each thread's counters with thread:get.
  const script = `
local staff = {${ctx.staff.join(',')}}
local days = {${days.map((d) => `"${d}"`).join(',')}}
local cells = {${CELLS.map((c) => `"${c}"`).join(',')}}
local threads = {}
function setup(thread)
  thread:set("seq", ${ctx.first} + #threads)
  table.insert(threads, thread)
end
ok, bad = 0, 0
function request()
  local i = seq
  seq = seq + ${threads}
  local emp = staff[(i % ${EMPLOYEES}) + 1]
  local k = math.floor(i / ${EMPLOYEES})
  local date = days[(k % ${DAYS}) + 1]
  local time = cells[(math.floor(k / ${DAYS}) % ${CELLS.length}) + 1]
  local xff = string.format("10.%d.%d.%d", math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256)
  ${
    kind === 'hold'
      ? `local body = string.format('{"date":"%s","time":"%s","employeeId":%d,"serviceId":${ctx.svc}}', date, time, emp)
  return wrk.format("POST", "/appointease/v1/locks", { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = xff }, body)`
      : `return wrk.format("GET", string.format("/appointease/v1/availability?date=%s&employeeId=%d&serviceId=${ctx.svc}", date, emp), { ["X-Forwarded-For"] = xff })`
  }
end
function response(status, headers, body)
  if status == ${kind === 'hold' ? 201 : 200} then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local okAll, badAll, seqMax = 0, 0, 0
  for _, t in ipairs(threads) do
    okAll = okAll + t:get("ok")
    badAll = badAll + t:get("bad")
    seqMax = math.max(seqMax, t:get("seq"))
  end
  io.write(string.format('WRK {"ok":%d,"bad":%d,"seq":%d,"us":%d}\\n', okAll, badAll, seqMax, summary.duration))
end
`;
  const file = `/tmp/appointease-workers-bench-${process.pid}.lua`;
  writeFileSync(file, script);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', ['-t', String(threads), '-c', String(CLIENTS), '-d', `${SECONDS}s`, '-s', file, `http://127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout!.on('data', (d) => (text += d));
    child.on('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? new Error('BENCH_LOAD=wrk needs wrk: apt-get install wrk') : err));
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}`))));
  });
  const m = /WRK (\{.*\})/.exec(out);
  if (!m) throw new Error(`wrk printed no result:\n${out}`);
  const r = JSON.parse(m[1]!) as { ok: number; bad: number; seq: number; us: number };
  if (r.bad > 0) console.error(`wrk: ${r.bad} unexpected statuses`);
  return { rps: r.ok / (r.us / 1e6), errors: r.bad, used: r.seq + threads };
}

/** The same load from `LOADERS` child processes (this file, with BENCH_DRIVE set), summed. */
async function driveInChildren(port: number, kind: 'hold' | 'view', ctx: { svc: number; staff: number[]; first: number }): Promise<Load & { used: number }> {
  const children = Array.from({ length: LOADERS }, (_, j) =>
    new Promise<Load>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname], {
        env: { ...process.env, BENCH_DRIVE: JSON.stringify({ port, kind, svc: ctx.svc, staff: ctx.staff, first: ctx.first + j, stride: LOADERS, clients: Math.ceil(CLIENTS / LOADERS) }) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load child exited ${code}`))));
    }),
  );
  const loads = await Promise.all(children);
  // Each child took every LOADERS-th slot from `first`: the next run starts past all of them.
  return { rps: loads.reduce((a, l) => a + l.rps, 0), errors: loads.reduce((a, l) => a + l.errors, 0), used: ctx.first + Math.max(...loads.map((l) => (l as Load & { used: number }).used - ctx.first)) + LOADERS };
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BUILT_SERVER], { env: { PATH: process.env.PATH!, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/appointease/v1/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('bench sidecar did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export async function run(): Promise<void> {
  spawnSync(process.execPath, [new URL('../../scripts/build-server.mjs', import.meta.url).pathname], { stdio: 'ignore' });
  const db = await createTestDatabase();
  const prefixes: string[] = [];
  try {
    const ids = await seedCatalogue(db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: Array.from({ length: EMPLOYEES }, (_, i) => ({ name: `E${i + 1}`, hours: everyDay(['08:00', '18:00']) })),
      settings: { timezone: 'UTC', minNoticeMinutes: 0, maxAdvanceDays: DAYS + 5 },
    });
    const ctx = { svc: ids.serviceIds[0]!, staff: ids.staffIds };
    const results: Record<string, { w: number; kind: string; rps: number; serverCpu: number; loadCpu: number; redisCpu: number; errors: number }[]> = {};
    const redisInfo = new Redis(REDIS_URL);
    for (let round = 0; round < ROUNDS; round++) {
      for (const workers of round % 2 ? [2, 1] : [1, 2]) {
        const prefix = uniquePrefix();
        prefixes.push(prefix);
        const server = await startServer({
          NODE_ENV: 'production',
          WORKERS: String(workers),
          DATABASE_URL: db.url,
          REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          APPOINTEASE_SECRET: 'bench-secret-0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c',
          MAIL_TRANSPORT: 'smtp://127.0.0.1:9',
          TRUST_PROXY: 'true',
          MAX_LOCKS_PER_CLIENT: '1000',
          AVAILABILITY_CACHE_SECONDS: '3600',
          LOG_LEVEL: 'info',
          LOG_FORMAT: 'json',
        });
        let slot = 0; // a fresh key prefix: every time is free again
        try {
          // Warm: every worker's JIT and catalogue, and the days' cached plans (a customer views before holding).
          await drive(server.port, 'view', 2, CLIENTS, { ...ctx, first: 0, stride: 1 });
          for (const kind of ['view', 'hold'] as const) {
            const cpu0 = [processCpuNs(server.child.pid!, true), process.cpuUsage(), childrenCpuSeconds(), redisCpuSeconds(await redisInfo.info('cpu'))] as const;
            const load = WRK ? await driveWithWrk(server.port, kind, { ...ctx, first: slot }) : LOADERS > 1 ? await driveInChildren(server.port, kind, { ...ctx, first: slot }) : await drive(server.port, kind, SECONDS, CLIENTS, { ...ctx, first: slot, stride: 1 });
            if (kind === 'hold') slot = load.used;
            const serverCpu = (processCpuNs(server.child.pid!, true) - cpu0[0]) / 1e9 / SECONDS;
            const own = process.cpuUsage(cpu0[1]);
            // This process's own CPU when it drives the load itself, else its finished children's (wrk, load children).
            const loadCpu = (WRK || LOADERS > 1 ? childrenCpuSeconds() - cpu0[2] : (own.user + own.system) / 1e6) / SECONDS;
            const redisCpu = (redisCpuSeconds(await redisInfo.info('cpu')) - cpu0[3]) / SECONDS;
            (results[kind] ??= []).push({ w: workers, kind, rps: load.rps, serverCpu, loadCpu, redisCpu, errors: load.errors });
          }
        } finally {
          await server.stop();
        }
      }
    }
    redisInfo.disconnect();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const perReq = (rs: { rps: number; serverCpu: number; loadCpu: number; redisCpu: number }[], k: 'serverCpu' | 'loadCpu' | 'redisCpu') => median(rs.map((r) => (r[k] * 1e6) / r.rps));
    console.log(`built sidecar (npm start), NODE_ENV=production, Redis on, ${CLIENTS} keep-alive clients, ${SECONDS} s per run, ${ROUNDS} rounds, load from ${WRK ? 'wrk (2 threads)' : LOADERS > 1 ? `${LOADERS} child processes` : 'this process'}; CPU in cores busy (of 2)`);
    console.log('route                workers  req/s (median, range)      server CPU  load CPU  redis CPU  µs/req: server  load  redis  errors');
    for (const [kind, rs] of Object.entries(results)) {
      const label = kind === 'hold' ? 'POST /locks' : 'GET /availability';
      const per: Record<number, number> = {};
      for (const w of [1, 2]) {
        const mine = rs.filter((r) => r.w === w);
        per[w] = median(mine.map((r) => r.rps));
        const lo = Math.min(...mine.map((r) => r.rps));
        const hi = Math.max(...mine.map((r) => r.rps));
        console.log(
          `${label.padEnd(20)} ${String(w).padStart(7)}  ${per[w]!.toFixed(0).padStart(6)} (${lo.toFixed(0)}–${hi.toFixed(0)})`.padEnd(53) +
            `${median(mine.map((r) => r.serverCpu)).toFixed(2).padStart(10)}  ${median(mine.map((r) => r.loadCpu)).toFixed(2).padStart(8)}  ${median(mine.map((r) => r.redisCpu)).toFixed(2).padStart(9)}  ` +
            `${perReq(mine, 'serverCpu').toFixed(0).padStart(14)}  ${perReq(mine, 'loadCpu').toFixed(0).padStart(4)}  ${perReq(mine, 'redisCpu').toFixed(0).padStart(5)}  ${mine.reduce((a, r) => a + r.errors, 0)}`,
        );
      }
      // What two cores allow at all: the server, the load generator and redis-server share them, so
      // WORKERS=2 can serve at most 2 cores / (their CPU per request at WORKERS=1).
      const one = rs.filter((r) => r.w === 1);
      const ceiling = 2e6 / (perReq(one, 'serverCpu') + perReq(one, 'loadCpu') + perReq(one, 'redisCpu'));
      console.log(`${label.padEnd(20)} WORKERS=2 / WORKERS=1: ${(per[2]! / per[1]!).toFixed(2)}× (what 2 cores shared with the load generator and redis-server allow at WORKERS=1's cost per request: ${ceiling.toFixed(0)} req/s, ${(ceiling / per[1]!).toFixed(2)}×)`);
    }
    console.log(`goal: ≥ 1.7× on 2 cores. CPU columns: cores the server (primary + workers), the load generator and redis-server kept busy; load average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (other work on the machine takes the rest)`);
  } finally {
    for (const p of prefixes) await deletePrefix(p);
    await db.drop();
  }
}

if (process.env.BENCH_DRIVE) {
  // A load child of driveInChildren: drive, print the result, exit.
  const a = JSON.parse(process.env.BENCH_DRIVE) as { port: number; kind: 'hold' | 'view'; svc: number; staff: number[]; first: number; stride: number; clients: number };
  const load = await drive(a.port, a.kind, SECONDS, a.clients, a);
  process.stdout.write(JSON.stringify(load));
  process.exit(0);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}

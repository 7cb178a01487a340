/**
 * Lock bench (issue 3): POST /locks and GET /locks on the real sidecar with
 * 100,000 active locks spread over a year, each beside a bare express route
 * doing one SET NX EX / one GET, at 1 and 16 concurrent clients.
 * Targets: p50 ratio ≤ 1.5; throughput at 16 clients ≥ 0.6× bare.
 *
 * Own database (created, dropped) and key prefix (deleted). 127.0.0.1 only.
 * Run alone: `npx tsx test/bench/locks.ts`.
 *
 * Beside each ratio: CPU per request of the server process and of
 * redis-server (sidecar/bare). At 16 clients the server's main thread is the
 * bottleneck, so the p50 ratio follows the CPU ratio: that column says where
 * to look. BENCH_ONLY="POST /locks@16" runs chosen rows; BENCH_CPU_PROF=<dir>
 * writes a V8 CPU profile of the server process.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { migrate } from '../../server/src/db/migrate';
import { createPool } from '../../server/src/db/pool';
import { redisKeys } from '../../server/src/redis/keys';
import { dayMember, encodeLock } from '../../server/src/stores/lock-store';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { deletePrefix, MYSQL_ROOT, REDIS_URL } from '../helpers/services';
import { processCpuNs } from './support/cpu';

const SEEDED_LOCKS = 100_000;
const SEEDED_EMPLOYEES = 20;
const FREE_EMPLOYEES = 20;
/** Employees whose days nobody views before the cold rows hold on them. */
const COLD_EMPLOYEES = 40;
const DAYS = 365;
// 00:00–23:30 working hours (24:00 is not a wall time): 47 start times for a 30-minute service.
const CELLS = Array.from({ length: 47 }, (_, i) => `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);

interface Req {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

interface Result {
  p50: number;
  p99: number;
  rps: number;
  errors: number;
  /** CPU time per request, µs: the server process (all threads) and redis-server. */
  serverCpu: number;
  redisCpu: number;
}

const watched = { server: undefined as number | undefined, redis: undefined as number | undefined };

async function load(port: number, n: number, concurrency: number, request: (i: number) => Req, expect: number): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const r = request(i);
      const started = process.hrtime.bigint();
      const req = http.request(
        { host: '127.0.0.1', port, method: r.method, path: r.path, agent, headers: { ...(r.body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(r.body) } : {}), ...r.headers } },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            if (res.statusCode !== expect) {
              errors++;
              if (errors === 1) console.error(`unexpected ${res.statusCode} for ${r.method} ${r.path} ${r.body ?? ''}`);
            }
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(r.body);
    });
  const cpu0 = [processCpuNs(watched.server), processCpuNs(watched.redis)];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await one(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu1 = [processCpuNs(watched.server), processCpuNs(watched.redis)];
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { p50: q(0.5), p99: q(0.99), rps: n / seconds, errors, serverCpu: (cpu1[0]! - cpu0[0]!) / n / 1e3, redisCpu: (cpu1[1]! - cpu0[1]!) / n / 1e3 };
}

export async function run(): Promise<void> {
  const dbName = `ae_bench_locks_${randomBytes(3).toString('hex')}`;
  const prefix = `bench:locks:${randomBytes(3).toString('hex')}:`;
  const admin = await mysql.createConnection(MYSQL_ROOT);
  await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const dbUrl = `${MYSQL_ROOT}/${dbName}`;
  const pool = createPool(dbUrl, { connectionLimit: 2 });
  let child: ReturnType<typeof spawn> | undefined;
  const redis = new Redis(REDIS_URL);
  try {
    await migrate(pool, 'wp_');
    const ids = await seedCatalogue(pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: Array.from({ length: SEEDED_EMPLOYEES + FREE_EMPLOYEES + COLD_EMPLOYEES }, (_, i) => ({ name: `E${i + 1}`, hours: everyDay(['00:00', '23:30']) })),
      settings: { timezone: 'UTC', minNoticeMinutes: 0, maxAdvanceDays: DAYS + 5 },
    });
    const serviceId = ids.serviceIds[0]!;
    const seededEmps = ids.staffIds.slice(0, SEEDED_EMPLOYEES);
    const freeEmps = ids.staffIds.slice(SEEDED_EMPLOYEES, SEEDED_EMPLOYEES + FREE_EMPLOYEES);
    const coldEmps = ids.staffIds.slice(SEEDED_EMPLOYEES + FREE_EMPLOYEES);
    const days = Array.from({ length: DAYS }, (_, i) => daysFromNow(i + 1));

    // 100,000 live locks written the way the acquire script writes them.
    const keys = redisKeys(prefix);
    const expiresAt = Date.now() + 3_600_000;
    let pipeline = redis.pipeline();
    for (let i = 0; i < SEEDED_LOCKS; i++) {
      const emp = seededEmps[i % SEEDED_EMPLOYEES]!;
      const date = days[Math.floor(i / SEEDED_EMPLOYEES) % DAYS]!;
      const time = CELLS[Math.floor(i / (SEEDED_EMPLOYEES * DAYS)) * 3]!;
      const value = encodeLock({ date, time, times: [time], employeeId: emp, serviceId, owner: `172.16.${i >> 8 & 255}.${i & 255}`, lockId: randomBytes(32).toString('hex'), expiresAt });
      pipeline.set(keys.slot(date, time, emp), value, 'PX', 3_600_000);
      pipeline.zadd(keys.lockIndex(date, emp), expiresAt, value);
      pipeline.zadd(keys.lockDays(), expiresAt, dayMember(date, emp));
      if (pipeline.length >= 3_000) {
        await pipeline.exec();
        pipeline = redis.pipeline();
      }
    }
    await pipeline.exec();
    await redis.set(`${prefix}bare:probe`, 'x'.repeat(64));

    // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the server process there.
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    child = spawn(process.execPath, [...profile, '--import', 'tsx', new URL('./support/lock-servers.ts', import.meta.url).pathname], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: dbUrl,
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        APPOINTEASE_SECRET: 'bench-secret-that-is-at-least-32-characters',
        TRUST_PROXY: 'true',
        MAX_LOCKS_PER_CLIENT: '1000',
        // Long enough to outlast the run: the cache is warmed once, as a customer's day view would.
        AVAILABILITY_CACHE_SECONDS: '3600',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const ports = await new Promise<{ sidecar: number; bare: number }>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', (l) => resolve(JSON.parse(l)));
      child!.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
    });
    watched.server = child.pid;
    // The local redis-server's own CPU (REDIS_URL is 127.0.0.1): the Lua script's cost shows there.
    watched.redis = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]) || undefined;

    let seq = 0;
    const slot = () => {
      const i = seq++;
      // Day-major: a day's cached plan is reused for its 47 cells, as in real traffic.
      const emp = freeEmps[i % FREE_EMPLOYEES]!;
      const cell = Math.floor(i / FREE_EMPLOYEES) % CELLS.length;
      const day = Math.floor(i / (FREE_EMPLOYEES * CELLS.length));
      return { date: days[day]!, time: CELLS[cell]!, employeeId: emp, serviceId, xff: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
    };
    const postLock = () => {
      const s = slot();
      return { method: 'POST', path: '/appointease/v1/locks', body: JSON.stringify({ date: s.date, time: s.time, employeeId: s.employeeId, serviceId: s.serviceId }), headers: { 'X-Forwarded-For': s.xff } };
    };
    // Cold days, as measured from outside: every hold on its own employee-day,
    // visited in a scattered order over the year and all cold employees, a
    // random start time, its own client IP; nobody viewed these days first.
    const coldDays = COLD_EMPLOYEES * (DAYS - 1);
    let coldSeq = 0;
    // A hold that is the first on its employee's month finds nothing cached and computes the month from MySQL.
    const monthsTouched = new Set<string>();
    const cold = { holds: 0, firstOfMonth: 0 };
    const postColdLock = () => {
      const i = coldSeq++;
      const k = (i * 7_919) % coldDays; // 7,919 is prime and does not divide coldDays: a permutation
      const emp = coldEmps[k % COLD_EMPLOYEES]!;
      const date = days[1 + Math.floor(k / COLD_EMPLOYEES)]!;
      cold.holds++;
      if (!monthsTouched.has(`${emp}:${date.slice(0, 7)}`)) {
        monthsTouched.add(`${emp}:${date.slice(0, 7)}`);
        cold.firstOfMonth++;
      }
      const time = CELLS[(i * 31) % CELLS.length]!;
      return { method: 'POST', path: '/appointease/v1/locks', body: JSON.stringify({ date, time, employeeId: emp, serviceId }), headers: { 'X-Forwarded-For': `10.${128 + ((i >> 16) & 127)}.${(i >> 8) & 255}.${i & 255}` } };
    };
    let bareSeq = 0;
    const postBare = () => ({ method: 'POST', path: '/bare/lock', body: JSON.stringify({ n: bareSeq++ }), headers: { 'X-Forwarded-For': '10.0.0.1' } });
    const postBareMysql = () => ({ method: 'POST', path: '/bare/lock-with-mysql-check', body: JSON.stringify({ n: bareSeq++ }) });
    let rnd = 12345;
    const getLocks = () => {
      rnd = (rnd * 1103515245 + 12345) & 0x7fffffff;
      const date = days[rnd % DAYS]!;
      const emp = seededEmps[(rnd >> 9) % SEEDED_EMPLOYEES]!;
      return { method: 'GET', path: `/appointease/v1/locks?date=${date}&employeeId=${emp}` };
    };
    const getBare = () => ({ method: 'GET', path: '/bare/lock' });
    // The sidecar's own floor: middleware, router and one Redis GET (the catalogue generation), no lock code.
    const getSettings = () => ({ method: 'GET', path: '/appointease/v1/settings' });

    // A customer looks at a day before holding a time in it: warm the cached
    // day plans of every employee-day the POST phases will use.
    const postDays = Math.ceil(13_000 / (FREE_EMPLOYEES * CELLS.length)) + 1;
    for (let d = 0; d < postDays; d++) {
      for (const emp of freeEmps) {
        const res = await fetch(`http://127.0.0.1:${ports.sidecar}/appointease/v1/availability?date=${days[d]}&employeeId=${emp}&serviceId=${serviceId}`);
        if (res.status !== 200) throw new Error(`warming availability: ${res.status}`);
      }
    }
    // Warm both servers (JIT, connection pools).
    await load(ports.sidecar, 600, 4, postLock, 201);
    await load(ports.bare, 600, 4, postBare, 201);
    await load(ports.sidecar, 600, 4, getLocks, 200);
    await load(ports.bare, 600, 4, getBare, 200);

    // The machine is shared: alternate short batches of the two servers and
    // take medians over the rounds, so a burst of someone else's load hits both.
    const ROUNDS = 10;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const compare = async (c: number, n: number, sidecarPort: number, sidecarReq: () => Req, bareReq: () => Req, status: number) => {
      const side: Result[] = [];
      const bare: Result[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const per = Math.ceil(n / ROUNDS);
        if (round % 2 === 0) {
          bare.push(await load(ports.bare, per, c, bareReq, status));
          side.push(await load(sidecarPort, per, c, sidecarReq, status));
        } else {
          side.push(await load(sidecarPort, per, c, sidecarReq, status));
          bare.push(await load(ports.bare, per, c, bareReq, status));
        }
      }
      const pick = (rs: Result[], k: keyof Result) => median(rs.map((r) => r[k]));
      const summary = (rs: Result[]) => ({ p50: pick(rs, 'p50'), p99: pick(rs, 'p99'), rps: pick(rs, 'rps'), serverCpu: pick(rs, 'serverCpu'), redisCpu: pick(rs, 'redisCpu'), errors: rs.reduce((a, r) => a + r.errors, 0) });
      return {
        side: summary(side),
        bare: summary(bare),
        p50Ratio: median(side.map((r, i) => r.p50 / bare[i]!.p50)),
        rpsRatio: median(side.map((r, i) => r.rps / bare[i]!.rps)),
      };
    };

    // BENCH_ONLY="POST /locks@16,GET /locks": run only the rows whose "route@clients" contains one of these.
    const only = process.env.BENCH_ONLY?.split(',').map((o) => o.trim()).filter(Boolean);
    const rows: string[][] = [];
    const coldNotes: string[] = [];
    const fmt = (n: number) => n.toFixed(3);
    for (const c of [1, 16]) {
      const n = c === 1 ? 3_000 : 9_000;
      for (const [name, port, sidecarReq, bareReq, status] of [
        ['POST /locks', ports.sidecar, postLock, postBare, 201],
        ['POST /locks cold days', ports.sidecar, postColdLock, postBare, 201],
        ['GET /locks', ports.sidecar, getLocks, getBare, 200],
        ['GET /settings (floor)', ports.sidecar, getSettings, getBare, 200],
        // Not the sidecar: what an unconditional MySQL look-up would add to a bare lock.
        ['bare SET NX + MySQL check', ports.bare, postBareMysql, postBare, 201],
      ] as const) {
        if (only && !only.some((o) => `${name}@${c}`.includes(o))) continue;
        const coldBefore = { ...cold };
        const r = await compare(c, n, port, sidecarReq, bareReq, status);
        if (sidecarReq === postColdLock) coldNotes.push(`cold days @${c}: ${cold.holds - coldBefore.holds} holds on distinct employee-days, ${cold.firstOfMonth - coldBefore.firstOfMonth} of them the first on their employee's month`);
        const us = (x: number) => x.toFixed(0);
        rows.push([name, String(c), fmt(r.side.p50), fmt(r.side.p99), r.side.rps.toFixed(0), fmt(r.bare.p50), fmt(r.bare.p99), r.bare.rps.toFixed(0), r.p50Ratio.toFixed(2), r.rpsRatio.toFixed(2), `${us(r.side.serverCpu)}/${us(r.bare.serverCpu)}`, `${us(r.side.redisCpu)}/${us(r.bare.redisCpu)}`, String(r.side.errors + r.bare.errors)]);
      }
    }
    const head = ['route', 'clients', 'p50 ms', 'p99 ms', 'req/s', 'bare p50', 'bare p99', 'bare req/s', 'p50 ratio', 'rps ratio', 'node µs/req', 'redis µs/req', 'errors'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((v, i) => v.padStart(widths[i]!)).join('  ');
    console.log(`${SEEDED_LOCKS.toLocaleString("en")} active locks over ${DAYS} days × ${SEEDED_EMPLOYEES} employees; sidecar and bare routes in one server process; medians of ${ROUNDS} alternating rounds; day plans cached (viewed) before holding; sidecar logging at ${process.env.BENCH_LOG_LEVEL ?? "info"} (JSON access lines to /dev/null)`);
    console.log(line(head));
    for (const r of rows) console.log(line(r));
    for (const note of coldNotes) console.log(note);
    console.log('targets: p50 ratio ≤ 1.5; rps ratio ≥ 0.6 at 16 clients');
    console.log('µs/req columns: CPU time per request of the server process and of redis-server, sidecar/bare');
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    redis.disconnect();
    await deletePrefix(prefix);
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { testConfig } from '../../server/src/config';
import { buildDeps } from '../../server/src/deps';
import { createLogger } from '../../server/src/logger';
import { startServer } from '../../server/src/server';
import { addDays, todayIn } from '../../server/src/domain/time';
import { everyDay, seedCatalogue } from '../helpers/catalogue';
import { createTestDatabase, deletePrefix, REDIS_URL, uniquePrefix } from '../helpers/services';

/**
 * GET /availability on a year of bookings (100,000 appointments, 20
 * employees), for a cache hit and a cache miss, each beside a bare express
 * route in the same process doing the least the same answer could cost:
 * one Redis GET of the cached value, one indexed SELECT of the day's rows.
 * Sequential requests over a keep-alive agent, after a warm-up, each
 * request of ours paired with one of its bare twin.
 */

const EMPLOYEES = 20;
const APPOINTMENTS = 100_000;
const DAYS = 365;
const BATCH = 2_000;
const HIT_N = Number(process.env.BENCH_HIT_N ?? 4_000);
const MISS_N = Number(process.env.BENCH_MISS_N ?? 1_500);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent, method: 'GET' }, (res) => {
      res.on('data', () => {});
      res.on('end', () => (res.statusCode === 200 ? resolve(res.statusCode) : reject(new Error(`${path} → ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Times `n` sequential requests; `before(i)` runs untimed ahead of each (e.g. to evict the cache). */
async function measure(n: number, request: (i: number) => Promise<unknown>, before?: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (before) await before(i);
    const t = process.hrtime.bigint();
    await request(i);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

export async function run(): Promise<void> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix();
  const started = Date.now();
  try {
    const zone = 'UTC';
    const today = todayIn(zone, Date.now());
    const { serviceIds, staffIds } = await seedCatalogue(db.pool, {
      services: [{ name: 'Appointment', duration: 30 }],
      staff: Array.from({ length: EMPLOYEES }, () => ({ hours: everyDay(['08:00', '18:00']) })),
      settings: { timezone: zone, minNoticeMinutes: 0, maxAdvanceDays: DAYS },
    });
    const svc = serviceIds[0]!;

    // A year around today (half behind, half ahead), ~14 of a day's 20 half-hours booked per employee.
    const first = addDays(today, -Math.floor(DAYS / 2));
    const perDay = Math.ceil(APPOINTMENTS / EMPLOYEES / DAYS);
    let rows: unknown[][] = [];
    for (let i = 0; i < APPOINTMENTS; i++) {
      const emp = staffIds[i % EMPLOYEES]!;
      const k = Math.floor(i / EMPLOYEES);
      const date = addDays(first, Math.floor(k / perDay));
      const minute = 8 * 60 + (k % perDay) * 30;
      const at = (m: number) => `${date} ${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00`;
      rows.push([`Customer ${i}`, `c${i}@example.com`, at(minute), at(minute + 30), 'confirmed', svc, emp, `APT-2025-${String(i).padStart(6, '0')}`]);
      if (rows.length === BATCH || i === APPOINTMENTS - 1) {
        await db.pool.query('INSERT INTO wp_appointments (name, email, appointment_date, end_date, status, service_id, employee_id, strong_id) VALUES ?', [rows]);
        rows = [];
      }
    }
    await db.pool.query('ANALYZE TABLE wp_appointments');
    const [[count]] = await db.pool.query<any[]>('SELECT COUNT(*) AS n, MIN(appointment_date) AS lo, MAX(appointment_date) AS hi FROM wp_appointments');
    console.log(`database: ${count.n} appointments, ${EMPLOYEES} employees, ${String(count.lo).slice(0, 10)} … ${String(count.hi).slice(0, 10)} (seeded in ${((Date.now() - started) / 1000).toFixed(1)} s)`);

    const config = testConfig({ DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, AVAILABILITY_CACHE_SECONDS: '3600', LOG_LEVEL: 'silent' });
    const deps = await buildDeps(config, createLogger({ logLevel: 'silent' }));
    const sidecar = await startServer(deps, 0, '127.0.0.1');
    const redis = deps.redis!;

    // The bare routes: the floor under a hit (one GET) and under a miss (one indexed SELECT).
    const bare = express();
    bare.get('/redis-get', async (req, res) => {
      const v = await redis.get(String(req.query.key));
      res.type('application/json').send(v ?? 'null');
    });
    bare.get('/select', async (req, res) => {
      const date = String(req.query.date);
      const [found] = await deps.pool.query(
        'SELECT * FROM wp_appointments WHERE employee_id = ? AND appointment_date >= ? AND appointment_date < ?',
        [Number(req.query.employeeId), `${date} 00:00:00`, `${addDays(date, 1)} 00:00:00`],
      );
      res.json(found);
    });
    const bareServer = http.createServer(bare);
    await new Promise<void>((r) => bareServer.listen(0, '127.0.0.1', () => r()));
    const barePort = (bareServer.address() as AddressInfo).port;

    // Requests cycle over employees and the coming weeks, so a miss is a real
    // MySQL read of a different day, not a hot row the server just returned.
    const cases = Array.from({ length: 280 }, (_, i) => ({ emp: staffIds[i % EMPLOYEES]!, date: addDays(today, 1 + Math.floor(i / EMPLOYEES)) }));
    const availPath = (c: { emp: number; date: string }) => `/appointease/v1/availability?date=${c.date}&employeeId=${c.emp}&serviceId=${svc}`;
    const hitCase = cases[0]!;
    const hitKey = deps.keys.availability(hitCase.date, hitCase.emp);
    const evict = (i: number) => {
      const c = cases[i % cases.length]!;
      return redis.del(deps.keys.availability(c.date, c.emp));
    };

    const misses = async () => (await deps.metrics.cacheMisses.get()).values.reduce((a, v) => a + v.value, 0);
    const hits = async () => (await deps.metrics.cacheHits.get()).values.reduce((a, v) => a + v.value, 0);

    // Warm-up: JIT, pools, the catalogue snapshot, and the hit key in Redis.
    await measure(500, () => get(sidecar.port, availPath(hitCase)));
    await measure(300, () => get(barePort, `/redis-get?key=${encodeURIComponent(hitKey)}`));
    await measure(200, (i) => get(sidecar.port, availPath(cases[i % cases.length]!)), evict);
    await measure(200, (i) => get(barePort, `/select?employeeId=${cases[i % cases.length]!.emp}&date=${cases[i % cases.length]!.date}`));
    const cached = await redis.get(hitKey);
    if (!cached) throw new Error('the hit key is not cached: the hit measurement would be meaningless');

    const selects = async () => {
      const [[r]] = await deps.pool.query<any[]>(`SHOW GLOBAL STATUS LIKE 'Com_select'`);
      return Number(r.Value);
    };
    const result = { bareGet: [] as number[], hit: [] as number[], bareSelect: [] as number[], miss: [] as number[] };
    const [h0, m0, q0] = [await hits(), await misses(), await selects()];
    // Each request of ours right after its bare twin, so load from elsewhere on a
    // shared machine falls on both sides alike.
    for (let i = 0; i < HIT_N; i++) {
      result.bareGet.push(...(await measure(1, () => get(barePort, `/redis-get?key=${encodeURIComponent(hitKey)}`))));
      result.hit.push(...(await measure(1, () => get(sidecar.port, availPath(hitCase)))));
    }
    for (let i = 0; i < MISS_N; i++) {
      const c = cases[i % cases.length]!;
      result.bareSelect.push(...(await measure(1, () => get(barePort, `/select?employeeId=${c.emp}&date=${c.date}`))));
      result.miss.push(...(await measure(1, () => get(sidecar.port, availPath(c)), () => evict(i))));
    }
    const [h1, m1, q1] = [await hits(), await misses(), await selects()];
    if (h1 - h0 !== HIT_N || m1 - m0 !== MISS_N) {
      throw new Error(`expected ${HIT_N} hits and ${MISS_N} misses, the metrics counted ${h1 - h0} and ${m1 - m0}`);
    }
    // Each miss reads blackouts, time off and appointments; the bare route one SELECT. (A global
    // counter on a shared server: others' queries only add, so this is a lower bound.)
    if (q1 - q0 < 3 * MISS_N + MISS_N) throw new Error(`only ${q1 - q0} SELECTs ran for ${MISS_N} misses: the miss path did not query MySQL`);
    console.log(`  (verified: ${h1 - h0} cache hits, ${m1 - m0} misses, ${q1 - q0} SELECTs on the server meanwhile)`);

    const stats = Object.fromEntries(
      Object.entries(result).map(([k, v]) => {
        const s = [...v].sort((a, b) => a - b);
        return [k, { p50: pct(s, 0.5), p99: pct(s, 0.99), n: v.length }];
      }),
    ) as Record<keyof typeof result, { p50: number; p99: number; n: number }>;
    const line = (label: string, a: { p50: number; p99: number; n: number }) => `  ${label.padEnd(34)} p50 ${fmt(a.p50).padStart(10)}   p99 ${fmt(a.p99).padStart(10)}   (n=${a.n})`;
    console.log(line('bare route: one Redis GET', stats.bareGet));
    console.log(line('GET /availability, cache hit', stats.hit));
    console.log(line('bare route: one indexed SELECT', stats.bareSelect));
    console.log(line('GET /availability, cache miss', stats.miss));
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    const hitOk = stats.hit.p50 / stats.bareGet.p50 <= 1.5;
    const missOk = stats.miss.p50 / stats.bareSelect.p50 <= 3;
    console.log(`  hit / bare GET:     p50 ${ratio(stats.hit.p50, stats.bareGet.p50)}×   p99 ${ratio(stats.hit.p99, stats.bareGet.p99)}×   (target ≤ 1.5×: ${hitOk ? 'met' : 'MISSED'})`);
    console.log(`  miss / bare SELECT: p50 ${ratio(stats.miss.p50, stats.bareSelect.p50)}×   p99 ${ratio(stats.miss.p99, stats.bareSelect.p99)}×   (target ≤ 3×: ${missOk ? 'met' : 'MISSED'})`);

    await new Promise<void>((r) => bareServer.close(() => r()));
    agent.destroy();
    await sidecar.close();
  } finally {
    await deletePrefix(prefix);
    await db.drop();
  }
}

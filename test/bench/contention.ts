import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { inTransaction } from '../../server/src/db/pool';
import { everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecarPair, type SidecarPair, type TestSidecar } from '../helpers/sidecar';
import { daysFromNow } from '../helpers/catalogue';

/**
 * The busy Saturday morning (Issue 11): 40 customers, each holding a
 * different free time of one of two employees, confirm at the same moment,
 * spread over two instances of one site. Per round: the 40 holds at once
 * (untimed), then the 40 bookings at once (timed, first request to last
 * answer). Beside it, in the same process and on the same database, a bare
 * route doing the least a booking can do (one INSERT in one transaction) at
 * the same concurrency: bookings/s as a ratio of that. Retries are the
 * server's own count (appointease_db_retries_total) over both instances.
 * Once on Redis, once with REDIS_ENABLED=false (holds in MySQL too).
 *
 * Own database and key prefix per store. BENCH_CONTENTION_ROUNDS (default 10).
 */
const CUSTOMERS = 40;
const ROUNDS = Number(process.env.BENCH_CONTENTION_ROUNDS ?? 10);
// 08:00–18:00: twenty half-hour times per employee, forty in all.
const TIMES = Array.from({ length: 20 }, (_, i) => `${String(8 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);

interface Round {
  bookingsPerSecond: number;
  bareBookingsPerSecond: number;
  bookingRetries: number;
  holdRetries: number;
  /** Statuses other than 201 (a Redis breaker opened by a slow, shared machine shows here as 409 lock_invalid). */
  failures: number[];
  fallbacks: number;
}

const sum = async (s: TestSidecar, match: (transaction: string) => boolean) =>
  (await s.deps.metrics.dbRetries.get()).values.filter((v) => match(String(v.labels.transaction))).reduce((n, v) => n + v.value, 0);
const fallbackOps = async (s: TestSidecar) => (await s.deps.metrics.fallbackOperations.get()).values.filter((v) => v.labels.reason !== 'disabled').reduce((n, v) => n + v.value, 0);
const retries = async (pair: SidecarPair, match: (transaction: string) => boolean) => (await sum(pair.a, match)) + (await sum(pair.b, match));

async function wallClock(run: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function post(port: number, path: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function measureStore(label: string, env: Record<string, string>): Promise<Round[]> {
  // A pause of this process's event loop longer than the 300 ms default passes for a Redis
  // outage (the breaker opens, held locks go unseen): not what this bench measures.
  const pair = await startSidecarPair({ ...env, TRUST_PROXY: 'true', REDIS_COMMAND_TIMEOUT_MS: '3000' });
  const bare = express();
  bare.use(express.json());
  // The floor under a booking: one row written in one transaction, nothing checked.
  bare.post('/bare/book', async (req, res) => {
    await inTransaction(
      pair.a.deps.pool,
      (conn) =>
        conn.query("INSERT INTO wp_appointments (name, email, appointment_date, end_date, status, service_id, employee_id) VALUES ('Bare', ?, '2000-01-01 10:00:00', '2000-01-01 10:30:00', 'confirmed', 1, 1)", [
          String(req.body.email),
        ]),
      { name: 'bench.bare' },
    );
    res.status(201).json({ ok: true });
  });
  const bareServer = http.createServer(bare);
  await new Promise<void>((r) => bareServer.listen(0, '127.0.0.1', () => r()));
  const barePort = (bareServer.address() as AddressInfo).port;
  try {
    const ids = await seedCatalogue(pair.db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '18:00']) }, { name: 'Ben', hours: everyDay(['08:00', '18:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0, maxAdvanceDays: 365 },
    });
    const svc = ids.serviceIds[0]!;
    for (const s of [pair.a, pair.b]) await s.deps.catalogue.changed();
    const rounds: Round[] = [];
    // Round 0 warms up (JIT, pools, catalogue snapshots) and is not reported.
    for (let round = 0; round <= ROUNDS; round++) {
      const date = daysFromNow(2 + round);
      const people = Array.from({ length: CUSTOMERS }, (_, i) => ({
        i,
        via: i % 2 ? pair.b : pair.a,
        // Confirmed on the other instance than the one that held.
        confirmVia: i % 2 ? pair.a : pair.b,
        employeeId: ids.staffIds[i % 2]!,
        time: TIMES[Math.floor(i / 2)]!,
        ip: `10.${round}.${i}.1`,
        email: `bench${round}-${i}@example.com`,
      }));
      const sessions = await Promise.all(people.map(async (p) => (await p.via.deps.sessions.create(p.email)).token));
      const holdRetries0 = await retries(pair, (t) => t.startsWith('lock.'));
      const holds = await Promise.all(
        people.map(async (p) => {
          const res = await p.via.api('/locks', { method: 'POST', json: { date, time: p.time, employeeId: p.employeeId, serviceId: svc }, headers: { 'X-Forwarded-For': p.ip } });
          if (res.status !== 201) throw new Error(`${label}: hold answered ${res.status} ${await res.text()}`);
          return ((await res.json()) as { lockToken: string }).lockToken;
        }),
      );
      const holdRetries = (await retries(pair, (t) => t.startsWith('lock.'))) - holdRetries0;
      const bookingRetries0 = await retries(pair, (t) => t === 'booking');
      const fallbacks0 = (await fallbackOps(pair.a)) + (await fallbackOps(pair.b));
      const failures: number[] = [];
      const seconds = await wallClock(() =>
        Promise.all(
          people.map(async (p) => {
            const status = await post(p.confirmVia.port, '/appointease/v1/appointments', { lockToken: holds[p.i], date, time: p.time, employeeId: p.employeeId, serviceId: svc, name: `Customer ${p.i}` }, {
              Authorization: `Bearer ${sessions[p.i]}`,
              'X-Forwarded-For': p.ip,
            });
            if (status !== 201) failures.push(status);
          }),
        ),
      );
      const bookingRetries = (await retries(pair, (t) => t === 'booking')) - bookingRetries0;
      const fallbacks = (await fallbackOps(pair.a)) + (await fallbackOps(pair.b)) - fallbacks0;
      const bareSeconds = await wallClock(() => Promise.all(people.map((p) => post(barePort, '/bare/book', { email: p.email }))));
      if (round > 0) rounds.push({ bookingsPerSecond: CUSTOMERS / seconds, bareBookingsPerSecond: CUSTOMERS / bareSeconds, bookingRetries, holdRetries, failures, fallbacks });
    }
    return rounds;
  } finally {
    await new Promise<void>((r) => bareServer.close(() => r()));
    await pair.stop();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

export async function run(): Promise<void> {
  console.log(`  ${CUSTOMERS} concurrent distinct bookings (2 instances, 2 employees, one moment), ${ROUNDS} rounds; medians, retries in total`);
  for (const [label, env] of [
    ['redis', {}],
    ['mysql (REDIS_ENABLED=false)', { REDIS_ENABLED: 'false' }],
  ] as const) {
    const rounds = await measureStore(label, env);
    const ours = median(rounds.map((r) => r.bookingsPerSecond));
    const floor = median(rounds.map((r) => r.bareBookingsPerSecond));
    const total = (k: 'bookingRetries' | 'holdRetries' | 'fallbacks') => rounds.reduce((n, r) => n + r[k], 0);
    const most = (k: 'bookingRetries' | 'holdRetries') => Math.max(...rounds.map((r) => r[k]));
    const failed = rounds.flatMap((r) => r.failures);
    const byStatus = [...new Set(failed)].map((st) => `${failed.filter((x) => x === st).length}×${st}`).join(' ');
    console.log(
      `  contention ${label.padEnd(28)} ${ours.toFixed(0).padStart(5)} bookings/s (bare insert ${floor.toFixed(0)}/s, ratio ${(ours / floor).toFixed(2)})` +
        `   booking retries ${total('bookingRetries')} (most in one burst ${most('bookingRetries')})   hold retries ${total('holdRetries')}   non-201 ${failed.length ? `${failed.length} (${byStatus}; Redis fallbacks ${total('fallbacks')})` : 0}`,
    );
  }
}

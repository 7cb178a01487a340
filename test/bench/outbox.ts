import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPool, inTransaction, type Pool } from '../../server/src/db/pool';
import { tableNames } from '../../server/src/db/schema';
import { OutboxRepository, type OutboxEntry } from '../../server/src/db/repositories/outbox-repository';
import { WebhooksRepository } from '../../server/src/db/repositories/webhooks-repository';
import { createLogger } from '../../server/src/logger';
import { OutboundClient } from '../../server/src/outbound/http-client';
import { OutboxWorker, type OutboxHandler } from '../../server/src/outbox/outbox-worker';
import { enqueueWebhookEvent } from '../../server/src/webhooks/enqueue-webhook-event';
import { generateWebhookSecret } from '../../server/src/webhooks/signature';
import { webhookDeliveryHandler } from '../../server/src/webhooks/webhook-delivery-handler';
import { buildWebhookEvent, deliveryHeaders } from '../../server/src/webhooks/webhook-event';
import { testConfig } from '../../server/src/config';
import { buildDeps, closeDeps, type AppDeps } from '../../server/src/deps';
import { MAIL_CONCURRENCY_KEY, REMINDER_OUTBOX_KIND } from '../../server/src/services/booking-outbox';
import { everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSmtp } from '../helpers/mail';
import { createTestDatabase, deletePrefix, REDIS_URL, uniquePrefix, type TestDatabase } from '../helpers/services';

/**
 * Webhook delivery throughput through the outbox (claim, lease, signed POST,
 * delivery record, fenced finish) beside the bare baseline in the same
 * process: the same signed POSTs to the same local receiver straight from
 * the outbound client, with the same number of requests in flight. And the
 * reminder lag: rows due over a few seconds, delivered by two instances
 * (each looks when the next row falls due), measured due → done on the
 * database clock — once with a handler that answers at once (the outbox's own share), once through
 * two whole sidecar instances (buildDeps): the real reminder handler re-reads
 * the appointment, composes the mail (template, site, .ics) and hands it to a
 * local SMTP server.
 */

const DELIVERIES = Number(process.env.BENCH_OUTBOX_N ?? 1_200);
const WEBHOOKS = 6;
const REMINDERS = Number(process.env.BENCH_REMINDERS_N ?? 300);
const SLOTS = 8; // the worker's default concurrency

const T = tableNames('wp_');
const logger = createLogger({ logLevel: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startReceiver() {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The bare baseline: N signed POSTs, SLOTS × instances at a time, straight through the client. */
async function bare(url: string, n: number, inFlight: number): Promise<number> {
  const client = new OutboundClient({ allowPrivate: true });
  const secret = generateWebhookSecret();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        next++;
        const { event, body } = buildWebhookEvent({ type: 'appointment.booked', appointment: { id: next } });
        const res = await client.request({ url, method: 'POST', headers: deliveryHeaders(secret, event.id, body), body, maxBodyBytes: 1024, overflow: 'truncate' });
        if (res.status !== 200) throw new Error(`bare POST → ${res.status}`);
      }
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

async function throughOutbox(db: TestDatabase, url: string, n: number, instances: number): Promise<number> {
  await db.pool.query(`DELETE FROM ${T.outbox}`);
  await db.pool.query(`DELETE FROM ${T.webhookDeliveries}`);
  await db.pool.query(`DELETE FROM ${T.webhooks}`);
  const webhooks = new WebhooksRepository(db.pool, T);
  const outbox = new OutboxRepository(db.pool, T);
  for (let i = 0; i < WEBHOOKS; i++) await webhooks.create({ url, events: ['appointment.booked'], secret: generateWebhookSecret() });
  // n deliveries = n / WEBHOOKS booking changes, enqueued (untimed) before the workers start.
  const active = await webhooks.active();
  for (let appt = 1; appt <= n / WEBHOOKS; appt++) {
    await inTransaction(db.pool, (conn) => enqueueWebhookEvent(conn, { webhooks, outbox }, { type: 'appointment.booked', webhooks: active, appointmentId: appt, appointment: { id: appt } }), {
      name: 'bench.booking',
    });
  }
  const pools: Pool[] = [];
  const workers = Array.from({ length: instances }, () => {
    const pool = createPool(db.url, { connectionLimit: 10 });
    pools.push(pool);
    return new OutboxWorker({
      repository: new OutboxRepository(pool, T),
      handlers: { webhook: webhookDeliveryHandler({ client: new OutboundClient({ allowPrivate: true }), webhooks: new WebhooksRepository(pool, T) }) },
      logger,
    });
  });
  const started = performance.now();
  for (const w of workers) w.start();
  for (;;) {
    const [[row]] = await db.pool.query<any[]>(`SELECT COUNT(*) AS n FROM ${T.outbox} WHERE status = 'pending'`);
    if (Number(row.n) === 0) break;
    await sleep(20);
  }
  const rate = n / ((performance.now() - started) / 1000);
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(pools.map((p) => p.end()));
  const [[bad]] = await db.pool.query<any[]>(`SELECT COUNT(*) AS n FROM ${T.webhookDeliveries} WHERE status <> 'delivered' OR attempts <> 1`);
  if (Number(bad.n) !== 0) throw new Error(`${bad.n} deliveries not delivered exactly once`);
  return rate;
}

async function reminderLag(db: TestDatabase): Promise<{ p50: number; p95: number; max: number }> {
  await db.pool.query(`DELETE FROM ${T.outbox}`);
  const outbox = new OutboxRepository(db.pool, T);
  const spreadMs = 3_000;
  const first = Date.now() + 1_000;
  await inTransaction(db.pool, (conn) =>
    outbox.enqueue(
      conn,
      Array.from({ length: REMINDERS }, (_, i) => ({ kind: 'reminder', payload: { i }, dueAt: new Date(first + (i * spreadMs) / REMINDERS), appointmentId: i + 1 })),
    ),
    { name: 'bench.plan' },
  );
  // A mail transport that answers at once: the lag measured is the outbox's own.
  const handler: OutboxHandler = { handle: async () => (await new Promise((r) => setImmediate(r)), { result: 'done' }) };
  const pools: Pool[] = [];
  const workers = Array.from({ length: 2 }, () => {
    const pool = createPool(db.url, { connectionLimit: 10 });
    pools.push(pool);
    return new OutboxWorker({ repository: new OutboxRepository(pool, T), handlers: { reminder: handler }, logger });
  });
  for (const w of workers) w.start();
  for (;;) {
    const [[row]] = await db.pool.query<any[]>(`SELECT COUNT(*) AS n FROM ${T.outbox} WHERE status = 'pending'`);
    if (Number(row.n) === 0) break;
    await sleep(50);
  }
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(pools.map((p) => p.end()));
  const [rows] = await db.pool.query<any[]>(`SELECT TIMESTAMPDIFF(MICROSECOND, due_at, finished_at) / 1000 AS lag FROM ${T.outbox} ORDER BY lag`);
  const lags = rows.map((r) => Number(r.lag));
  const at = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]!;
  return { p50: at(0.5), p95: at(0.95), max: lags[lags.length - 1]! };
}

/**
 * Due → sent through two real instances: appointments in the table, one
 * reminder row each (as BookingOutbox writes them) due over 3 s, the
 * instances' own workers and the real handler, SMTP to a local server.
 */
async function reminderLagSent(db: TestDatabase, n: number, spreadMs: number): Promise<{ p50: number; p95: number; max: number; mails: number }> {
  await db.pool.query(`DELETE FROM ${T.outbox}`);
  await db.pool.query(`DELETE FROM ${T.appointments}`);
  await db.pool.query(`DELETE FROM ${T.staff}`);
  await db.pool.query(`DELETE FROM ${T.services}`);
  await db.pool.query(`DELETE FROM ${T.settings}`);
  const smtp = await startSmtp();
  const { serviceIds, staffIds } = await seedCatalogue(db.pool, {
    services: [{ name: 'Haircut', duration: 30 }],
    staff: [{ name: 'Ana', hours: everyDay(['00:00', '23:30']) }],
    settings: { timezone: 'UTC', minNoticeMinutes: 0 },
  });
  const date = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
  const entries: OutboxEntry[] = [];
  const first = Date.now() + 2_000;
  for (let i = 0; i < n; i++) {
    const startLocal = `${date} ${String(Math.floor(i / 12) % 24).padStart(2, '0')}:${String((i % 12) * 5).padStart(2, '0')}:00`;
    const [r] = await db.pool.query<any>(
      `INSERT INTO ${T.appointments} (name, email, appointment_date, status, service_id, employee_id, strong_id, created_at) VALUES (?, ?, ?, 'confirmed', ?, ?, ?, UTC_TIMESTAMP())`,
      [`Customer ${i}`, `customer${i}@example.com`, startLocal, serviceIds[0], staffIds[0], `APT-2030-${String(100_000 + i)}`],
    );
    entries.push({
      kind: REMINDER_OUTBOX_KIND,
      payload: { minutesBefore: 60, startLocal, start: `${startLocal.replace(' ', 'T')}.000Z` },
      dueAt: new Date(first + (i * spreadMs) / n),
      concurrencyKey: MAIL_CONCURRENCY_KEY,
      appointmentId: Number(r.insertId),
    });
  }
  const prefix = uniquePrefix();
  const instances: AppDeps[] = [];
  for (let i = 0; i < 2; i++) {
    const config = testConfig({ DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: prefix, MAIL_TRANSPORT: smtp.url, APPOINTEASE_SECRET: 'bench-secret-that-is-at-least-32-characters' });
    instances.push(await buildDeps(config, logger));
  }
  const outbox = new OutboxRepository(db.pool, T);
  await inTransaction(db.pool, (conn) => outbox.enqueue(conn, entries), { name: 'bench.plan' });
  // Planned by the bench, not through an instance: tell both, as a planning instance tells its own worker
  // and every instance's next look learns the send times (else they would wait for the safety poll).
  for (const d of instances) d.outboxWorker.wake();
  for (;;) {
    const [[row]] = await db.pool.query<any[]>(`SELECT COUNT(*) AS n FROM ${T.outbox} WHERE status = 'pending'`);
    if (Number(row.n) === 0) break;
    await sleep(50);
  }
  await Promise.all(instances.map((d) => closeDeps(d)));
  await deletePrefix(prefix);
  const mails = smtp.mails.length;
  await smtp.stop();
  const [[bad]] = await db.pool.query<any[]>(`SELECT COUNT(*) AS n FROM ${T.outbox} WHERE status <> 'done' OR attempts <> 1`);
  if (Number(bad.n) !== 0 || mails !== n) throw new Error(`${bad.n} reminders not done at the first attempt; ${mails} mails for ${n}`);
  const [rows] = await db.pool.query<any[]>(`SELECT TIMESTAMPDIFF(MICROSECOND, due_at, finished_at) / 1000 AS lag FROM ${T.outbox} ORDER BY lag`);
  const lags = rows.map((r) => Number(r.lag));
  const at = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]!;
  return { p50: at(0.5), p95: at(0.95), max: lags[lags.length - 1]!, mails };
}

export async function run(): Promise<void> {
  const db = await createTestDatabase();
  const receiver = await startReceiver();
  try {
    console.log(`${DELIVERIES} webhook deliveries to ${WEBHOOKS} webhooks on one local receiver; bare = the same signed POSTs from the client, as many in flight`);
    for (const instances of [1, 2]) {
      // Alternate, twice each, and keep the better run of each: the machine is shared and noisy.
      const bareRates: number[] = [];
      const outboxRates: number[] = [];
      for (let round = 0; round < 2; round++) {
        bareRates.push(await bare(receiver.url, DELIVERIES, SLOTS * instances));
        outboxRates.push(await throughOutbox(db, receiver.url, DELIVERIES, instances));
      }
      const b = Math.max(...bareRates);
      const o = Math.max(...outboxRates);
      console.log(
        `  ${instances} instance${instances > 1 ? 's' : ' '}: outbox ${o.toFixed(0).padStart(5)} deliveries/s   bare ${b.toFixed(0).padStart(5)} POST/s   ratio ${(o / b).toFixed(2)}`,
      );
    }
    const lag = await reminderLag(db);
    console.log(
      `reminder lag (due → done, ${REMINDERS} reminders due over 3 s, 2 instances, each looking when the next falls due): p50 ${lag.p50.toFixed(0)} ms   p95 ${lag.p95.toFixed(0)} ms   max ${lag.max.toFixed(0)} ms`,
    );
    // A busy morning: every 09:00 appointment's reminder is due at the same instant (30 staff), then a burst.
    for (const [n, spreadMs, what] of [
      [30, 0, 'at the same instant'],
      [REMINDERS, 3_000, 'over 3 s'],
    ] as const) {
      const sent = await reminderLagSent(db, n, spreadMs);
      console.log(
        `reminder lag (due → sent, ${n} real reminder mails due ${what}, 2 sidecar instances, composed + SMTP): p50 ${sent.p50.toFixed(0)} ms   p95 ${sent.p95.toFixed(0)} ms   max ${sent.max.toFixed(0)} ms   (${sent.mails} mails)`,
      );
    }
  } finally {
    await receiver.close();
    await db.drop();
  }
}

// Webhook delivery end to end below the booking layer: events enqueued in
// transactions against the real MariaDB, two worker instances, real HTTP
// receivers on loopback (OUTBOUND_ALLOW_PRIVATE on for those; the refusal
// case runs with it off). Redis plays no part.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool } from '../../server/src/db/pool';
import { tableNames } from '../../server/src/db/schema';
import { OutboxRepository } from '../../server/src/db/repositories/outbox-repository';
import { WebhooksRepository } from '../../server/src/db/repositories/webhooks-repository';
import { createLogger } from '../../server/src/logger';
import { createMetrics } from '../../server/src/metrics';
import { OutboundClient } from '../../server/src/outbound/http-client';
import { OutboxWorker } from '../../server/src/outbox/outbox-worker';
import { enqueueWebhookEvent } from '../../server/src/webhooks/enqueue-webhook-event';
import { generateWebhookSecret, verifySignature } from '../../server/src/webhooks/signature';
import { webhookDeliveryHandler } from '../../server/src/webhooks/webhook-delivery-handler';
import type { WebhookEventType } from '../../server/src/webhooks/webhook-event';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { until } from '../helpers/wait';

const T = tableNames('wp_');
const logger = createLogger({ logLevel: 'silent' });

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: { id: string; type: string; createdAt: string; data: { appointment: { id: number; step: number } } };
}

interface Receiver {
  url: string;
  received: Received[];
  connections: number;
  close(): Promise<void>;
}

async function receiver(answer: (r: Received, res: ServerResponse, n: number) => void = (r, res) => res.writeHead(200).end('ok')): Promise<Receiver> {
  const server: Server = createServer();
  const sockets = new Set<Socket>();
  const rec: Receiver = {
    url: '',
    received: [],
    connections: 0,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (s) => {
    rec.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('request', (req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const r = { headers: req.headers, raw, body: JSON.parse(raw) };
      rec.received.push(r);
      answer(r, res, rec.received.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rec.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return rec;
}

let db: TestDatabase;
let outbox: OutboxRepository;
let webhooks: WebhooksRepository;
const receivers: Receiver[] = [];
const workers: OutboxWorker[] = [];
const pools: Pool[] = [];

function instance(options: { allowPrivate?: boolean; retryDelaysMs?: number[]; timeoutMs?: number } = {}) {
  const pool = createPool(db.url, { connectionLimit: 4 });
  pools.push(pool);
  const metrics = createMetrics();
  const worker = new OutboxWorker({
    repository: new OutboxRepository(pool, T),
    handlers: {
      webhook: webhookDeliveryHandler({
        client: new OutboundClient({ allowPrivate: options.allowPrivate ?? true }),
        webhooks: new WebhooksRepository(pool, T),
        retryDelaysMs: options.retryDelaysMs ?? [100, 100, 100],
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      }),
    },
    logger,
    metrics,
    pollIntervalMs: 20,
  });
  workers.push(worker);
  worker.start();
  return { worker, metrics };
}

async function track(r: Promise<Receiver>) {
  const x = await r;
  receivers.push(x);
  return x;
}

/** One booking change: the active webhooks read before it, the appointment row would be written here too, in the same transaction. */
async function change(type: WebhookEventType, appointmentId: number, step: number) {
  const active = await webhooks.active();
  return inTransaction(db.pool, (conn) => enqueueWebhookEvent(conn, { webhooks, outbox }, { type, webhooks: active, appointmentId, appointment: { id: appointmentId, step, email: 'carla@example.com' } }), {
    name: 'test.booking',
  });
}

const deliveries = async () => {
  const [rows] = await db.pool.query<any[]>(`SELECT status, COUNT(*) AS n FROM ${T.webhookDeliveries} GROUP BY status`);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
};

beforeAll(async () => {
  db = await createTestDatabase();
  outbox = new OutboxRepository(db.pool, T);
  webhooks = new WebhooksRepository(db.pool, T);
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop(500)));
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  for (const t of [T.outbox, T.webhooks, T.webhookDeliveries]) await db.pool.query(`DELETE FROM ${t}`);
});
afterAll(async () => {
  await db?.drop();
});

describe('webhook delivery', () => {
  it('two instances: one signed delivery per change and subscribed webhook, in order per appointment', async () => {
    const all = await track(receiver());
    const onlyCancels = await track(receiver());
    const a = await webhooks.create({ url: all.url, events: ['appointment.booked', 'appointment.rescheduled', 'appointment.cancelled'], secret: generateWebhookSecret() });
    const c = await webhooks.create({ url: onlyCancels.url, events: ['appointment.cancelled'], secret: generateWebhookSecret() });
    await webhooks.create({ url: all.url, events: ['appointment.booked'], secret: generateWebhookSecret(), active: false });

    instance();
    instance();
    const eventIds = new Set<string>();
    for (let appt = 1; appt <= 15; appt++) {
      eventIds.add((await change('appointment.booked', appt, 1)).eventId);
      eventIds.add((await change('appointment.rescheduled', appt, 2)).eventId);
      const cancelled = await change('appointment.cancelled', appt, 3);
      expect(cancelled.deliveries).toBe(2);
      eventIds.add(cancelled.eventId);
    }
    await until('every delivery made', async () => (await deliveries()).delivered === 60);

    expect(all.received).toHaveLength(45);
    expect(onlyCancels.received).toHaveLength(15);
    expect(new Set(all.received.map((r) => r.body.id)).size).toBe(45); // nothing twice
    for (const [rec, hook] of [
      [all, a],
      [onlyCancels, c],
    ] as const) {
      for (const r of rec.received) {
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.headers['appointease-event-id']).toBe(r.body.id);
        expect(eventIds.has(r.body.id)).toBe(true);
        expect(verifySignature(r.headers['appointease-signature'] as string, r.raw, hook.secret)).toMatchObject({ ok: true });
        expect(Object.keys(r.body)).toEqual(['id', 'type', 'createdAt', 'data']);
      }
    }
    for (let appt = 1; appt <= 15; appt++) {
      const steps = all.received.filter((r) => r.body.data.appointment.id === appt).map((r) => `${r.body.type}:${r.body.data.appointment.step}`);
      expect(steps).toEqual(['appointment.booked:1', 'appointment.rescheduled:2', 'appointment.cancelled:3']);
    }
    const list = await webhooks.listDeliveries(a.id, 100);
    expect(list).toHaveLength(45);
    expect(list[0]!.id).toBeGreaterThan(list[44]!.id); // newest first
    expect(list.every((d) => d.status === 'delivered' && d.attempts === 1 && d.lastStatusCode === 200 && d.deliveredAt !== null && d.responseExcerpt === 'ok')).toBe(true);
  });

  it('a 500 is retried with the same event id and body, signed afresh; the delivery shows the attempts', async () => {
    const flaky = await track(receiver((r, res, n) => (n === 1 ? res.writeHead(500).end('database down') : res.writeHead(204).end())));
    const hook = await webhooks.create({ url: flaky.url, events: ['appointment.booked'], secret: generateWebhookSecret() });
    instance();
    const { eventId } = await change('appointment.booked', 42, 1);
    await until('delivered', async () => (await webhooks.findDelivery(hook.id, eventId))?.status === 'delivered');
    expect(flaky.received).toHaveLength(2);
    expect(flaky.received.map((r) => r.headers['appointease-event-id'])).toEqual([eventId, eventId]);
    expect(flaky.received[1]!.raw).toBe(flaky.received[0]!.raw);
    for (const r of flaky.received) expect(verifySignature(r.headers['appointease-signature'] as string, r.raw, hook.secret)).toMatchObject({ ok: true });
    expect(await webhooks.findDelivery(hook.id, eventId)).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 204, responseExcerpt: null });
  });

  it('a rotated secret: signed with the new and the old one for the day, then with the new one only', async () => {
    const rec = await track(receiver());
    const hook = await webhooks.create({ url: rec.url, events: ['appointment.booked'], secret: generateWebhookSecret() });
    const fresh = generateWebhookSecret();
    const rotated = await webhooks.rotateSecret(hook.id, fresh, 24 * 3600_000);
    expect(rotated).toMatchObject({ secret: fresh, previousSecret: hook.secret });
    instance();
    await change('appointment.booked', 7, 1);
    await until('delivered during the rotation', () => rec.received.length === 1);
    const during = rec.received[0]!;
    expect((during.headers['appointease-signature'] as string).match(/v1=/g)).toHaveLength(2);
    for (const secret of [fresh, hook.secret]) expect(verifySignature(during.headers['appointease-signature'] as string, during.raw, secret)).toMatchObject({ ok: true });
    // The day has passed.
    await db.pool.query(`UPDATE ${T.webhooks} SET previous_secret_until = TIMESTAMPADD(SECOND, -1, UTC_TIMESTAMP(3)) WHERE id = ?`, [hook.id]);
    await change('appointment.booked', 8, 1);
    await until('delivered after the rotation', () => rec.received.length === 2);
    const after = rec.received[1]!;
    expect((after.headers['appointease-signature'] as string).match(/v1=/g)).toHaveLength(1);
    expect(verifySignature(after.headers['appointease-signature'] as string, after.raw, fresh)).toMatchObject({ ok: true });
    expect(verifySignature(after.headers['appointease-signature'] as string, after.raw, hook.secret)).toEqual({ ok: false, reason: 'no_match' });
    expect(await webhooks.rotateSecret(999_999, fresh, 1_000)).toBeUndefined();
  });

  it('a redirect (here to the metadata address) is not followed: retried, then failed', async () => {
    const redirecting = await track(receiver((r, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end()));
    const hook = await webhooks.create({ url: redirecting.url, events: ['appointment.booked'], secret: generateWebhookSecret() });
    instance({ retryDelaysMs: [50, 50] });
    const { eventId } = await change('appointment.booked', 7, 1);
    // The delivery row records the last attempt just before the outbox row is finished: wait for both.
    await until('failed', async () => {
      const [[row]] = await db.pool.query<any[]>(`SELECT status FROM ${T.outbox}`);
      return (await webhooks.findDelivery(hook.id, eventId))?.status === 'failed' && row.status === 'failed';
    });
    expect(redirecting.received).toHaveLength(3);
    expect(await webhooks.findDelivery(hook.id, eventId)).toMatchObject({ attempts: 3, lastStatusCode: 302, lastError: 'HTTP 302 (redirects are not followed)' });
    const [[row]] = await db.pool.query<any[]>(`SELECT status, last_error FROM ${T.outbox}`);
    expect(row).toMatchObject({ status: 'failed', last_error: 'gave up after 3 attempts: HTTP 302 (redirects are not followed)' });
  });

  it('refuses a loopback receiver at send time when OUTBOUND_ALLOW_PRIVATE is off, without connecting', async () => {
    const local = await track(receiver());
    const hook = await webhooks.create({ url: local.url, events: ['appointment.booked'], secret: generateWebhookSecret() });
    instance({ allowPrivate: false, retryDelaysMs: [50] });
    const { eventId } = await change('appointment.booked', 8, 1);
    await until('failed', async () => (await webhooks.findDelivery(hook.id, eventId))?.status === 'failed');
    expect(local.connections).toBe(0);
    expect((await webhooks.findDelivery(hook.id, eventId))?.lastError).toMatch(/^forbidden_address: 127\.0\.0\.1 is a loopback address/);
  });

  it('receivers that hang or send 100 MB cost bounded time and memory and do not hold up a healthy one', async () => {
    const hanging = await track(receiver(() => {})); // never answers
    const flood = await track(
      receiver((r, res) => {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 0x7a);
        let sent = 0;
        const pump = () => {
          while (sent < 100 * 1024 * 1024 && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          if (!res.destroyed) res.end();
        };
        res.on('error', () => {});
        pump();
      }),
    );
    const healthy = await track(receiver());
    const secret = generateWebhookSecret();
    const h = await webhooks.create({ url: hanging.url, events: ['appointment.booked'], secret });
    const f = await webhooks.create({ url: flood.url, events: ['appointment.booked'], secret });
    const ok = await webhooks.create({ url: healthy.url, events: ['appointment.booked'], secret });
    instance({ timeoutMs: 15_000 }); // long enough that the hanging receiver is still hanging at the end
    for (let appt = 1; appt <= 10; appt++) await change('appointment.booked', appt, 1);

    await until('the healthy receiver has all ten, recorded', async () => healthy.received.length === 10 && (await webhooks.listDeliveries(ok.id)).every((d) => d.status === 'delivered'));
    await until('the flood receiver is delivered (a 2xx, its answer cut)', async () => (await webhooks.listDeliveries(f.id)).every((d) => d.status === 'delivered'));
    const flooded = await webhooks.listDeliveries(f.id);
    expect(flooded.map((d) => [d.lastStatusCode, d.responseExcerpt!.length, /^z+$/.test(d.responseExcerpt!)])).toEqual(Array(10).fill([200, 512, true]));
    // The hanging receiver holds no more than its per-receiver share of slots, and nothing of it is delivered.
    expect(hanging.received.length).toBeLessThanOrEqual(2);
    expect((await webhooks.listDeliveries(h.id)).map((d) => d.status)).toEqual(Array(10).fill('pending'));
  });

  it('a deleted webhook is dropped, a paused one marked failed; neither is called', async () => {
    const r = await track(receiver());
    const gone = await webhooks.create({ url: r.url, events: ['appointment.booked'], secret: generateWebhookSecret() });
    const paused = await webhooks.create({ url: r.url, events: ['appointment.booked'], secret: generateWebhookSecret() });
    const { eventId } = await change('appointment.booked', 9, 1);
    await webhooks.delete(gone.id);
    await webhooks.update(paused.id, { active: false });
    instance();
    await until('both settled', async () => {
      const [rows] = await db.pool.query<any[]>(`SELECT status FROM ${T.outbox}`);
      return rows.length === 2 && rows.every((x) => x.status === 'cancelled');
    });
    expect(r.received).toHaveLength(0);
    expect(await webhooks.findDelivery(gone.id, eventId)).toBeUndefined();
    expect(await webhooks.findDelivery(paused.id, eventId)).toMatchObject({ status: 'failed', attempts: 0, lastError: 'webhook paused' });
  });

  it('an event written from a list read before its webhook was deleted is cancelled, not sent, and leaves no delivery row behind', async () => {
    const r = await track(receiver());
    const gone = await webhooks.create({ url: r.url, events: ['appointment.booked'], secret: generateWebhookSecret() });
    // A booking change read the active list (services/active-webhooks.ts) just before the delete …
    const stale = await webhooks.active();
    await webhooks.delete(gone.id);
    const { eventId } = await inTransaction(db.pool, (conn) => enqueueWebhookEvent(conn, { webhooks, outbox }, { type: 'appointment.booked', webhooks: stale, appointmentId: 12, appointment: { id: 12 } }), {
      name: 'test.booking',
    });
    // … and wrote its rows after the delete took the webhook's history away.
    expect(await webhooks.findDelivery(gone.id, eventId)).toMatchObject({ status: 'pending' });
    instance();
    await until('cancelled', async () => (await db.pool.query<any[]>(`SELECT status FROM ${T.outbox}`))[0].every((x: any) => x.status === 'cancelled'));
    expect(r.received).toHaveLength(0);
    expect(await webhooks.findDelivery(gone.id, eventId)).toBeUndefined();
  });

  it('a change nobody subscribes to writes nothing', async () => {
    expect(await change('appointment.rescheduled', 3, 1)).toMatchObject({ deliveries: 0 });
    const [[n]] = await db.pool.query<any[]>(`SELECT COUNT(*) AS n FROM ${T.outbox}`);
    expect(Number(n.n)).toBe(0);
  });
});

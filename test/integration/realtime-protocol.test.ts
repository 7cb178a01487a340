import { connect, type Socket } from 'node:net';
import jwt from 'jsonwebtoken';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ADMIN_AUDIENCE, signAdminToken } from '../../server/src/services/admin-token';
import { startSidecar, TEST_SECRET, type TestSidecar } from '../helpers/sidecar';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { sleep, TestSocket, until, upgradeStatus, wsUrl, type Message } from '../helpers/ws-client';

const SHOP = 'https://shop.example';
const DAY = '2030-03-04';

describe('WebSocket protocol on one instance (CONTRACT §8, real sockets)', () => {
  let db: TestDatabase;
  let s: TestSidecar;
  let url: string;
  const open: TestSocket[] = [];

  const connectSocket = async (options = {}) => {
    const t = await TestSocket.open(url, options);
    open.push(t);
    return t;
  };
  const health = async (sidecar = s) => ((await (await sidecar.api('/health')).json()) as { websocket: { clients: number } }).websocket.clients;
  const lockEvent = (over: Record<string, unknown> = {}) => ({
    type: 'slot_locked' as const,
    date: DAY,
    time: '09:00',
    times: ['09:00', '09:30'],
    employeeId: 2,
    serviceId: 7,
    owner: '203.0.113.9',
    expiresAt: '2030-03-04T09:10:00.000Z',
    ...over,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    s = await startSidecar({ db, env: { ALLOWED_ORIGINS: SHOP, WS_PING_INTERVAL_MS: '150' } });
    url = wsUrl(s.url);
  });
  afterEach(async () => {
    for (const t of open.splice(0)) t.close();
    await until(async () => (await health()) === 0);
  });
  afterAll(async () => {
    await s?.stop();
    await db?.drop();
  });

  it('greets with the server time and /health counts open sockets', async () => {
    const before = Date.now();
    const a = await connectSocket();
    const hello = a.messages[0]!;
    expect(hello.type).toBe('hello');
    expect(hello.serverTime).toBeGreaterThanOrEqual(before - 1000);
    expect(hello.serverTime).toBeLessThanOrEqual(Date.now());
    await connectSocket();
    await connectSocket();
    expect(await health()).toBe(3);
    a.close();
    await a.closed;
    await until(async () => (await health()) === 2);
  });

  it('refuses foreign origins during the upgrade with 403 and accepts allowed, own and absent ones', async () => {
    expect(await upgradeStatus(url, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { origin: 'null' })).toBe(403);
    expect(await upgradeStatus(url, { origin: SHOP })).toBe(101);
    expect(await upgradeStatus(url, { origin: s.url })).toBe(101);
    expect(await upgradeStatus(url)).toBe(101);
  });

  it('answers upgrades on other paths with 404', async () => {
    expect(await upgradeStatus(wsUrl(s.url, '/appointease/v1/wss'))).toBe(404);
    expect(await upgradeStatus(wsUrl(s.url, '/'))).toBe(404);
    // The query string does not change the path.
    expect(await upgradeStatus(`${url}?v=1`)).toBe(101);
  });

  it('closes with 1009 on a frame over 4 KB, and other sockets carry on', async () => {
    const bystander = await connectSocket();
    await bystander.request({ type: 'subscribe', date: DAY, employeeId: 2 }, (m) => m.type === 'subscribed');
    const a = await connectSocket();
    a.send(JSON.stringify({ type: 'subscribe', date: DAY, employeeId: 2, pad: 'x'.repeat(5000) }));
    expect((await a.closed).code).toBe(1009);
    s.deps.hub.publish(lockEvent());
    await bystander.next((m) => m.type === 'slot_locked');
  });

  it('answers malformed and unknown messages with invalid_message and keeps the socket usable', async () => {
    const a = await connectSocket();
    const bad: (string | Buffer)[] = [
      'not json',
      '{"type":"subscribe"',
      '"subscribe"',
      'null',
      JSON.stringify({ type: 'dance' }),
      JSON.stringify({ date: DAY, employeeId: 2 }),
      JSON.stringify({ type: 'subscribe', date: '2025-02-30', employeeId: 2 }),
      JSON.stringify({ type: 'subscribe', date: '28.10.2025', employeeId: 2 }),
      JSON.stringify({ type: 'subscribe', date: DAY, employeeId: 0 }),
      JSON.stringify({ type: 'subscribe', date: DAY, employeeId: -3 }),
      JSON.stringify({ type: 'subscribe', date: DAY, employeeId: '2' }),
      JSON.stringify({ type: 'subscribe', date: DAY, employeeId: 1.5 }),
      JSON.stringify({ type: 'auth' }),
      JSON.stringify({ type: 'auth', token: '' }),
      Buffer.from([1, 2, 3]),
    ];
    for (const frame of bad) a.ws.send(frame);
    for (let i = 0; i < bad.length; i++) {
      expect(await a.next((m) => m.type === 'error')).toEqual({ type: 'error', code: 'invalid_message' });
    }
    expect(await a.request({ type: 'subscribe', date: DAY, employeeId: 2 }, (m) => m.type === 'subscribed')).toEqual({
      type: 'subscribed',
      date: DAY,
      employeeId: 2,
    });
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('allows 62 subscriptions per socket and answers the 63rd with an error, socket still open', async () => {
    const a = await connectSocket();
    for (let i = 1; i <= 62; i++) a.send({ type: 'subscribe', date: DAY, employeeId: i });
    for (let i = 1; i <= 62; i++) await a.next((m) => m.type === 'subscribed' && m.employeeId === i);
    // Subscribing again to a day it already has costs nothing.
    await a.request({ type: 'subscribe', date: DAY, employeeId: 5 }, (m) => m.type === 'subscribed' && m.employeeId === 5);
    const err = await a.request({ type: 'subscribe', date: DAY, employeeId: 63 }, (m) => m.type === 'error');
    expect(err.code).toBe('too_many_subscriptions');
    // Still delivering on its existing subscriptions; an unsubscribe frees a place.
    s.deps.hub.publish(lockEvent({ employeeId: 62 }));
    await a.next((m) => m.type === 'slot_locked' && m.employeeId === 62);
    await a.request({ type: 'unsubscribe', date: DAY, employeeId: 1 }, (m) => m.type === 'unsubscribed');
    await a.request({ type: 'subscribe', date: DAY, employeeId: 63 }, (m) => m.type === 'subscribed' && m.employeeId === 63);
  });

  it('sends public subscribers only their day and employee, without owner, expiry or service', async () => {
    const a = await connectSocket();
    const other = await connectSocket();
    await a.request({ type: 'subscribe', date: DAY, employeeId: 2 }, (m) => m.type === 'subscribed');
    await other.request({ type: 'subscribe', date: DAY, employeeId: 3 }, (m) => m.type === 'subscribed');
    s.deps.hub.publish(lockEvent());
    const e = await a.next((m) => m.type === 'slot_locked');
    expect(e).toEqual({ type: 'slot_locked', date: DAY, time: '09:00', times: ['09:00', '09:30'], employeeId: 2, ts: expect.any(Number) });
    s.deps.hub.publish(lockEvent({ type: 'slot_unlocked', reason: 'released', employeeId: 3 }));
    const u = await other.next((m) => m.type === 'slot_unlocked');
    expect(u.reason).toBe('released');
    expect(u).not.toHaveProperty('owner');
    // a only watches employee 2; other only 3.
    await sleep(100);
    expect(a.count((m) => m.type === 'slot_unlocked')).toBe(0);
    expect(other.count((m) => m.type === 'slot_locked')).toBe(0);

    await a.request({ type: 'unsubscribe', date: DAY, employeeId: 2 }, (m) => m.type === 'unsubscribed');
    s.deps.hub.publish(lockEvent({ time: '10:00', times: ['10:00'] }));
    s.deps.hub.publish(lockEvent({ employeeId: 3, time: '11:00', times: ['11:00'] }));
    await other.next((m) => m.type === 'slot_locked' && m.time === '11:00');
    expect(a.count((m) => m.type === 'slot_locked')).toBe(1);
  });

  it('gives the admin feed only for a valid admin token: every day, with owner and expiry', async () => {
    const admin = await connectSocket();
    const now = Math.floor(Date.now() / 1000);
    const refused = [
      signAdminToken('another-secret-that-is-at-least-32-chars', 1),
      jwt.sign({ sub: '1', aud: ADMIN_AUDIENCE, exp: now - 120 }, TEST_SECRET, { algorithm: 'HS256' }),
      jwt.sign({ sub: '1', aud: 'appointease-bridge', exp: now + 300 }, TEST_SECRET, { algorithm: 'HS256' }),
      jwt.sign({ sub: '1', exp: now + 300 }, TEST_SECRET, { algorithm: 'HS256' }),
      jwt.sign({ sub: '1', aud: ADMIN_AUDIENCE, exp: now + 300 }, TEST_SECRET, { algorithm: 'HS384' }),
      jwt.sign({ sub: '1', aud: ADMIN_AUDIENCE, exp: now + 300 }, '', { algorithm: 'none' }),
      jwt.sign({ sub: '1', aud: ADMIN_AUDIENCE, exp: now + 7200 }, TEST_SECRET, { algorithm: 'HS256' }),
      'not.a.jwt',
    ];
    for (const token of refused) {
      expect(await admin.request({ type: 'auth', token }, (m) => m.type === 'error')).toEqual({ type: 'error', code: 'unauthorized' });
    }
    // Refused: still a public socket that watches nothing.
    s.deps.hub.publish(lockEvent());
    await sleep(100);
    expect(admin.count((m) => m.type === 'slot_locked')).toBe(0);

    expect(await admin.request({ type: 'auth', token: s.adminToken() }, (m) => m.type === 'authenticated')).toEqual({ type: 'authenticated' });
    s.deps.hub.publish(lockEvent({ date: '2031-01-02', employeeId: 9 }));
    const e = await admin.next((m) => m.type === 'slot_locked');
    expect(e).toEqual({
      type: 'slot_locked',
      date: '2031-01-02',
      time: '09:00',
      times: ['09:00', '09:30'],
      employeeId: 9,
      serviceId: 7,
      owner: '203.0.113.9',
      expiresAt: '2030-03-04T09:10:00.000Z',
      ts: expect.any(Number),
    });
    // An admin socket that also subscribed gets each event once, in the admin form.
    await admin.request({ type: 'subscribe', date: DAY, employeeId: 2 }, (m) => m.type === 'subscribed');
    s.deps.hub.publish(lockEvent({ time: '12:00', times: ['12:00'] }));
    const mine = await admin.next((m) => m.type === 'slot_locked' && m.time === '12:00');
    expect(mine.owner).toBe('203.0.113.9');
    await sleep(100);
    expect(admin.count((m) => m.type === 'slot_locked' && m.time === '12:00')).toBe(1);
  });

  it('drops peers that do not answer pings and keeps those that do', async () => {
    const live = await connectSocket();
    const deaf = await connectSocket({ autoPong: false });
    expect(await health()).toBe(2);
    const closed = await deaf.closed;
    expect(closed.code).toBe(1006);
    await until(async () => (await health()) === 1);
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('drops a consumer that stops reading once its backlog passes the bound', async () => {
    // Its own instance with pings far apart: here only the backlog may drop anyone (with this file's
    // 150 ms pings, a loaded machine could drop the reader too, for a pong read late during the flood).
    const quiet = await startSidecar({ db, env: { ALLOWED_ORIGINS: SHOP, WS_PING_INTERVAL_MS: '60000' } });
    // A raw client that completes the handshake and then never reads.
    const raw: Socket = connect(quiet.port, '127.0.0.1');
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    raw.write(
      [
        'GET /appointease/v1/ws HTTP/1.1',
        `Host: 127.0.0.1:${quiet.port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n'),
    );
    // Subscribe (a masked client frame), then stop reading.
    const payload = Buffer.from(JSON.stringify({ type: 'subscribe', date: DAY, employeeId: 4 }));
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    raw.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
    raw.pause();
    const reader = await TestSocket.open(wsUrl(quiet.url));
    open.push(reader);
    await reader.request({ type: 'subscribe', date: DAY, employeeId: 4 }, (m) => m.type === 'subscribed');
    await until(async () => (await health(quiet)) === 2);

    let sent = 0;
    // Kernel buffers absorb some megabytes first; then the server's own backlog grows past the bound.
    // Small batches: the reader lives in this process and must get to read between them.
    while (quiet.deps.clientCount() === 2 && sent < 400_000) {
      for (let i = 0; i < 100; i++) quiet.deps.hub.publish(lockEvent({ employeeId: 4, time: '13:00', times: ['13:00'] }));
      sent += 100;
      await new Promise((r) => setImmediate(r));
    }
    expect(quiet.deps.clientCount()).toBe(1);
    // The reader that keeps up stays connected.
    expect(reader.ws.readyState).toBe(WebSocket.OPEN);
    raw.destroy();
    await quiet.stop();
  });
});

describe('connections per IP', () => {
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startSidecar({ env: { WS_MAX_CONNECTIONS_PER_IP: '3' } });
  });
  afterAll(() => s?.stop());

  it('refuses the upgrade with 429 beyond the cap and accepts again after one closes', async () => {
    const url = wsUrl(s.url);
    const sockets = [await TestSocket.open(url), await TestSocket.open(url), await TestSocket.open(url)];
    expect(await upgradeStatus(url)).toBe(429);
    sockets[0]!.close();
    await sockets[0]!.closed;
    await until(() => s.deps.clientCount() === 2);
    const again = await TestSocket.open(url);
    expect(again.messages[0]!.type).toBe('hello' satisfies Message['type']);
    for (const t of [...sockets, again]) t.close();
  });
});

describe('admin token lifetime and shutdown', () => {
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startSidecar();
  });
  afterAll(() => s?.stop());

  it("ends the admin feed when the token's exp passes", async () => {
    const admin = await TestSocket.open(wsUrl(s.url));
    const token = jwt.sign({ sub: '1', aud: ADMIN_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 1 }, TEST_SECRET, { algorithm: 'HS256' });
    await admin.request({ type: 'auth', token }, (m) => m.type === 'authenticated');
    await sleep(2_100);
    s.deps.hub.publish({ type: 'slot_locked', date: DAY, time: '09:00', times: ['09:00'], employeeId: 1, owner: 'x' });
    expect(await admin.next((m) => m.type === 'error')).toEqual({ type: 'error', code: 'unauthorized' });
    expect(admin.count((m) => m.type === 'slot_locked')).toBe(0);
    // A fresh token restores it.
    await admin.request({ type: 'auth', token: s.adminToken() }, (m) => m.type === 'authenticated');
    s.deps.hub.publish({ type: 'slot_locked', date: DAY, time: '10:00', times: ['10:00'], employeeId: 1, owner: 'x' });
    expect((await admin.next((m) => m.type === 'slot_locked')).owner).toBe('x');
    admin.close();
  });

  it('says goodbye with 1001 when the sidecar stops', async () => {
    const t = await TestSocket.open(wsUrl(s.url));
    const stopping = s.stop();
    expect((await t.closed).code).toBe(1001);
    await stopping;
  });
});

describe('fan-out larger than one slice (1,000 sends per event-loop turn)', () => {
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startSidecar({ env: { WS_MAX_CONNECTIONS_PER_IP: '5000' } });
  });
  afterAll(() => s?.stop());

  it('delivers every event to each of 2,500 sockets once and in publish order', async () => {
    const n = 2_500;
    const url = wsUrl(s.url);
    const received: number[][] = Array.from({ length: n }, () => []);
    const sockets: WebSocket[] = [];
    for (let start = 0; start < n; start += 250) {
      await Promise.all(
        Array.from({ length: 250 }, (_, k) => {
          const i = start + k;
          return new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(url);
            sockets.push(ws);
            ws.on('error', reject);
            ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', date: DAY, employeeId: 8 })));
            ws.on('message', (data) => {
              const m = JSON.parse(data.toString());
              if (m.type === 'subscribed') resolve();
              else if (m.type === 'slot_locked') received[i]!.push(Number(m.time.slice(0, 2)));
            });
          });
        }),
      );
    }
    const hours = [9, 10, 11, 12, 13];
    for (const h of hours) {
      const time = `${String(h).padStart(2, '0')}:00`;
      s.deps.hub.publish({ type: 'slot_locked', date: DAY, time, times: [time], employeeId: 8 });
    }
    await until(() => received.every((r) => r.length >= hours.length), 15_000);
    await sleep(100);
    for (const r of received) expect(r).toEqual(hours);
    for (const ws of sockets) ws.terminate();
  });
});

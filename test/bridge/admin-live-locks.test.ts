// The Live locks page's own behaviour in Chromium, under a real WordPress, against a small
// stand-in for the sidecar's admin API and WebSocket (CONTRACT §7, §8) that records what the
// page sends. The full stack with the real sidecar is test/e2e/wordpress.test.ts; this test
// pins the bundle's side: the token it presents, how fast an event shows, the countdown,
// and the forced release request.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { chromium, type Browser } from 'playwright-core';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../e2e/wordpress-harness.js';
import { REPO_ROOT, WordPress, freePort, missingPrerequisite } from './wordpress.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SECRET = 'live-locks-secret-0123456789abcdef0123456789';
const prerequisite = missingPrerequisite() ?? (existsSync(CHROMIUM) ? null : `Chromium is missing at ${CHROMIUM} (apt-get install chromium)`);

interface FakeLock {
  date: string;
  time: string;
  times: string[];
  employeeId: number;
  serviceId: number;
  owner: string;
  expiresAt: string;
  ttlSeconds: number;
  store: 'redis';
}

describe.skipIf(prerequisite)('Live locks page (admin bundle) against a stand-in sidecar', () => {
  let wp: WordPress;
  let server: Server;
  let sockets: WebSocketServer;
  let browser: Browser;
  const locks: FakeLock[] = [];
  const seen: { authTokens: string[]; bearer: string[]; deletes: unknown[]; origins: string[] } = { authTokens: [], bearer: [], deletes: [], origins: [] };
  const admins = new Set<WebSocket>();

  function verifyBearer(req: IncomingMessage): boolean {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    seen.bearer.push(token);
    try {
      jwt.verify(token, SECRET, { algorithms: ['HS256'], audience: 'appointease-admin' });
      return true;
    } catch {
      return false;
    }
  }

  beforeAll(async () => {
    const port = await freePort();
    server = createServer((req, res) => {
      const cors = { 'access-control-allow-origin': req.headers.origin ?? '*', 'access-control-allow-headers': 'authorization, content-type', 'access-control-allow-methods': 'GET, DELETE' };
      if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
      const json = (status: number, body?: unknown) => res.writeHead(status, { ...cors, 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body));
      if (req.url === '/appointease/v1/health') return json(200, { status: 'ok', mysql: 'connected', redis: 'connected', websocket: { clients: admins.size }, version: '0.0.0-fake' });
      if (!req.url?.startsWith('/appointease/v1/admin/')) return json(404, { error: { code: 'not_found', message: 'no' } });
      if (!verifyBearer(req)) return json(401, { error: { code: 'unauthorized', message: 'bad token' } });
      if (req.url === '/appointease/v1/admin/locks' && req.method === 'GET') return json(200, { locks });
      if (req.url === '/appointease/v1/admin/locks' && req.method === 'DELETE') {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          const target = JSON.parse(body) as { date: string; time: string; employeeId: number };
          seen.deletes.push(target);
          const index = locks.findIndex((l) => l.date === target.date && l.time === target.time && l.employeeId === target.employeeId);
          if (index < 0) return json(404, { error: { code: 'lock_not_found', message: 'none' } });
          locks.splice(index, 1);
          json(204);
        });
        return;
      }
      if (req.url === '/appointease/v1/admin/services') return json(200, { services: [{ id: 7, name: 'Massage', duration: 45, price: 50 }] });
      if (req.url === '/appointease/v1/admin/staff') return json(200, { staff: [{ id: 3, name: 'Sam Stand-in', email: 's@example.com', serviceIds: [], workingHours: {} }] });
      return json(404, { error: { code: 'not_found', message: 'no' } });
    });
    sockets = new WebSocketServer({ server, path: '/appointease/v1/ws' });
    sockets.on('connection', (socket, req) => {
      seen.origins.push(String(req.headers.origin));
      socket.send(JSON.stringify({ type: 'hello', serverTime: Date.now() }));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; token?: string };
        if (message.type !== 'auth') return;
        seen.authTokens.push(message.token ?? '');
        try {
          jwt.verify(message.token ?? '', SECRET, { algorithms: ['HS256'], audience: 'appointease-admin' });
          admins.add(socket);
          socket.send(JSON.stringify({ type: 'authenticated' }));
        } catch {
          socket.send(JSON.stringify({ type: 'error', code: 'unauthorized' }));
        }
      });
      socket.on('close', () => admins.delete(socket));
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));

    wp = await WordPress.create({ label: 'livelocks', constants: { APPOINTEASE_SIDECAR_URL: `http://127.0.0.1:${port}`, APPOINTEASE_SECRET: SECRET } });
    await wp.serve();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    for (const socket of admins) socket.terminate();
    sockets?.close();
    await new Promise((r) => server?.close(r));
    await wp?.destroy();
  }, 60_000);

  it('authenticates its socket with a WordPress-minted admin JWT, shows a pushed lock within 2 s with a running countdown, and force-releases it', async () => {
    const context = await browser.newContext();
    const page = await login(context, wp, 'admin', 'admin-pass');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${wp.url}/wp-admin/admin.php?page=appointease`);
    await page.locator('.appointease-feed[data-state="live"]').waitFor({ timeout: 10_000 });
    await page.getByText('No slot is locked right now.').waitFor();

    // The socket's token: minted by PHP for this user, verifiable with the shared secret, short-lived.
    const claims = jwt.verify(seen.authTokens.at(-1)!, SECRET, { algorithms: ['HS256'], audience: 'appointease-admin' }) as jwt.JwtPayload;
    expect(claims.sub).toBe(String(wp.site.adminId));
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(600);
    expect(seen.origins.at(-1)).toBe(wp.url);

    // Another browser takes a hold: the sidecar stores it and tells admin sockets.
    const lock: FakeLock = {
      date: '2030-05-06',
      time: '10:00',
      times: ['10:00', '10:30'],
      employeeId: 3,
      serviceId: 7,
      owner: '203.0.113.9',
      expiresAt: new Date(Date.now() + 95_000).toISOString(),
      ttlSeconds: 95,
      store: 'redis',
    };
    locks.push(lock);
    const pushedAt = Date.now();
    for (const socket of admins) socket.send(JSON.stringify({ type: 'slot_locked', date: lock.date, time: lock.time, times: lock.times, employeeId: 3, ts: pushedAt, owner: lock.owner, expiresAt: lock.expiresAt }));
    const row = page.locator('tr[data-lock="2030-05-06 10:00 3"]');
    await row.waitFor({ timeout: 2_000 });
    expect(Date.now() - pushedAt).toBeLessThan(2_000);
    const text = await row.textContent();
    // A 45-minute service on a 30-minute grid: its cells are 10:00 and 10:30, but it ends 10:45.
    for (const part of ['10:00–10:45', 'Sam Stand-in', 'Massage', '203.0.113.9', 'redis']) expect(text).toContain(part);
    const countdown = row.locator('.appointease-countdown');
    expect(await countdown.textContent()).toMatch(/^1:3\d$/);
    // It ticks once a second; a loaded machine may delay a tick, which a fixed 1.1 s sleep raced.
    const seconds = async () => {
      const [m, s] = ((await countdown.textContent()) ?? '').split(':').map(Number);
      return m * 60 + s;
    };
    const before = await seconds();
    await expect.poll(seconds, { timeout: 5_000 }).toBeLessThan(before);
    mkdirSync(join(REPO_ROOT, 'test/artifacts'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'test/artifacts/bridge-live-locks-stand-in.png'), fullPage: true });

    await row.getByRole('button', { name: 'Force release' }).click();
    await row.waitFor({ state: 'detached', timeout: 3_000 });
    expect(seen.deletes).toEqual([{ date: '2030-05-06', time: '10:00', employeeId: 3 }]);
    await page.getByText('Released 2030-05-06 10:00 (Sam Stand-in).').waitFor();
    // Every admin API call carried a valid bearer token.
    for (const token of seen.bearer) expect(() => jwt.verify(token, SECRET, { algorithms: ['HS256'], audience: 'appointease-admin' })).not.toThrow();
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});

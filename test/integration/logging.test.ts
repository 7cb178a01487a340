import { request } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLogger } from '../../server/src/logger';
import { signAdminToken } from '../../server/src/services/admin-token';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/** A log destination the test reads: every line pino writes, parsed. */
function captureLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** A raw HTTP request, so Host, Origin and X-Forwarded-* are exactly what a proxy would send. */
function raw(url: string, path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('logs for people and machines (Issue 17 items 3 and 5)', () => {
  let s: TestSidecar;
  const log = captureLog();
  beforeAll(async () => {
    s = await startSidecar({ logger: createLogger({ logLevel: 'info', logFormat: 'json', instanceName: 'test-a' }, log.stream) });
  });
  afterAll(() => s?.stop());

  it('writes one access line per request: method, route pattern, status, ms, request id; ISO time and level name', async () => {
    const before = log.lines.length;
    expect((await s.api('/services')).status).toBe(200);
    expect((await s.api('/appointments/APT-2030-000001', { token: 'nope' })).status).toBe(401);
    await until(() => log.lines.length >= before + 3);
    const access = log.json().filter((l) => l.msg === 'request');
    const services = access.find((l) => l.route === '/appointease/v1/services')!;
    expect(services).toMatchObject({ level: 'info', method: 'GET', status: 200, instance: 'test-a', service: 'appointease' });
    expect(typeof services.ms).toBe('number');
    expect(services.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(services.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The pattern, never the reference in the URL.
    expect(access.some((l) => l.route === '/appointease/v1/appointments/:reference' && l.status === 401)).toBe(true);
    expect(log.lines.join('\n')).not.toContain('APT-2030-000001');
  });

  it('logs a refused origin at warn with the request id the client saw, the origin and the hosts', async () => {
    const res = await raw(s.url, '/appointease/v1/services', { Origin: 'https://evil.example', Host: new URL(s.url).host });
    expect(res.status).toBe(403);
    await until(() => log.json().some((l) => l.requestId === res.headers['x-request-id'] && l.level === 'warn'));
    const line = log.json().find((l) => l.requestId === res.headers['x-request-id'] && l.level === 'warn')!;
    expect(line).toMatchObject({ code: 'forbidden', status: 403, origin: 'https://evil.example', host: new URL(s.url).host });
    expect(String(line.msg)).toMatch(/^refused: /);
  });

  it('logs failed verifications (admin token, one-time code) with the reason and no address or token', async () => {
    const bad = signAdminToken('another-secret-that-is-long-enough-to-sign', 1);
    const admin = await s.api('/admin/settings', { token: bad });
    expect(admin.status).toBe(401);
    const otp = await s.api('/otp/verify', { method: 'POST', json: { email: 'ada.lovelace@example.com', code: '000000' } });
    expect(otp.status).toBe(401);
    await until(() => log.json().filter((l) => l.level === 'warn' && l.status === 401).length >= 2);
    const adminLine = log.json().find((l) => l.requestId === admin.headers.get('x-request-id') && l.level === 'warn')!;
    expect(adminLine).toMatchObject({ check: 'admin token', code: 'unauthorized' });
    expect(String(adminLine.reason)).toMatch(/invalid signature/);
    const otpLine = log.json().find((l) => l.requestId === otp.headers.get('x-request-id') && l.level === 'warn')!;
    expect(otpLine).toMatchObject({ code: 'invalid_otp', route: '/appointease/v1/otp/verify' });
    const all = log.lines.join('\n');
    expect(all).not.toContain('ada.lovelace');
    expect(all).not.toContain(bad);
  });

  it('logs a refused WebSocket upgrade with the request id of the refusal', async () => {
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/appointease/v1/ws`, { headers: { Origin: 'https://evil.example' } });
    ws.on('error', () => {});
    const status = await new Promise<{ code: number; id?: string }>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve({ code: res.statusCode!, id: res.headers['x-request-id'] as string }));
      ws.on('open', () => resolve({ code: 101 }));
    });
    ws.terminate();
    expect(status.code).toBe(403);
    await until(() => log.json().some((l) => l.requestId === status.id));
    expect(log.json().find((l) => l.requestId === status.id)).toMatchObject({ level: 'warn', upgrade: true, origin: 'https://evil.example', code: 'forbidden' });
  });
});

describe('the same-origin check behind a proxy that rewrites Host (Issue 17 item 3)', () => {
  let proxied: TestSidecar;
  let direct: TestSidecar;
  beforeAll(async () => {
    [proxied, direct] = await Promise.all([startSidecar({ env: { TRUST_PROXY: 'true' } }), startSidecar()]);
  });
  afterAll(async () => {
    await Promise.all([proxied?.stop(), direct?.stop()]);
  });

  // nginx with `proxy_set_header Host $host` on port 8080: Host loses the port, X-Forwarded-Host keeps it.
  const asNginxSends = { Origin: 'http://shop.example:8080', Host: 'shop.example', 'X-Forwarded-Host': 'shop.example:8080', 'X-Forwarded-For': '203.0.113.9' };

  it("with TRUST_PROXY, the site's own origin passes by X-Forwarded-Host", async () => {
    expect((await raw(proxied.url, '/appointease/v1/settings', asNginxSends)).status).toBe(200);
    expect((await raw(proxied.url, '/appointease/v1/settings', { ...asNginxSends, 'X-Forwarded-Host': 'evil.example:8080' })).status).toBe(403);
  });

  it('without TRUST_PROXY, X-Forwarded-Host is not believed', async () => {
    expect((await raw(direct.url, '/appointease/v1/settings', asNginxSends)).status).toBe(403);
    expect((await raw(direct.url, '/appointease/v1/settings', { Origin: 'http://shop.example:8080', Host: 'shop.example:8080' })).status).toBe(200);
  });

  it("takes the proxy's request id when TRUST_PROXY is on", async () => {
    const res = await raw(proxied.url, '/appointease/v1/services', { ...asNginxSends, Origin: 'https://evil.example', 'X-Request-Id': 'a1b2c3d4e5f6a7b8c9d0' });
    expect(res.headers['x-request-id']).toBe('a1b2c3d4e5f6a7b8c9d0');
  });
});

describe('pretty logs (LOG_FORMAT=pretty, or a terminal)', () => {
  it('prints an access line as `GET /route 200 1.2 ms` with a readable time and level', async () => {
    const log = captureLog();
    const s = await startSidecar({ logger: createLogger({ logLevel: 'info', logFormat: 'pretty' }, log.stream) });
    try {
      await s.api('/services');
      await until(() => log.lines.some((l) => l.includes('/appointease/v1/services')));
    } finally {
      await s.stop();
    }
    const line = log.lines.find((l) => l.includes('/appointease/v1/services'))!;
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/appointease\/v1\/services 200 [\d.]+ ms/);
    expect(line).toContain('requestId');
  });
});

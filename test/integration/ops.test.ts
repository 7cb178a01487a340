import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startPrivateRedis, type PrivateRedis } from '../helpers/services';
import { startSidecar, TEST_SECRET, type TestSidecar } from '../helpers/sidecar';

describe('health, metrics and the HTTP edge', () => {
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startSidecar({ env: { METRICS_TOKEN: 'scrape-me', ALLOWED_ORIGINS: 'https://shop.example' } });
  });
  afterAll(() => s?.stop());

  it('metrics need an admin JWT or METRICS_TOKEN', async () => {
    expect((await s.api('/metrics')).status).toBe(401);
    expect((await s.api('/metrics', { token: 'wrong' })).status).toBe(401);
    const forged = jwt.sign({ sub: '1' }, 'another-secret-another-secret-1234', { algorithm: 'HS256', audience: 'appointease-admin', expiresIn: 60 });
    expect((await s.api('/metrics', { token: forged })).status).toBe(401);
    const byToken = await s.api('/metrics', { token: 'scrape-me' });
    expect(byToken.status).toBe(200);
    const text = await byToken.text();
    for (const name of ['appointease_availability_cache_hits_total', 'appointease_availability_cache_misses_total', 'appointease_locks_acquired_total', 'appointease_locks_refused_total', 'appointease_redis_fallback_operations_total', 'appointease_websocket_clients', 'appointease_http_request_duration_seconds']) {
      expect(text).toContain(name);
    }
    expect((await s.api('/metrics', { token: s.adminToken() })).status).toBe(200);
  });

  it('CORS answers allowed origins and refuses others', async () => {
    const ok = await s.api('/services', { headers: { Origin: 'https://shop.example' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const pre = await s.api('/services', { method: 'OPTIONS', headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST' } });
    expect(pre.status).toBe(204);
    const bad = await s.api('/services', { headers: { Origin: 'https://evil.example' } });
    expect(bad.status).toBe(403);
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
    expect((await bad.json()).error.code).toBe('forbidden');
  });

  it('limits bodies to 16 KB and rejects malformed JSON without a stack trace', async () => {
    const big = await s.api('/health', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ x: 'a'.repeat(17 * 1024) }) });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('payload_too_large');
    const bad = await s.api('/health', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"x":' });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(JSON.parse(text).error.code).toBe('invalid_request');
    expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
    const missing = await s.api('/nope');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('not_found');
  });

  it('observes every response in the latency histogram by method, route and status', async () => {
    await s.api('/settings');
    await s.api('/settings');
    await s.api('/nope');
    await s.api('/staff?serviceId=x');
    await s.api('/locks', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    const text = await (await s.api('/metrics', { token: s.adminToken() })).text();
    // Every series also names its instance (the registry's default label, first).
    const count = (labels: string) => Number(new RegExp(`appointease_http_request_duration_seconds_count\\{appointease_instance="[^"]+",${labels}\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect(count('method="GET",route="/appointease/v1/settings",status="200"')).toBeGreaterThanOrEqual(2);
    expect(count('method="GET",route="unmatched",status="404"')).toBeGreaterThanOrEqual(1);
    // An error raised inside a mounted router keeps its full route, as a success would.
    expect(count('method="GET",route="/appointease/v1/staff",status="400"')).toBe(1);
    expect(count('method="POST",route="/appointease/v1/locks",status="400"')).toBe(1);
  });

  it('marks every response nosniff and gives each error its own request id', async () => {
    const ok = await s.api('/settings');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    const a = await s.api('/nope');
    const b = await s.api('/nope');
    expect(a.headers.get('x-content-type-options')).toBe('nosniff');
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers.get('x-request-id')).not.toBe(a.headers.get('x-request-id'));
  });

  it('rejects admin-looking tokens with the wrong algorithm on /metrics', async () => {
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: '1', aud: 'appointease-admin', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')}.`;
    expect((await s.api('/metrics', { token: none })).status).toBe(401);
    const tooLong = jwt.sign({ sub: '1' }, TEST_SECRET, { algorithm: 'HS256', audience: 'appointease-admin', expiresIn: 7200 });
    expect((await s.api('/metrics', { token: tooLong })).status).toBe(401);
  });
});

describe('a Redis outage', () => {
  let redis: PrivateRedis;
  let s: TestSidecar;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    s = await startSidecar({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await s?.stop();
    await redis?.stop();
  });

  it('never makes availability hang, reports degraded, and returns to Redis when it answers', async () => {
    const { staffIds, serviceIds } = await seedCatalogue(s.db.pool, {
      services: [{ duration: 30 }],
      staff: [{ hours: everyDay(['09:00', '12:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    const url = `/availability?date=${daysFromNow(2)}&employeeId=${staffIds[0]}&serviceId=${serviceIds[0]}`;
    expect((await s.api(url)).status).toBe(200);
    expect((await (await s.api('/health')).json()).redis).toBe('connected');

    await redis.stop();
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const res = await s.api(url);
      expect(res.status).toBe(200);
      // Not held for a reconnect (typically a few ms: the breaker is open); room for a loaded machine.
      expect(Date.now() - t0).toBeLessThan(3_000);
    }
    const health = await (await s.api('/health')).json();
    expect(health).toMatchObject({ status: 'degraded', mysql: 'connected', redis: 'disconnected' });

    await redis.start();
    const deadline = Date.now() + 5_000;
    while (s.deps.guard.state !== 'up' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(s.deps.guard.state).toBe('up');
    expect((await s.api(url)).status).toBe(200);
    expect((await (await s.api('/health')).json()).status).toBe('ok');
  });
});

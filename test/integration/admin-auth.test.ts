import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { startSidecar, TEST_SECRET, type TestSidecar } from '../helpers/sidecar';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const STACK = /at .*\.(ts|js):\d+|node_modules|\/server\/src\//;

/** The admin JWT rules of CONTRACT §7 and the HTTP edge as the admin API sees it. */
describe('admin API: authentication and the HTTP edge', () => {
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startSidecar({ env: { ALLOWED_ORIGINS: 'https://shop.example' } });
  });
  afterAll(() => s?.stop());

  const servicesWith = (token?: string) => s.api('/admin/services', { token });

  it('accepts a proper HS256 token with the admin audience, sub and a short exp', async () => {
    const res = await servicesWith(s.adminToken());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ services: [] });
  });

  it.each([
    ['no token', () => undefined],
    ['garbage', () => 'not.a.jwt'],
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: '1', aud: 'appointease-admin', exp: now() + 60 })}.`],
    ['HS512', () => jwt.sign({ sub: '1' }, TEST_SECRET, { algorithm: 'HS512', audience: 'appointease-admin', expiresIn: 60 })],
    ['HS384', () => jwt.sign({ sub: '1' }, TEST_SECRET, { algorithm: 'HS384', audience: 'appointease-admin', expiresIn: 60 })],
    ['wrong audience', () => jwt.sign({ sub: '1' }, TEST_SECRET, { algorithm: 'HS256', audience: 'appointease-bridge', expiresIn: 60 })],
    ['no audience', () => jwt.sign({ sub: '1' }, TEST_SECRET, { algorithm: 'HS256', expiresIn: 60 })],
    ['missing exp', () => jwt.sign({ sub: '1', aud: 'appointease-admin' }, TEST_SECRET, { algorithm: 'HS256' })],
    ['exp two hours ahead', () => jwt.sign({ sub: '1' }, TEST_SECRET, { algorithm: 'HS256', audience: 'appointease-admin', expiresIn: 7200 })],
    ['expired', () => jwt.sign({ sub: '1', aud: 'appointease-admin', exp: now() - 120 }, TEST_SECRET, { algorithm: 'HS256' })],
    ['wrong secret', () => jwt.sign({ sub: '1' }, 'x'.repeat(40), { algorithm: 'HS256', audience: 'appointease-admin', expiresIn: 60 })],
    ['no sub', () => jwt.sign({}, TEST_SECRET, { algorithm: 'HS256', audience: 'appointease-admin', expiresIn: 60 })],
    ['signature of another token', () => {
      const good = s.adminToken().split('.');
      return `${good[0]}.${b64({ sub: '2', aud: 'appointease-admin', exp: now() + 60 })}.${good[2]}`;
    }],
  ])('refuses %s with 401 on every admin route, writing nothing', async (_label, make) => {
    const token = make();
    for (const [method, path, json] of [
      ['GET', '/admin/services', undefined],
      ['POST', '/admin/services', { name: 'Sneaky', duration: 30, price: 1 }],
      ['PUT', '/admin/settings', { timezone: 'Europe/Berlin' }],
      ['GET', '/admin/stats', undefined],
      ['GET', '/admin/appointments', undefined],
    ] as const) {
      const res = await s.api(path, { method, token, json });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect((await res.json()).error.code).toBe('unauthorized');
    }
    const [[n]] = await s.db.pool.query<any[]>('SELECT COUNT(*) AS c FROM wp_appointease_services');
    expect(Number(n.c)).toBe(0);
  });

  it('does not put the public API behind the admin token', async () => {
    expect((await s.api('/services')).status).toBe(200);
    expect((await s.api('/settings')).status).toBe(200);
  });

  it('CORS: an allowed origin gets Access-Control-Allow-Origin, another origin 403', async () => {
    const ok = await s.api('/admin/services', { token: s.adminToken(), headers: { Origin: 'https://shop.example' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const pre = await s.api('/admin/services', {
      method: 'OPTIONS',
      headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/i);
    const bad = await s.api('/admin/services', { method: 'POST', token: s.adminToken(), headers: { Origin: 'https://evil.example' }, json: { name: 'X', duration: 30, price: 1 } });
    expect(bad.status).toBe(403);
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
    const [[n]] = await s.db.pool.query<any[]>('SELECT COUNT(*) AS c FROM wp_appointease_services');
    expect(Number(n.c)).toBe(0);
  });

  it('refuses bodies over 16 KB with 413 and malformed JSON with 400, without stack traces', async () => {
    const token = s.adminToken();
    const big = await s.api('/admin/services', { method: 'POST', token, json: { name: 'Big', duration: 30, price: 1, description: 'a'.repeat(17 * 1024) } });
    expect(big.status).toBe(413);
    const bigText = await big.text();
    expect(JSON.parse(bigText).error.code).toBe('payload_too_large');
    expect(bigText).not.toMatch(STACK);

    for (const body of ['{"name":', '{name: "x"}', '[1,2', 'null', '"just a string"']) {
      const res = await s.api('/admin/services', { method: 'POST', token, headers: { 'Content-Type': 'application/json' }, body });
      expect(res.status, body).toBe(400);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('invalid_request');
      expect(text).not.toMatch(STACK);
    }
    const arrayBody = await s.api('/admin/staff', { method: 'POST', token, json: [{ name: 'A', email: 'a@example.com' }] });
    expect(arrayBody.status).toBe(400);
    const [[n]] = await s.db.pool.query<any[]>('SELECT COUNT(*) AS c FROM wp_appointease_services');
    expect(Number(n.c)).toBe(0);
  });
});

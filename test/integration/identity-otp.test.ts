import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtp, partOf, type TestSmtp } from '../helpers/mail';
import { startPrivateRedis, type PrivateRedis } from '../helpers/services';
import { startSidecar, TEST_SECRET, type TestSidecar } from '../helpers/sidecar';

/**
 * CONTRACT §5 against real MariaDB, Redis and an SMTP server, in the three
 * ways the sidecar can run: on Redis, with REDIS_ENABLED=false, and with a
 * Redis that was killed after start-up (the automatic MySQL fallback).
 */
type Mode = 'redis' | 'redis-disabled' | 'redis-killed';

describe.each<Mode>(['redis', 'redis-disabled', 'redis-killed'])('one-time codes (%s)', (mode) => {
  let s: TestSidecar;
  let smtp: TestSmtp;
  let privateRedis: PrivateRedis | undefined;
  let ipSeq = 0;
  let mailSeq = 0;
  const ip = () => `198.51.100.${++ipSeq}`;
  const address = (tag: string) => `${tag}-${++mailSeq}-${mode}@example.com`;

  beforeAll(async () => {
    smtp = await startSmtp();
    const env: Record<string, string> = {
      MAIL_TRANSPORT: smtp.url,
      TRUST_PROXY: 'true',
      OTP_SEND_WINDOW_SECONDS: '3',
      OTP_IP_LIMIT: '5',
      OTP_IP_WINDOW_SECONDS: '3',
    };
    if (mode === 'redis-disabled') env.REDIS_ENABLED = 'false';
    if (mode === 'redis-killed') {
      privateRedis = await startPrivateRedis();
      env.REDIS_URL = privateRedis.url;
    }
    s = await startSidecar({ env });
    if (privateRedis) {
      expect(s.deps.guard.state).toBe('up');
      await privateRedis.stop();
      const deadline = Date.now() + 5_000;
      while (s.deps.guard.state !== 'down' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }
    expect(s.deps.guard.state).toBe(mode === 'redis' ? 'up' : mode === 'redis-disabled' ? 'disabled' : 'down');
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.stop();
    await privateRedis?.stop();
  });

  const send = (email: string, from = ip()) => s.api('/otp', { method: 'POST', json: { email }, headers: { 'X-Forwarded-For': from } });
  // Each from its own client: the per-client guessing budget (CONTRACT §11) has its own tests.
  const verify = (email: string, code: unknown, from = ip()) => s.api('/otp/verify', { method: 'POST', json: { email, code }, headers: { 'X-Forwarded-For': from } });

  /** Asks for a code and reads it from the mail the SMTP server received. */
  async function codeFor(email: string): Promise<string> {
    const res = await send(email);
    expect(res.status).toBe(202);
    await s.deps.mailer.idle();
    const mail = smtp.mails.filter((m) => m.to.includes(email)).pop();
    expect(mail, `a mail to ${email}`).toBeDefined();
    const text = partOf(mail!, 'text/plain')!.body;
    const code = /\b(\d{6})\b/.exec(text)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    expect(partOf(mail!, 'text/html')!.body).toContain(code);
    return code!;
  }

  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  async function storedHash(email: string): Promise<string | undefined> {
    if (mode === 'redis') {
      const r = new Redis(s.config.redis.url);
      try {
        return (await r.hget(`${s.prefix}otp:${email}`, 'h')) ?? undefined;
      } finally {
        r.disconnect();
      }
    }
    const [rows] = await s.db.pool.query<any[]>('SELECT code_hash FROM wp_appointease_otps WHERE email = ?', [email]);
    return rows[0]?.code_hash;
  }

  it('mails a 6-digit code that opens a session exactly once', async () => {
    const email = address('once');
    const code = await codeFor(email);

    const ok = await verify(email, code);
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(Object.keys(body).sort()).toEqual(['email', 'expiresAt', 'sessionToken']);
    expect(body.email).toBe(email);
    expect(body.sessionToken).toMatch(/^[A-Za-z0-9_-]{43,}$/); // ≥ 256 bits, base64url
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());

    const me = await s.api('/session', { token: body.sessionToken });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ email, expiresAt: body.expiresAt });

    const replay = await verify(email, code);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error.code).toBe('invalid_otp');
  });

  it('stores only a keyed hash of the code, bound to the address', async () => {
    const email = address('hash');
    const code = await codeFor(email);
    const stored = await storedHash(email);
    expect(stored).toBe(createHmac('sha256', TEST_SECRET).update(`otp\0${email}\0${code}`).digest('hex'));
    expect(stored).not.toContain(code);
    // The same code sent for another address is not accepted for this one.
    const other = address('hash-other');
    await codeFor(other);
    expect((await verify(other, code)).status).toBe(401);
  });

  it('normalises addresses: case and surrounding spaces do not matter', async () => {
    const email = address('norm');
    const res = await send(`  ${email.toUpperCase()} `);
    expect(res.status).toBe(202);
    await s.deps.mailer.idle();
    const mail = smtp.mails.filter((m) => m.to.includes(email)).pop()!;
    const code = /\b(\d{6})\b/.exec(partOf(mail, 'text/plain')!.body)![1]!;
    const ok = await verify(email.toUpperCase(), code);
    expect(ok.status).toBe(200);
    expect((await ok.json()).email).toBe(email);
  });

  it('voids a code after 5 wrong tries: the 6th and later get 429 even with the right code, until a new code', async () => {
    const email = address('brute');
    const code = await codeFor(email);
    for (let i = 0; i < 5; i++) {
      const res = await verify(email, wrong(code));
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('invalid_otp');
    }
    for (const attempt of [code, wrong(code), code]) {
      const res = await verify(email, attempt);
      expect(res.status).toBe(429);
      expect((await res.json()).error.code).toBe('too_many_attempts');
    }
    const fresh = await codeFor(email);
    const ok = await verify(email, fresh);
    expect(ok.status).toBe(200);
  });

  it('a new code resets the attempts (4 wrong, new code, 4 wrong, right one works)', async () => {
    const email = address('reset');
    const first = await codeFor(email);
    for (let i = 0; i < 4; i++) expect((await verify(email, wrong(first))).status).toBe(401);
    const second = await codeFor(email);
    expect((await verify(email, first)).status).toBe(401); // the old code died with the new one
    for (let i = 0; i < 3; i++) expect((await verify(email, wrong(second))).status).toBe(401);
    expect((await verify(email, second)).status).toBe(200);
  });

  it('concurrent wrong guesses never get more than 5 comparisons', async () => {
    const email = address('race');
    const code = await codeFor(email);
    const guesses = Array.from({ length: 16 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const statuses = (await Promise.all(guesses.map((g) => verify(email, g)))).map((r) => r.status);
    expect(statuses.filter((x) => x === 401)).toHaveLength(5);
    expect(statuses.filter((x) => x === 429)).toHaveLength(11);
    expect((await verify(email, code)).status).toBe(429);
  });

  it('an expired code is refused like a wrong one', async () => {
    const email = address('expired');
    const code = await codeFor(email);
    if (mode === 'redis') {
      const r = new Redis(s.config.redis.url);
      await r.del(`${s.prefix}otp:${email}`); // what expiry does
      r.disconnect();
    } else {
      await s.db.pool.query('UPDATE wp_appointease_otps SET expires_at_ms = ? WHERE email = ?', [Date.now() - 1, email]);
    }
    const res = await verify(email, code);
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('invalid_otp');
  });

  it('answers a known and an unknown address identically', async () => {
    const known = address('known');
    await s.db.pool.query(
      `INSERT INTO wp_appointments (name, email, appointment_date, status, strong_id) VALUES ('Known', ?, '2030-01-01 10:00:00', 'confirmed', ?)`,
      [known, `APT-2030-${String(mailSeq).padStart(6, '0')}`],
    );
    await s.db.pool.query(`INSERT INTO wp_appointease_customers (name, email) VALUES ('Known', ?)`, [known]);
    const unknown = address('unknown');
    const a = await send(known);
    const b = await send(unknown);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    const bodyA = await a.text();
    expect(bodyA).toBe(await b.text());
    expect(JSON.parse(bodyA)).toEqual({ status: 'sent' });
    const headerNames = (r: Response) => [...r.headers.keys()].filter((h) => !['date', 'x-request-id'].includes(h)).sort();
    expect(headerNames(a)).toEqual(headerNames(b));
    expect(a.headers.get('content-length')).toBe(b.headers.get('content-length'));
  });

  it('allows 3 sends per address per window, then 429 rate_limited with Retry-After, and again after the window', async () => {
    const email = address('limit');
    for (let i = 0; i < 3; i++) expect((await send(email)).status).toBe(202);
    const refused = await send(email);
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3);
    // A refused send changes nothing: the last code mailed still works.
    await s.deps.mailer.idle();
    const last = /\b(\d{6})\b/.exec(partOf(smtp.mails.filter((m) => m.to.includes(email)).pop()!, 'text/plain')!.body)![1];
    expect(smtp.mails.filter((m) => m.to.includes(email))).toHaveLength(3);
    expect((await verify(email, last)).status).toBe(200);
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    expect((await send(email)).status).toBe(202);
  });

  it('limits sends per client IP across addresses, and not other IPs', async () => {
    const from = ip();
    for (let i = 0; i < 5; i++) expect((await send(address('ip'), from)).status).toBe(202);
    const refused = await send(address('ip'), from);
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await send(address('ip'), ip())).status).toBe(202);
    await new Promise((r) => setTimeout(r, Number(refused.headers.get('retry-after')) * 1000 + 100));
    expect((await send(address('ip'), from)).status).toBe(202);
  });

  it('rejects malformed addresses and codes with 400, sending and counting nothing', async () => {
    const from = ip();
    await s.deps.mailer.idle();
    const before = smtp.mails.length;
    for (const email of ['', 'not-an-email', 'a@', '@b.example', `${'x'.repeat(185)}@example.com`, 42, null, ['a@b.example']]) {
      const res = await send(email as string, from);
      expect(res.status, JSON.stringify(email)).toBe(400);
      expect((await res.json()).error.code).toBe('invalid_request');
    }
    const bad = await s.api('/otp', { method: 'POST', body: '{"email":', headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': from } });
    expect(bad.status).toBe(400);
    const email = address('badcode');
    for (const code of ['12345', '1234567', 'abcdef', ' 123456', '12 456', 123456, null, '１２３４５６']) {
      const res = await verify(email, code);
      expect(res.status, JSON.stringify(code)).toBe(400);
      expect((await res.json()).error.code).toBe('invalid_request');
    }
    await s.deps.mailer.idle();
    expect(smtp.mails.length).toBe(before);
    // The IP's budget is untouched by the refused requests.
    for (let i = 0; i < 5; i++) expect((await send(address('after-bad'), from)).status).toBe(202);
  });

  it('revokes a session at once; a revoked, garbage or missing token is 401 on every customer route', async () => {
    const email = address('revoke');
    const verified = await (await verify(email, await codeFor(email))).json();
    const token = verified.sessionToken as string;
    expect((await s.api('/appointments', { token })).status).toBe(200);
    const out = await s.api('/session', { method: 'DELETE', token });
    expect(out.status).toBe(204);

    const routes: [string, string, unknown?][] = [
      ['GET', '/session'],
      ['DELETE', '/session'],
      ['GET', '/appointments'],
      ['GET', '/appointments/APT-2030-000001'],
      ['DELETE', '/appointments/APT-2030-000001'],
      ['PATCH', '/appointments/APT-2030-000001', { lockToken: 'x'.repeat(43), date: '2030-01-01', time: '10:00' }],
      ['POST', '/appointments', { lockToken: 'x'.repeat(43), date: '2030-01-01', time: '10:00', employeeId: 1, serviceId: 1, name: 'X' }],
    ];
    for (const auth of [token, 'garbage', `${token}x`, undefined]) {
      for (const [method, path, json] of routes) {
        const res = await s.api(path, { method, token: auth, json });
        expect(res.status, `${method} ${path} with ${auth === token ? 'revoked' : String(auth)} token`).toBe(401);
        expect((await res.json()).error.code).toBe('unauthorized');
      }
    }
  });
});

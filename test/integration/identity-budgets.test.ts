import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partOf, startSmtp, type TestSmtp } from '../helpers/mail';
import { startPrivateRedis, type PrivateRedis } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';
import { until } from '../helpers/ws-client';

/**
 * CONTRACT §11: one-time codes cannot be ground down. Besides 5 tries per
 * code, at most 10 failed verifications per address per 24 hours across all
 * its codes and 30 per client (IPv4 address, IPv6 /64) per hour; beyond,
 * 429 too_many_attempts with Retry-After. On Redis, with REDIS_ENABLED=false,
 * and across a Redis outage (its own redis-server, killed and restarted).
 */
type Mode = 'redis' | 'redis-disabled' | 'redis-outage';

describe.each<Mode>(['redis', 'redis-disabled', 'redis-outage'])('code guessing budgets (%s)', (mode) => {
  let s: TestSidecar;
  let smtp: TestSmtp;
  let privateRedis: PrivateRedis | undefined;
  let seq = 0;
  const ip = () => {
    seq++;
    return `10.${mode.length}.${Math.floor(seq / 250) % 250}.${seq % 250}`;
  };
  const address = (tag: string) => `${tag}-${++seq}-${mode}@example.com`;

  beforeAll(async () => {
    smtp = await startSmtp();
    const env: Record<string, string> = { MAIL_TRANSPORT: smtp.url, TRUST_PROXY: 'true', OTP_SEND_LIMIT: '50', OTP_IP_LIMIT: '1000' };
    if (mode === 'redis-disabled') env.REDIS_ENABLED = 'false';
    if (mode === 'redis-outage') {
      privateRedis = await startPrivateRedis();
      env.REDIS_URL = privateRedis.url;
    }
    s = await startSidecar({ env });
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.stop();
    await privateRedis?.stop();
  });

  const send = (email: string, from = ip()) => s.api('/otp', { method: 'POST', json: { email }, headers: { 'X-Forwarded-For': from } });
  const verify = (email: string, code: string, from = ip()) =>
    s.api('/otp/verify', { method: 'POST', json: { email, code }, headers: { 'X-Forwarded-For': from } });
  const wrong = (code: string, n = 1) => String((Number(code) + n) % 1_000_000).padStart(6, '0');

  async function codeFor(email: string): Promise<string> {
    expect((await send(email)).status).toBe(202);
    await s.deps.mailer.idle();
    const mail = smtp.mails.filter((m) => m.to.includes(email)).pop()!;
    return /\b(\d{6})\b/.exec(partOf(mail, 'text/plain')!.body)![1]!;
  }

  async function expectBudgetRefusal(res: Response, windowSeconds: number) {
    expect(res.status).toBe(429);
    expect((await res.json()).error.code).toBe('too_many_attempts');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(windowSeconds - 120);
    expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  }

  /** Kills Redis in the outage mode, at the point the test says; the breaker must have opened. */
  async function outageNow() {
    if (mode !== 'redis-outage') return;
    await privateRedis!.stop();
    // The breaker opens on the first failed command or the socket closing.
    await s.api('/otp', { method: 'POST', json: { email: address('trip') }, headers: { 'X-Forwarded-For': ip() } });
    await until(() => s.deps.guard.state === 'down', 5_000);
  }
  async function redisBack() {
    if (mode !== 'redis-outage') return;
    await privateRedis!.start();
    await until(() => s.deps.guard.up, 5_000);
  }

  it('a fresh code does not reset the address budget: 10 failures a day across codes, then 429 even for the right code', async () => {
    if (mode === 'redis-outage') expect(s.deps.guard.up).toBe(true);
    const email = address('grind');
    let failures = 0;
    // Four wrong guesses per code (the code's own limit is 5), each code a fresh one.
    for (let round = 0; round < 2; round++) {
      const code = await codeFor(email);
      for (let n = 1; n <= 4; n++) {
        const res = await verify(email, wrong(code, n));
        expect(res.status).toBe(401);
        failures++;
      }
    }
    await outageNow(); // the rest of the day happens on MySQL, in the outage mode
    const third = await codeFor(email);
    for (let n = 1; failures < 10; n++, failures++) expect((await verify(email, wrong(third, n))).status).toBe(401);
    await expectBudgetRefusal(await verify(email, wrong(third, 9)), 24 * 3600);
    await redisBack();
    const fourth = await codeFor(email);
    await expectBudgetRefusal(await verify(email, fourth), 24 * 3600);
    // Another address is not affected.
    const other = address('bystander');
    expect((await verify(other, await codeFor(other))).status).toBe(200);
  });

  it('only failures count: successes give their reservation back', async () => {
    const email = address('regular');
    const from = ip();
    // Nine sign-ins, each after a typo: 18 verifications, 9 failures.
    for (let day = 0; day < 9; day++) {
      const code = await codeFor(email);
      expect((await verify(email, wrong(code), from)).status).toBe(401);
      expect((await verify(email, code, from)).status).toBe(200);
    }
    const code = await codeFor(email);
    expect((await verify(email, wrong(code), from)).status).toBe(401); // the 10th failure
    await expectBudgetRefusal(await verify(email, code, from), 24 * 3600);
  });

  it('30 failures per client per hour, across addresses; other clients are not affected', async () => {
    const from = ip();
    for (let i = 0; i < 30; i++) {
      const res = await verify(address('spray'), '000000', from);
      expect(res.status).toBe(401);
    }
    await expectBudgetRefusal(await verify(address('spray'), '000000', from), 3600);
    // A client out of guesses cannot spend an address's budget either.
    const victim = address('victim');
    for (let i = 0; i < 20; i++) expect((await verify(victim, '000000', from)).status).toBe(429);
    expect((await verify(victim, await codeFor(victim))).status).toBe(200);
    expect((await verify(address('spray'), '000000', ip())).status).toBe(401);
  });

  it('IPv6 clients count by their /64; IPv4-mapped addresses stay IPv4', async () => {
    const net = `2001:db8:${(seq++ % 0xffff).toString(16)}:${mode.length.toString(16)}`;
    for (let i = 1; i <= 30; i++) expect((await verify(address('v6'), '000000', `${net}::${i.toString(16)}`)).status).toBe(401);
    await expectBudgetRefusal(await verify(address('v6'), '000000', `${net}:ffff:ffff:ffff:ffff`), 3600);
    expect((await verify(address('v6'), '000000', `${net.replace(/:[0-9a-f]+$/, ':9999')}::1`)).status).toBe(401);

    const v4 = [10, 250, seq % 250, 9];
    const dotted = v4.join('.');
    const mappedHex = `::ffff:${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
    const spellings = [dotted, `::ffff:${dotted}`, mappedHex];
    for (let i = 0; i < 30; i++) expect((await verify(address('mapped'), '000000', spellings[i % 3])).status).toBe(401);
    await expectBudgetRefusal(await verify(address('mapped'), '000000', mappedHex), 3600);
  });

  it('concurrent guesses never get past the address budget', async () => {
    const email = address('swarm');
    const statuses = (await Promise.all(Array.from({ length: 40 }, (_, i) => verify(email, String(i).padStart(6, '0'))))).map((r) => r.status);
    expect(statuses.filter((x) => x === 401)).toHaveLength(10);
    expect(statuses.filter((x) => x === 429)).toHaveLength(30);
  });

  it('a hostile burst of 300 guesses from one client is refused cheaply and leaves the counters usable', async () => {
    const from = ip();
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const res = await verify(address('burst'), String(i).padStart(6, '0'), from);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(3000);
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses.filter((x) => x === 401)).toHaveLength(30);
    expect(statuses.filter((x) => x === 429)).toHaveLength(270);
    // Bounded work: once refused, the rest of the burst never reached MySQL. With Redis, MySQL holds the 30
    // failures (the refusal was Redis's and counts nowhere); with Redis off, the refused 31st hit was the last counted.
    const [rows] = await s.db.pool.query<any[]>('SELECT hits FROM wp_appointease_rate_limits WHERE rate_key = ?', [`${s.prefix}rate:otp-verify-ip:${from}`]);
    expect(rows.map((r) => Number(r.hits))).toEqual([mode === 'redis-disabled' ? 31 : 30]);
    // The address counters hold no address in clear.
    const [keys] = await s.db.pool.query<any[]>("SELECT rate_key FROM wp_appointease_rate_limits WHERE rate_key LIKE '%otp-verify:%'");
    expect(keys.length).toBeGreaterThanOrEqual(30);
    for (const { rate_key } of keys) expect(rate_key).toMatch(/otp-verify:[0-9a-f]{64}$/);
    const one = address('hashed');
    expect((await verify(one, '000000')).status).toBe(401);
    const [hashed] = await s.db.pool.query<any[]>('SELECT hits FROM wp_appointease_rate_limits WHERE rate_key = ?', [
      `${s.prefix}rate:otp-verify:${createHash('sha256').update(one).digest('hex')}`,
    ]);
    expect(hashed.map((r) => Number(r.hits))).toEqual([1]);
    // Everyone else still signs in, and the tables still take writes.
    const after = address('after-burst');
    expect((await verify(after, await codeFor(after))).status).toBe(200);
  });
});

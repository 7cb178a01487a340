import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { assertNoOverlaps } from '../helpers/assert-no-overlaps';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { codeFromMails } from '../helpers/customers';
import { startSmtp, type TestSmtp } from '../helpers/mail';
import { startSentinelDeployment, type SentinelDeployment } from '../helpers/redis-sentinel';
import { startSidecar, startSidecarPair, type SidecarPair, type TestSidecar } from '../helpers/sidecar';
import { TestSocket, until, wsUrl } from '../helpers/ws-client';

/**
 * CONTRACT §14 against a real Sentinel deployment (primary, replica, three
 * sentinels; test helper), its primary SIGKILLed: requests go to the MySQL
 * fallback while the sentinels promote the replica, no 5xx, none over 2 s,
 * both instances back on Redis within 5 s of the promotion (the sentinels'
 * +switch-master), and the database still holds one appointment per time.
 *
 * down-after-milliseconds is 1 s here (production: 5 s, docs/deploy.md) so a
 * failover takes about 2–3 s; the bounds below do not depend on it.
 */
const PASSWORD = 'failover-test-password';
// The sentinels name the primary; REDIS_URL gives only the password (its host must never be used).
const REDIS_URL = `redis://:${PASSWORD}@unused.invalid:1`;

interface Sample {
  at: number;
  ms: number;
  status: number;
  kind: string;
  code?: string;
}

/** Small seeded PRNG: the load is the same mix on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

async function health(s: TestSidecar): Promise<{ status: string; redis: string; redisPrimary: string | null }> {
  return (await s.api('/health')).json();
}

function fallbackCount(metrics: string): number {
  let n = 0;
  for (const m of metrics.matchAll(/appointease_redis_fallback_operations_total\{[^}]*reason="outage"[^}]*\} (\d+)/g)) n += Number(m[1]);
  return n;
}

interface LoadOptions {
  staffIds: number[];
  serviceIds: number[];
  customers: { token: string }[];
  users: number;
}

/**
 * A peak-hour mix on the given instances (round robin per virtual user):
 * availability reads, lock lists, session checks, and holds that are then
 * released, booked (on either instance: the proxy picks) or left to expire.
 */
function mixedLoad(instances: TestSidecar[], o: LoadOptions) {
  const samples: Sample[] = [];
  /** Holds granted before the kill and never given back (released or booked). */
  const heldBeforeKill = new Map<string, { date: string; time: string; employeeId: number }>();
  let killAt = 0;
  let running = true;
  let ip = 0;
  const dates = [2, 3, 4, 5].map(daysFromNow);

  const timed = async (kind: string, s: TestSidecar, path: string, init?: Parameters<TestSidecar['api']>[1]) => {
    const started = Date.now();
    const res = await s.api(path, init);
    const body = res.status === 204 ? undefined : await res.json().catch(() => undefined);
    samples.push({ at: started, ms: Date.now() - started, status: res.status, kind, code: body?.error?.code });
    return { status: res.status, body };
  };

  const user = async (n: number) => {
    const random = prng(n + 1);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    while (running) {
      const s = instances[n % instances.length]!;
      const employeeId = pick(o.staffIds);
      const serviceId = pick(o.serviceIds);
      const date = pick(dates);
      const customer = pick(o.customers);
      const roll = random();
      if (roll < 0.45) {
        await timed('availability', s, `/availability?date=${date}&employeeId=${employeeId}&serviceId=${serviceId}`);
      } else if (roll < 0.55) {
        await timed('lock-list', s, `/locks?date=${date}&employeeId=${employeeId}`);
      } else if (roll < 0.7) {
        await timed('session', s, '/session', { token: customer.token });
      } else {
        const time = hhmm(8 * 60 + 30 * Math.floor(random() * 22));
        const headers = { 'X-Forwarded-For': `10.9.${Math.floor(++ip / 250) % 250}.${ip % 250}` };
        const hold = await timed('hold', s, '/locks', { method: 'POST', json: { date, time, employeeId, serviceId }, headers });
        if (hold.status !== 201) continue;
        const lockToken = hold.body.lockToken as string;
        const next = pick(instances);
        const r = random();
        if (r < 0.3) {
          if (!killAt) heldBeforeKill.set(lockToken, { date, time, employeeId });
          continue; // walks away: the hold expires
        }
        if (r < 0.6) await timed('release', next, '/locks', { method: 'DELETE', json: { date, time, employeeId, lockToken }, headers });
        else await timed('book', next, '/appointments', { method: 'POST', token: customer.token, json: { lockToken, date, time, employeeId, serviceId, name: 'Failover' } });
      }
    }
  };
  const users = Array.from({ length: o.users }, (_, n) => user(n));
  return {
    samples,
    heldBeforeKill,
    killedAt(at: number) {
      killAt = at;
    },
    async stop() {
      running = false;
      await Promise.all(users);
    },
  };
}

/** CONTRACT §14: no 5xx, nothing over 2 s; and every answer one the contract allows for that request. */
function expectContractAnswers(samples: Sample[]): void {
  expect(samples.filter((x) => x.status >= 500)).toEqual([]);
  expect(Math.max(...samples.map((x) => x.ms))).toBeLessThan(2_000);
  // Every sign-in survives a failover: sessions live in MySQL too.
  expect(samples.filter((x) => x.kind === 'session' && x.status !== 200)).toEqual([]);
  expect(samples.filter((x) => (x.kind === 'availability' || x.kind === 'lock-list') && x.status !== 200)).toEqual([]);
  expect(samples.filter((x) => x.kind === 'hold' && ![201, 409].includes(x.status))).toEqual([]);
  expect(samples.filter((x) => x.kind === 'release' && ![204, 403, 404].includes(x.status))).toEqual([]);
  expect(samples.filter((x) => x.kind === 'book' && x.status !== 201 && !(x.status === 409 && ['lock_invalid', 'slot_taken', 'too_many_bookings'].includes(x.code!)))).toEqual([]);
  expect(samples.filter((x) => x.kind === 'book' && x.status === 201).length).toBeGreaterThan(0);
}

describe('Redis Sentinel failover (private primary, replica, three sentinels)', () => {
  let deployment: SentinelDeployment | undefined;
  let pair: SidecarPair | undefined;
  let single: TestSidecar | undefined;
  let smtp: TestSmtp | undefined;
  const sockets: TestSocket[] = [];

  afterEach(async () => {
    for (const t of sockets.splice(0)) t.close();
    await pair?.stop();
    await single?.stop();
    await smtp?.stop();
    await deployment?.stop();
    pair = single = smtp = deployment = undefined;
  });
  afterAll(async () => {
    await deployment?.stop();
  });

  it('SIGKILL of the primary under mixed load on two instances: MySQL meanwhile, back on the new primary within 5 s of the promotion, no 5xx, nothing over 2 s, no double booking', async () => {
    deployment = await startSentinelDeployment({ downAfterMs: 1_000, failoverTimeoutMs: 3_000, password: PASSWORD });
    pair = await startSidecarPair({ REDIS_URL, REDIS_SENTINELS: deployment.sentinelList, TRUST_PROXY: 'true', MAX_LOCKS_PER_CLIENT: '1000' });
    const { a, b, db } = pair;
    await pair.subscribed();
    const { serviceIds, staffIds } = await seedCatalogue(db.pool, {
      services: [{ duration: 30 }, { duration: 60, bufferAfter: 15 }],
      staff: [1, 2, 3].map(() => ({ hours: everyDay(['08:00', '20:00']) })),
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    for (const s of [a, b]) {
      expect(s.deps.guard.state).toBe('up');
      expect(await health(s)).toMatchObject({ status: 'ok', redis: 'connected', redisPrimary: deployment.primary.address });
    }
    const customers = await Promise.all(Array.from({ length: 40 }, (_, i) => a.deps.sessions.create(`failover${i}@example.com`)));

    const load = mixedLoad([a, b], { staffIds, serviceIds, customers, users: 8 });
    const { samples, heldBeforeKill } = load;
    await until(() => samples.length >= 300, 15_000);

    const backAt = new Map<string, number>();
    for (const [name, s] of [['a', a], ['b', b]] as const) s.deps.guard.once('up', () => backAt.set(name, Date.now()));
    const fallbacksBefore = fallbackCount(await (await a.api('/metrics', { token: a.adminToken() })).text());
    const killAt = Date.now();
    load.killedAt(killAt);
    await deployment.primary.kill('SIGKILL');
    const promotion = await deployment.nextSwitch(killAt, 20_000);
    expect(promotion).toMatchObject({ from: deployment.primary.address, to: deployment.replica.address });
    await until(() => backAt.size === 2, 10_000);
    for (const s of [a, b]) await until(async () => (await health(s)).redisPrimary === deployment!.replica.address, 5_000);
    const fallbacksAtReturn = fallbackCount(await (await a.api('/metrics', { token: a.adminToken() })).text());
    const backSince = Date.now();
    await until(() => samples.filter((x) => x.at > backSince).length >= 300, 15_000);
    await load.stop();

    const during = samples.filter((x) => x.at >= killAt && x.at < Math.max(...backAt.values()));
    const slowest = samples.reduce((m, x) => (x.ms > m.ms ? x : m));
    const backAfterPromotion = [...backAt.values()].map((t) => t - promotion.at);

    // Holds granted before the kill and never given back: is each still known after the failover?
    const listed = (await (await a.api('/admin/locks', { token: a.adminToken() })).json()).locks as { date: string; time: string; employeeId: number }[];
    const stillHeld = [...heldBeforeKill.values()].filter((h) => listed.some((l) => l.date === h.date && l.time === h.time && l.employeeId === h.employeeId));

    console.info(
      `failover timeline: primary SIGKILLed at 0 ms, +switch-master at ${promotion.at - killAt} ms, ` +
        `instances back on Redis at ${[...backAt.values()].map((t) => t - killAt).join(' / ')} ms ` +
        `(${backAfterPromotion.join(' / ')} ms after the promotion); ${samples.length} requests, ${during.length} during the failover ` +
        `(${fallbacksAtReturn - fallbacksBefore} MySQL fallback operations on instance a; bookings ${during.filter((x) => x.kind === 'book' && x.status === 201).length} booked, ` +
        `${during.filter((x) => x.code === 'lock_invalid').length} refused lock_invalid: a hold in the unreachable Redis), slowest ${slowest.ms} ms (${slowest.kind}); ` +
        `holds granted before the kill and still held: ${stillHeld.length} of ${heldBeforeKill.size} found after it`,
    );

    if (process.env.DEBUG_FAILOVER) console.info([...samples].sort((x, y) => y.ms - x.ms).slice(0, 12).map((x) => `${x.kind} ${x.status} ${x.ms} ms at ${x.at - killAt}`).join('\n'));
    expectContractAnswers(samples);
    for (const t of backAfterPromotion) expect(t).toBeLessThan(5_000);
    // Requests really were answered while the primary was gone, by MySQL.
    expect(during.length).toBeGreaterThan(0);
    expect(fallbacksAtReturn).toBeGreaterThan(fallbacksBefore);
    // Back on Redis means back on Redis: after both returned, requests are Redis's again. (Not
    // "none at all": on a starved test machine a reply later than REDIS_COMMAND_TIMEOUT_MS and a
    // probe as late open the breaker for a moment.)
    const afterReturn = samples.filter((x) => x.at > backSince && (x.kind === 'hold' || x.kind === 'lock-list' || x.kind === 'session')).length;
    expect(fallbackCount(await (await a.api('/metrics', { token: a.adminToken() })).text()) - fallbacksAtReturn).toBeLessThan(afterReturn / 10);
    for (const s of [a, b]) expect(await health(s)).toMatchObject({ status: 'ok', redis: 'connected', redisPrimary: deployment.replica.address });
    await assertNoOverlaps(db.pool, { buffers: true });

    // The subscriber followed the failover too: a hold on one instance reaches a WebSocket on the other.
    const date = daysFromNow(6);
    const socket = await TestSocket.open(wsUrl(b.url));
    sockets.push(socket);
    await socket.request({ type: 'subscribe', date, employeeId: staffIds[0] }, (m) => m.type === 'subscribed');
    await until(() => a.deps.bridge!['subscriber'].status === 'ready' && b.deps.bridge!['subscriber'].status === 'ready');
    const hold = await a.api('/locks', { method: 'POST', json: { date, time: '09:00', employeeId: staffIds[0], serviceId: serviceIds[0] } });
    expect(hold.status).toBe(201);
    await socket.next((m) => m.type === 'slot_locked' && m.time === '09:00');
  });

  it('a primary that hangs with its sockets open (SIGSTOP): commands time out to MySQL, the sentinel watch moves both connections within 5 s of the promotion, and the woken old primary is left alone', async () => {
    deployment = await startSentinelDeployment({ downAfterMs: 1_000, failoverTimeoutMs: 3_000, password: PASSWORD });
    single = await startSidecar({ env: { REDIS_URL, REDIS_SENTINELS: deployment.sentinelList, TRUST_PROXY: 'true', MAX_LOCKS_PER_CLIENT: '1000' } });
    const s = single;
    const { serviceIds, staffIds } = await seedCatalogue(s.db.pool, {
      services: [{ duration: 30 }],
      staff: [1, 2].map(() => ({ hours: everyDay(['08:00', '20:00']) })),
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    const customers = await Promise.all(Array.from({ length: 10 }, (_, i) => s.deps.sessions.create(`hung${i}@example.com`)));
    const load = mixedLoad([s], { staffIds, serviceIds, customers, users: 4 });
    await until(() => load.samples.length >= 100, 15_000);

    let backAt = 0;
    s.deps.guard.once('up', () => (backAt = Date.now()));
    const pausedAt = Date.now();
    deployment.primary.pause();
    const promotion = await deployment.nextSwitch(pausedAt, 20_000);
    await until(() => backAt > 0, 10_000);
    await until(() => s.deps.bridge!['subscriber'].status === 'ready', 5_000);
    expect((await health(s)).redisPrimary).toBe(deployment.replica.address);
    console.info(`hung primary: +switch-master at ${promotion.at - pausedAt} ms, back on Redis at ${backAt - pausedAt} ms (${backAt - promotion.at} ms after the promotion)`);
    expect(backAt - promotion.at).toBeLessThan(5_000);

    // The old primary wakes up still believing it is the primary, until the sentinels demote it: we stay where we are.
    deployment.primary.resume();
    const since = Date.now();
    await until(() => load.samples.filter((x) => x.at > since).length >= 100, 15_000);
    await load.stop();
    expect(s.deps.guard.state).toBe('up');
    expect((await health(s)).redisPrimary).toBe(deployment.replica.address);
    expectContractAnswers(load.samples);
    await assertNoOverlaps(s.db.pool, { buffers: true });
  });

  it('what asynchronous replication loses: a hold, a session and a code acknowledged but never replicated; the database still takes one booking per time', async () => {
    // Sentinels with their own password too (REDIS_SENTINEL_PASSWORD).
    deployment = await startSentinelDeployment({ downAfterMs: 1_000, failoverTimeoutMs: 3_000, password: PASSWORD, sentinelPassword: 'sentinel-password', proxiedReplication: true });
    smtp = await startSmtp();
    single = await startSidecar({
      env: { REDIS_URL, REDIS_SENTINELS: deployment.sentinelList, REDIS_SENTINEL_PASSWORD: 'sentinel-password', TRUST_PROXY: 'true', MAIL_TRANSPORT: smtp.url },
    });
    const s = single;
    const { serviceIds, staffIds } = await seedCatalogue(s.db.pool, {
      services: [{ duration: 30 }],
      staff: [{ hours: everyDay(['08:00', '20:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    const [serviceId] = serviceIds as [number];
    const [employeeId] = staffIds as [number];
    const date = daysFromNow(3);
    const replica = deployment.client(deployment.replica);
    const cellKey = (time: string) => s.deps.keys.slot(date, time, employeeId);
    const hold = (time: string, ip: string) => s.api('/locks', { method: 'POST', json: { date, time, employeeId, serviceId }, headers: { 'X-Forwarded-For': ip } });
    const book = (token: string, lockToken: string, time: string) =>
      s.api('/appointments', { method: 'POST', token, json: { lockToken, date, time, employeeId, serviceId, name: 'Customer' } });
    const mailsTo = (email: string) => smtp!.mails.filter((m) => m.to.includes(email)).length;
    const signIn = async (email: string) => {
      const before = mailsTo(email);
      expect((await s.api('/otp', { method: 'POST', json: { email } })).status).toBe(202);
      await until(() => mailsTo(email) > before);
      const res = await s.api('/otp/verify', { method: 'POST', json: { email, code: codeFromMails(smtp!.mails, email) } });
      expect(res.status).toBe(200);
      return (await res.json()).sessionToken as string;
    };

    // Replicated before the trouble: Xavier's hold on 11:00.
    const xavier = await signIn('xavier@example.com');
    const heldX = await hold('11:00', '10.0.0.1');
    expect(heldX.status).toBe(201);
    const tokenX = (await heldX.json()).lockToken;
    await until(async () => (await replica.exists(cellKey('11:00'))) === 1);

    // From here the primary acknowledges what the replica will never see.
    deployment.freezeReplication();
    const heldY = await hold('10:00', '10.0.0.2');
    expect(heldY.status).toBe(201);
    const tokenY = (await heldY.json()).lockToken;
    const yvonne = await signIn('yvonne@example.com');
    expect((await s.api('/otp', { method: 'POST', json: { email: 'zoe@example.com' } })).status).toBe(202);
    await until(() => smtp!.mails.some((m) => m.to.includes('zoe@example.com')));
    const zoeCode = codeFromMails(smtp.mails, 'zoe@example.com');

    const killAt = Date.now();
    await deployment.primary.kill('SIGKILL');
    await until(() => s.deps.guard.state === 'down', 2_000);
    // While the sentinels decide, Walter holds Xavier's 11:00 from the MySQL fallback (Redis's copy cannot be asked).
    const walter = (await s.deps.sessions.create('walter@example.com')).token;
    const heldW = await hold('11:00', '10.0.0.3');
    expect(heldW.status).toBe(201);
    const tokenW = (await heldW.json()).lockToken;

    const promotion = await deployment.nextSwitch(killAt, 20_000);
    await until(() => s.deps.guard.state === 'up', 5_000);
    expect((await health(s)).redisPrimary).toBe(promotion.to);

    // The loss is real: the new primary never heard of Yvonne's hold.
    expect(await replica.exists(cellKey('10:00'))).toBe(0);
    expect(await replica.exists(cellKey('11:00'))).toBe(1);
    // Sign-ins are kept (MySQL has every session); a code mailed just before the kill is gone, a new one works.
    expect((await s.api('/session', { token: yvonne })).status).toBe(200);
    expect((await s.api('/session', { token: xavier })).status).toBe(200);
    const lostCode = await s.api('/otp/verify', { method: 'POST', json: { email: 'zoe@example.com', code: zoeCode } });
    expect(lostCode.status).toBe(401);
    const zoe = await signIn('zoe@example.com');

    // The lost hold: the time looks free, Zoe holds and books it, Yvonne's confirmation is refused.
    const heldZ = await hold('10:00', '10.0.0.4');
    expect(heldZ.status).toBe(201);
    expect((await book(zoe, (await heldZ.json()).lockToken, '10:00')).status).toBe(201);
    const refused = await book(yvonne, tokenY, '10:00');
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.code).toBe('lock_invalid');

    // Two valid holds on 11:00 (Redis's, MySQL's): both confirm at once, the database takes one.
    const [rx, rw] = await Promise.all([book(xavier, tokenX, '11:00'), book(walter, tokenW, '11:00')]);
    expect([rx.status, rw.status].sort()).toEqual([201, 409]);
    expect((await (rx.status === 409 ? rx : rw).json()).error.code).toBe('slot_taken');

    const [rows] = await s.db.pool.query<any[]>('SELECT DATE_FORMAT(appointment_date, "%H:%i") AS t, COUNT(*) AS n FROM wp_appointments GROUP BY t ORDER BY t');
    expect(rows.map((r) => [r.t, Number(r.n)])).toEqual([
      ['10:00', 1],
      ['11:00', 1],
    ]);
    await assertNoOverlaps(s.db.pool, { buffers: true });
  });
});

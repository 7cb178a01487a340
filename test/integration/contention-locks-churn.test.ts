import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoOverlaps } from '../helpers/assert-no-overlaps';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecarPair, type SidecarPair } from '../helpers/sidecar';

/**
 * Holds and releases racing on overlapping cells, with Redis off (the MySQL
 * lock store): twelve clients on two instances take, give back, book and let
 * expire holds of services that cover one, two or three cells of the same
 * few times, while both instances sweep expiries. The contract allows every
 * refusal (409, 429, 403, 404) but never a 5xx: lost lock races inside MySQL
 * are retried by the server.
 */
const CLIENTS = 12;
const ROUNDS = 25;
const ALLOWED = new Set([200, 201, 204, 403, 404, 409, 429]);

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('hold/release churn on overlapping cells from 12 clients (MySQL store, two instances)', () => {
  let pair: SidecarPair;
  let services: number[];
  let emp: number;
  const date = daysFromNow(2);
  // Sixteen start times: services of one, two and four cells overlap each other's.
  const TIMES = Array.from({ length: 16 }, (_, i) => `${String(9 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);

  beforeAll(async () => {
    // Short holds and a fast sweeper, so expiries, take-overs and sweeps race the rest.
    pair = await startSidecarPair({ REDIS_ENABLED: 'false', TRUST_PROXY: 'true', LOCK_TTL_SECONDS: '2', LOCK_SWEEP_INTERVAL_MS: '100', MAX_LOCKS_PER_CLIENT: '2' });
    const ids = await seedCatalogue(pair.db.pool, {
      services: [{ name: 'Short', duration: 30 }, { name: 'Long', duration: 60 }, { name: 'Buffered', duration: 30, bufferBefore: 15, bufferAfter: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '18:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
    services = ids.serviceIds;
    [emp] = ids.staffIds as [number];
    for (const s of [pair.a, pair.b]) await s.deps.catalogue.changed();
  });
  afterAll(() => pair?.stop());

  it('answers only 201/204/403/404/409/429, never a 5xx, and the database holds no overlap', async () => {
    const seed = Number(process.env.CHURN_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const seen: string[] = [];
    const record = async (what: string, res: Response) => {
      seen.push(`${what} ${res.status}`);
      if (!ALLOWED.has(res.status)) throw new Error(`seed ${seed}: ${what} answered ${res.status} ${await res.text()}`);
      return res;
    };

    const client = async (c: number) => {
      const ip = `10.12.0.${c + 1}`;
      const session = (await pair.a.deps.sessions.create(`churn${c}@example.com`)).token;
      const held: { time: string; serviceId: number; lockToken: string }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const s = random() < 0.5 ? pair.a : pair.b;
        const roll = random();
        if (roll < 0.55 || held.length === 0) {
          const time = pick(TIMES);
          const serviceId = pick(services);
          const res = await record('hold', await s.api('/locks', { method: 'POST', headers: { 'X-Forwarded-For': ip }, json: { date, time, employeeId: emp, serviceId } }));
          if (res.status === 201) held.push({ time, serviceId, lockToken: ((await res.json()) as { lockToken: string }).lockToken });
          else await res.body?.cancel();
        } else if (roll < 0.8) {
          const h = held.splice(Math.floor(random() * held.length), 1)[0]!;
          // Sometimes the hold has expired (404) or been taken over by another client (403) by now.
          const res = await record('release', await s.api('/locks', { method: 'DELETE', headers: { 'X-Forwarded-For': ip }, json: { date, time: h.time, employeeId: emp, lockToken: h.lockToken } }));
          await res.body?.cancel();
        } else if (roll < 0.85) {
          const h = held.splice(Math.floor(random() * held.length), 1)[0]!;
          const res = await record(
            'book',
            await s.api('/appointments', { method: 'POST', token: session, headers: { 'X-Forwarded-For': ip }, json: { lockToken: h.lockToken, date, time: h.time, employeeId: emp, serviceId: h.serviceId, name: `Churn ${c}` } }),
          );
          await res.body?.cancel();
        } else {
          // Someone else's idea of a hold: a made-up token on a random time.
          const res = await record('release-foreign', await s.api('/locks', { method: 'DELETE', headers: { 'X-Forwarded-For': ip }, json: { date, time: pick(TIMES), employeeId: emp, lockToken: `x${c}${round}`.padEnd(43, 'y') } }));
          await res.body?.cancel();
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));

    const holds = seen.filter((x) => x.startsWith('hold '));
    // The run really contended: holds were granted and refused.
    expect(holds.filter((x) => x === 'hold 201').length).toBeGreaterThan(0);
    expect(holds.filter((x) => x === 'hold 409').length).toBeGreaterThan(0);
    expect(seen.filter((x) => x === 'release 204').length).toBeGreaterThan(0);
    await assertNoOverlaps(pair.db.pool, { buffers: true });
    // What is still held is whole: every live lock's rows share one owner, and no cell is held twice.
    const [rows] = await pair.db.pool.query<any[]>('SELECT lock_id, COUNT(DISTINCT client_id) AS owners FROM wp_appointease_slot_locks WHERE expires_at_ms > ? GROUP BY lock_id', [Date.now()]);
    expect(rows.filter((r) => Number(r.owners) !== 1)).toEqual([]);
    const gaveUp = [pair.a, pair.b].map((s) => s.deps.metrics.dbRetriesExhausted);
    for (const counter of gaveUp) expect((await counter.get()).values.reduce((n, v) => n + v.value, 0)).toBe(0);
  });
});

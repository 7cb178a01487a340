import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startCuttableProxy, type CuttableProxy } from '../helpers/redis-proxy';
import { createTestDatabase, deletePrefix, REDIS_URL, uniquePrefix, type TestDatabase } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/**
 * The active webhooks a booking change writes events for come from memory
 * (services/active-webhooks.ts), not from a read in every booking's
 * transaction. Two instances of one site: an admin change on one must be
 * what the other's next booking uses — at once with Redis (the webhook
 * generation), within the catalogue's one second without it — and a list
 * that did not change costs no MySQL read at all.
 */
const DATE = daysFromNow(6);

/** Two instances on one database and key prefix; `a` reaches Redis through a proxy that can be cut. */
function twoInstances(env: Record<string, string>) {
  const ctx = {} as { a: TestSidecar; b: TestSidecar; db: TestDatabase; proxy: CuttableProxy; prefix: string; svc: number; emp: number };
  let minute = 8 * 60;
  let customer = 0;

  beforeAll(async () => {
    ctx.proxy = await startCuttableProxy(Number(new URL(REDIS_URL).port || 6379));
    ctx.db = await createTestDatabase();
    const prefix = (ctx.prefix = uniquePrefix());
    // Deliveries go to a refused port: only what the bookings write is looked at.
    const common = { OUTBOUND_ALLOW_PRIVATE: 'true', ...env };
    ctx.a = await startSidecar({ db: ctx.db, prefix, env: { ...common, REDIS_URL: ctx.proxy.url } });
    ctx.b = await startSidecar({ db: ctx.db, prefix, env: common });
    const ids = await seedCatalogue(ctx.db.pool, {
      services: [{ name: 'Cut', duration: 30 }],
      staff: [{ name: 'Ana', hours: everyDay(['08:00', '22:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0, maxBookingsPerCustomer: 0 },
    });
    [ctx.svc] = ids.serviceIds as [number];
    [ctx.emp] = ids.staffIds as [number];
    for (const s of [ctx.a, ctx.b]) await s.deps.catalogue.changed();
  }, 60_000);
  afterAll(async () => {
    await ctx.a?.stop();
    await ctx.b?.stop();
    await ctx.proxy?.close();
    await deletePrefix(ctx.prefix);
    await ctx.db?.drop();
  });

  /** Books the next free half hour; the appointment's id. */
  const book = async (s: TestSidecar) => {
    const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
    minute += 30;
    const held = await s.api('/locks', { method: 'POST', json: { date: DATE, time, employeeId: ctx.emp, serviceId: ctx.svc } });
    expect(held.status, `hold ${time}`).toBe(201);
    const { lockToken } = await held.json();
    const { token } = await s.deps.sessions.create(`customer${++customer}@example.com`);
    const res = await s.api('/appointments', {
      method: 'POST',
      token,
      json: { lockToken, date: DATE, time, employeeId: ctx.emp, serviceId: ctx.svc, name: 'Hook Tester' },
    });
    expect(res.status, `book ${time}`).toBe(201);
    return (await res.json()).appointment.id as number;
  };
  /** The webhooks a booking's transaction wrote a delivery for. */
  const hooksOf = async (id: number) => {
    const [rows] = await ctx.db.pool.query<any[]>('SELECT webhook_id FROM wp_appointease_webhook_deliveries WHERE appointment_id = ? ORDER BY webhook_id', [
      id,
    ]);
    return rows.map((r) => Number(r.webhook_id));
  };
  /** Webhooks the next booking on `s` writes events for. */
  const nextBooking = async (s: TestSidecar) => hooksOf(await book(s));
  return { ctx, nextBooking };
}

const admin = (s: TestSidecar, method: string, path: string, json?: unknown) => s.api(`/admin/webhooks${path}`, { method, token: s.adminToken(), json });
const create = async (s: TestSidecar, events: string[] = ['appointment.booked']) => {
  const res = await admin(s, 'POST', '', { url: 'http://127.0.0.1:9/hook', events });
  expect(res.status).toBe(201);
  return (await res.json()).webhook.id as number;
};
const change = async (s: TestSidecar, method: 'PUT' | 'DELETE', id: number, json?: unknown) => {
  expect((await admin(s, method, `/${id}`, json)).status).toBe(method === 'PUT' ? 200 : 204);
};

describe('active webhooks in memory: two instances with Redis', () => {
  const { ctx, nextBooking } = twoInstances({});

  it("an admin change on one instance is the other's very next booking's list; an unchanged list costs no MySQL read", async () => {
    const { a, b } = ctx;
    const reads = vi.spyOn(b.deps.repos.webhooks, 'active');
    expect(await nextBooking(b)).toEqual([]);
    expect(reads).toHaveBeenCalledTimes(1);

    const first = await create(a);
    expect(await nextBooking(b)).toEqual([first]);
    expect(reads).toHaveBeenCalledTimes(2);
    // Unchanged: from memory, however many bookings.
    for (let i = 0; i < 3; i++) expect(await nextBooking(b)).toEqual([first]);
    expect(reads).toHaveBeenCalledTimes(2);

    const second = await create(b, ['appointment.booked', 'appointment.cancelled']);
    expect(await nextBooking(a)).toEqual([first, second]);
    await change(a, 'PUT', first, { active: false });
    expect(await nextBooking(b)).toEqual([second]);
    await change(b, 'PUT', first, { active: true, events: ['appointment.cancelled'] });
    expect(await nextBooking(a)).toEqual([second]);
    await change(a, 'PUT', first, { events: ['appointment.booked'] });
    expect(await nextBooking(b)).toEqual([first, second]);
    await change(a, 'DELETE', second);
    expect(await nextBooking(b)).toEqual([first]);
    reads.mockRestore();
  });

  it('a change made while its instance could not reach Redis reaches the others once it can again', async () => {
    const { a, b, proxy } = ctx;
    const before = await nextBooking(b);
    expect(await nextBooking(a)).toEqual(before);

    proxy.cut();
    await vi.waitFor(() => expect(a.deps.guard.up).toBe(false), { timeout: 5_000, interval: 20 });
    const third = await create(a);
    // a knows at once; b still trusts its list (tagged with a generation nobody could bump) …
    expect(await nextBooking(a)).toEqual([...before, third]);
    expect(await nextBooking(b)).toEqual(before);

    // … until a's breaker closes and a announces the change.
    proxy.restore();
    await vi.waitFor(() => expect(a.deps.guard.up).toBe(true), { timeout: 10_000, interval: 20 });
    await vi.waitFor(async () => expect(await nextBooking(b)).toEqual([...before, third]), { timeout: 5_000, interval: 100 });
  });
});

describe('active webhooks in memory: two instances with REDIS_ENABLED=false', () => {
  const { ctx, nextBooking } = twoInstances({ REDIS_ENABLED: 'false' });

  it('the changing instance uses its change at once, the other within the catalogue bound (1 s)', async () => {
    const { a, b } = ctx;
    expect(await nextBooking(b)).toEqual([]);
    const hook = await create(a);
    expect(await nextBooking(a)).toEqual([hook]);
    await new Promise((r) => setTimeout(r, 1_050));
    expect(await nextBooking(b)).toEqual([hook]);

    await change(a, 'DELETE', hook);
    expect(await nextBooking(a)).toEqual([]);
    await new Promise((r) => setTimeout(r, 1_050));
    expect(await nextBooking(b)).toEqual([]);
  });
});

import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSidecarPair, type SidecarPair, type TestSidecar } from '../helpers/sidecar';
import { startPrivateRedis, type PrivateRedis } from '../helpers/services';
import { sleep, TestSocket, until, wsUrl } from '../helpers/ws-client';

const DAY = '2030-05-06';
const event = (over: Record<string, unknown> = {}) => ({
  type: 'slot_locked' as const,
  date: DAY,
  time: '09:00',
  times: ['09:00'],
  employeeId: 1,
  owner: '198.51.100.7',
  expiresAt: '2030-05-06T09:10:00.000Z',
  ...over,
});

async function subscribed(s: TestSidecar, employeeId = 1, date = DAY): Promise<TestSocket> {
  const t = await TestSocket.open(wsUrl(s.url));
  await t.request({ type: 'subscribe', date, employeeId }, (m) => m.type === 'subscribed');
  return t;
}

describe('fan-out across two instances through slot_updates (real Redis)', () => {
  let p: SidecarPair;
  const open: TestSocket[] = [];
  beforeAll(async () => {
    p = await startSidecarPair();
    // Both subscriber connections must be subscribed before anything is published.
    await p.subscribed();
  });
  afterEach(() => {
    for (const t of open.splice(0)) t.close();
  });
  afterAll(() => p?.stop());

  it('delivers an event made on one instance to subscribers on both, exactly once each', async () => {
    const onA = await subscribed(p.a);
    const onB = await subscribed(p.b);
    open.push(onA, onB);
    p.b.deps.hub.publish(event());
    const fromA = await onA.next((m) => m.type === 'slot_locked');
    const fromB = await onB.next((m) => m.type === 'slot_locked');
    expect(fromA).toEqual(fromB);
    expect(fromA).not.toHaveProperty('owner');

    p.a.deps.hub.publish(event({ type: 'slot_unlocked', reason: 'released' }));
    await onB.next((m) => m.type === 'slot_unlocked');
    await onA.next((m) => m.type === 'slot_unlocked');
    // Neither instance re-delivers its own message coming back from Redis.
    await sleep(300);
    expect(onA.count((m) => m.type.startsWith('slot_'))).toBe(2);
    expect(onB.count((m) => m.type.startsWith('slot_'))).toBe(2);
  });

  it("sends one turn's events as one message, delivered in order on the other instance", async () => {
    const onB = await subscribed(p.b, 1, '2030-05-07');
    open.push(onB);
    const channel = p.a.deps.keys.slotUpdatesChannel();
    const spy = new Redis(p.a.config.redis.url);
    const heard: string[] = [];
    spy.on('message', (_ch: string, m: string) => heard.push(m));
    await spy.subscribe(channel);
    try {
      const times = ['09:00', '09:30', '10:00'];
      // Same turn: one flush.
      for (const time of times) p.a.deps.hub.publish(event({ date: '2030-05-07', time, times: [time] }));
      for (const time of times) await onB.next((m) => m.type === 'slot_locked' && m.time === time);
      expect(onB.messages.filter((m) => m.type === 'slot_locked').map((m) => m.time)).toEqual(times);
      await until(() => heard.length > 0);
      await sleep(100);
      expect(heard).toHaveLength(1);
      expect(JSON.parse(heard[0]!).es.map((e: { time: string }) => e.time)).toEqual(times);
    } finally {
      spy.disconnect();
    }
  });

  it('feeds admin sockets on every instance, with owner, from changes made anywhere', async () => {
    const admin = await TestSocket.open(wsUrl(p.a.url));
    open.push(admin);
    await admin.request({ type: 'auth', token: p.a.adminToken() }, (m) => m.type === 'authenticated');
    p.b.deps.hub.publish(event({ date: '2030-06-01', employeeId: 44, serviceId: 3 }));
    const e = await admin.next((m) => m.type === 'slot_locked');
    expect(e).toMatchObject({ date: '2030-06-01', employeeId: 44, owner: '198.51.100.7', expiresAt: '2030-05-06T09:10:00.000Z', serviceId: 3 });
  });

  it("tells every instance's clients to refetch when an instance could not publish", async () => {
    const onA = await subscribed(p.a);
    const onB = await subscribed(p.b);
    open.push(onA, onB);
    // Cut only B's command connection; both subscriptions stay up.
    const id = await p.b.deps.redis!.client('ID');
    const killer = p.a.deps.redis!;
    await killer.client('KILL', 'ID', String(id));
    await until(() => p.b.deps.redis!.status !== 'ready');
    p.b.deps.hub.publish(event({ time: '16:00', times: ['16:00'] }));
    await onB.next((m) => m.type === 'slot_locked' && m.time === '16:00');
    // B reconnects by itself, then announces that its clients and everyone else's may have missed something.
    await onA.next((m) => m.type === 'refetch', 5_000);
    await onB.next((m) => m.type === 'refetch', 5_000);
    expect(onA.count((m) => m.type === 'slot_locked' && m.time === '16:00')).toBe(0);
  });

  it('ignores foreign or malformed messages on the channel', async () => {
    const onA = await subscribed(p.a);
    open.push(onA);
    const pub = p.b.deps.redis!;
    const channel = p.b.deps.keys.slotUpdatesChannel();
    await pub.publish(channel, 'not json');
    await pub.publish(channel, JSON.stringify({ i: 'x', e: { type: 'slot_exploded', date: DAY, employeeId: 1 } }));
    // A batch with one bad event is dropped whole: nothing of it is delivered.
    await pub.publish(channel, JSON.stringify({ i: 'x', es: [{ ...event({ time: '14:00', times: ['14:00'] }), ts: Date.now() }, { type: 'slot_exploded' }] }));
    await pub.publish(channel, JSON.stringify({ i: 'x', es: 'nope' }));
    await pub.publish(channel, JSON.stringify({ i: 'x', e: { ...event({ time: '15:00', times: ['15:00'] }), ts: Date.now() } }));
    const e = await onA.next((m) => m.type === 'slot_locked');
    expect(e.time).toBe('15:00');
    expect(onA.messages.map((m) => m.type)).toEqual(['hello', 'subscribed', 'slot_locked']);
    expect(p.a.deps.clientCount()).toBe(1);
  });
});

describe('without Redis (REDIS_ENABLED=false)', () => {
  let p: SidecarPair;
  beforeAll(async () => {
    p = await startSidecarPair({ REDIS_ENABLED: 'false' });
  });
  afterAll(() => p?.stop());

  it("still delivers to the changing instance's own clients; other instances need Redis to hear of it", async () => {
    expect(p.a.deps.bridge).toBeNull();
    const onA = await subscribed(p.a);
    const onB = await subscribed(p.b);
    p.a.deps.hub.publish(event());
    await onA.next((m) => m.type === 'slot_locked');
    await sleep(300);
    expect(onB.count((m) => m.type === 'slot_locked')).toBe(0);
    onA.close();
    onB.close();
  });
});

describe('subscriber reconnect after a Redis restart', () => {
  let redis: PrivateRedis;
  let p: SidecarPair;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    p = await startSidecarPair({ REDIS_URL: redis.url });
    await p.subscribed();
  });
  afterAll(async () => {
    await p?.stop();
    await redis?.stop();
  });

  it('resumes cross-instance delivery and tells connected clients to refetch', async () => {
    const onA = await subscribed(p.a);
    const onB = await subscribed(p.b);
    p.b.deps.hub.publish(event());
    await onA.next((m) => m.type === 'slot_locked');

    await redis.stop();
    await until(() => p.b.deps.guard.state === 'down' && !p.a.deps.bridge!.receiving);
    // During the outage: B's own clients still hear B's change; A's cannot.
    p.b.deps.hub.publish(event({ time: '10:00', times: ['10:00'] }));
    await onB.next((m) => m.type === 'slot_locked' && m.time === '10:00');

    await redis.start();
    // Both subscriptions come back: every connected client is told to reload availability.
    await onA.next((m) => m.type === 'refetch', 10_000);
    await onB.next((m) => m.type === 'refetch', 10_000);
    await until(() => p.b.deps.guard.state === 'up', 10_000);

    p.b.deps.hub.publish(event({ time: '11:00', times: ['11:00'] }));
    await onA.next((m) => m.type === 'slot_locked' && m.time === '11:00');
    expect(onA.count((m) => m.type === 'slot_locked' && m.time === '10:00')).toBe(0);
    onA.close();
    onB.close();
  });
});

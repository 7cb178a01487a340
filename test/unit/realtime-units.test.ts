import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/src/logger';
import { SlotEventHub, type SlotEvent } from '../../server/src/realtime/events';
import { ExpirySweeper, type ExpiredLock, type ExpiredLockSource } from '../../server/src/realtime/expiry-sweeper';
import { adminView, parseClientMessage, publicView } from '../../server/src/realtime/protocol';
import { SubscriptionIndex } from '../../server/src/realtime/subscriptions';

const logger = createLogger({ logLevel: 'silent' });

describe('SubscriptionIndex', () => {
  it('indexes both ways, caps per socket, and forgets a socket completely', () => {
    const idx = new SubscriptionIndex<string>(2);
    expect(idx.add('s1', 'd:1')).toBe('added');
    expect(idx.add('s1', 'd:1')).toBe('exists');
    expect(idx.add('s1', 'd:2')).toBe('added');
    expect(idx.add('s1', 'd:3')).toBe('full');
    expect(idx.add('s2', 'd:1')).toBe('added');
    expect([...idx.subscribers('d:1')!]).toEqual(['s1', 's2']);
    idx.remove('s1', 'd:1');
    expect([...idx.subscribers('d:1')!]).toEqual(['s2']);
    expect(idx.add('s1', 'd:3')).toBe('added');
    idx.removeAll('s1');
    idx.removeAll('s2');
    expect(idx.dayCount).toBe(0);
    expect(idx.countOf('s1')).toBe(0);
  });
});

describe('protocol', () => {
  it('accepts the three client messages and nothing else', () => {
    expect(parseClientMessage('{"type":"subscribe","date":"2024-02-29","employeeId":3}')).toEqual({ type: 'subscribe', date: '2024-02-29', employeeId: 3 });
    expect(parseClientMessage('{"type":"unsubscribe","date":"2024-02-29","employeeId":3,"extra":1}')).toEqual({
      type: 'unsubscribe',
      date: '2024-02-29',
      employeeId: 3,
    });
    expect(parseClientMessage('{"type":"auth","token":"abc"}')).toEqual({ type: 'auth', token: 'abc' });
    for (const bad of ['', '[]', '{"type":"subscribe","date":"2023-02-29","employeeId":3}', '{"type":"subscribe","date":"2024-02-29","employeeId":1e20}', '{"type":"__proto__"}']) {
      expect(parseClientMessage(bad)).toBeUndefined();
    }
  });

  it('keeps owner, expiry and service out of the public view only', () => {
    const e: SlotEvent = { type: 'slot_locked', date: 'd', time: '09:00', times: ['09:00'], employeeId: 1, ts: 5, owner: 'ip', expiresAt: 'x', serviceId: 2 };
    expect(publicView(e)).toEqual({ type: 'slot_locked', date: 'd', time: '09:00', times: ['09:00'], employeeId: 1, ts: 5 });
    expect(adminView(e)).toEqual({ ...publicView(e), owner: 'ip', expiresAt: 'x', serviceId: 2 });
  });
});

describe('ExpirySweeper', () => {
  const lock = (time: string): ExpiredLock => ({ date: '2030-01-01', time, times: [time], employeeId: 1, owner: 'ip', expiresAt: 'x' });

  it('publishes one slot_unlocked/expired per taken lock, from every source, as a local event', async () => {
    const hub = new SlotEventHub();
    const local: SlotEvent[] = [];
    hub.onLocal((e) => local.push(e));
    let pending = [lock('09:00'), lock('10:00')];
    const redisSource: ExpiredLockSource = { takeExpired: async () => pending.splice(0) };
    const mysqlSource: ExpiredLockSource = { takeExpired: async () => [lock('11:00')] };
    const sweeper = new ExpirySweeper([redisSource, mysqlSource], hub, logger, 1000);
    await sweeper.sweep();
    expect(local.map((e) => [e.type, e.reason, e.time])).toEqual([
      ['slot_unlocked', 'expired', '09:00'],
      ['slot_unlocked', 'expired', '10:00'],
      ['slot_unlocked', 'expired', '11:00'],
    ]);
    expect(local[0]).toMatchObject({ owner: 'ip', expiresAt: 'x', employeeId: 1 });
    pending = [];
    await sweeper.close();
  });

  it('does not overlap passes and survives a failing source', async () => {
    const hub = new SlotEventHub();
    let calls = 0;
    let release!: () => void;
    const slow: ExpiredLockSource = {
      takeExpired: () => {
        calls += 1;
        return new Promise((resolve) => (release = () => resolve([lock('09:00')])));
      },
    };
    const failing: ExpiredLockSource = { takeExpired: async () => Promise.reject(new Error('down')) };
    const events: SlotEvent[] = [];
    hub.onEvent((e) => events.push(e));
    const sweeper = new ExpirySweeper([failing, slow], hub, logger, 1000);
    const first = sweeper.sweep();
    const second = sweeper.sweep();
    await new Promise((r) => setImmediate(r));
    release();
    await Promise.all([first, second]);
    expect(calls).toBe(1);
    expect(events).toHaveLength(1);
    await sweeper.close();
  });
});

describe('ExpirySweeper with a time locked again before the sweep', () => {
  it('announces the expiry once, then the new holder of those times', async () => {
    const hub = new SlotEventHub();
    const events: SlotEvent[] = [];
    hub.onEvent((e) => events.push(e));
    const old: ExpiredLock = { date: '2030-01-01', time: '09:00', times: ['09:00', '09:30'], employeeId: 1, owner: 'a' };
    const relock: ExpiredLock = { date: '2030-01-01', time: '09:30', times: ['09:30', '10:00'], employeeId: 1, owner: 'b', expiresAt: 'later' };
    const elsewhere: ExpiredLock = { date: '2030-01-01', time: '15:00', times: ['15:00'], employeeId: 1, owner: 'c' };
    let pending = [old];
    const source: ExpiredLockSource = { takeExpired: async () => pending.splice(0), liveLocks: async () => [relock, elsewhere] };
    const sweeper = new ExpirySweeper([source], hub, logger, 1000);
    await sweeper.sweep();
    await sweeper.sweep();
    expect(events.map((e) => [e.type, e.reason, e.time, e.owner])).toEqual([
      ['slot_unlocked', 'expired', '09:00', 'a'],
      ['slot_locked', undefined, '09:30', 'b'],
    ]);
    pending = [];
    await sweeper.close();
  });
});

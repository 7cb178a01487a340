import { describe, expect, it } from 'vitest';
import { LiveConnection, type LiveDeps } from '../src/live';
import type { SlotEvent } from '../src/types';
import { FakeSocket } from './fake-sidecar';

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const deps: LiveDeps = {
    createSocket: (url) => { const s = new FakeSocket(url); sockets.push(s); return s; },
    setTimeout: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
    clearTimeout: () => {},
    random: () => 0.5,
  };
  const events: SlotEvent[] = [];
  const statuses: string[] = [];
  const subscribed: string[] = [];
  const live = new LiveConnection('ws://h/appointease/v1/ws', {
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    onSubscribed: (k) => subscribed.push(`${k.date}|${k.employeeId}`),
  }, deps);
  return { live, sockets, timers, events, statuses, subscribed };
}

describe('LiveConnection', () => {
  it('subscribes wanted days when the socket opens, then only sends differences', () => {
    const { live, sockets, statuses } = setup();
    live.start();
    live.setSubscriptions([{ date: '2025-10-28', employeeId: 2 }]);
    const ws = sockets[0]!;
    expect(ws.sent).toEqual([]); // not open yet
    ws.open();
    expect(statuses).toEqual(['up']);
    expect(ws.sent).toEqual([{ type: 'subscribe', date: '2025-10-28', employeeId: 2 }]);
    live.setSubscriptions([{ date: '2025-10-28', employeeId: 2 }, { date: '2025-10-28', employeeId: 3 }]);
    live.setSubscriptions([{ date: '2025-10-28', employeeId: 3 }]);
    expect(ws.sent.slice(1)).toEqual([
      { type: 'subscribe', date: '2025-10-28', employeeId: 3 },
      { type: 'unsubscribe', date: '2025-10-28', employeeId: 2 },
    ]);
  });

  it('passes on slot events and confirmations for watched days only', () => {
    const { live, sockets, events, subscribed } = setup();
    live.start();
    live.setSubscriptions([{ date: '2025-10-28', employeeId: 2 }]);
    const ws = sockets[0]!;
    ws.open();
    ws.receive({ type: 'hello', serverTime: 1 });
    ws.receive({ type: 'subscribed', date: '2025-10-28', employeeId: 2 });
    ws.receive({ type: 'slot_locked', date: '2025-10-28', time: '09:00', times: ['09:00'], employeeId: 2, ts: 1 });
    ws.receive({ type: 'slot_locked', date: '2025-10-29', time: '09:00', times: ['09:00'], employeeId: 2, ts: 1 });
    ws.onmessage?.({ data: 'not json' });
    expect(subscribed).toEqual(['2025-10-28|2']);
    expect(events.map((e) => [e.type, e.date])).toEqual([['slot_locked', '2025-10-28']]);
  });

  it('a refetch hint reloads every watched day', () => {
    const { live, sockets, subscribed } = setup();
    live.start();
    live.setSubscriptions([{ date: '2025-10-28', employeeId: 2 }, { date: '2025-10-28', employeeId: 3 }]);
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'refetch' });
    expect(subscribed.sort()).toEqual(['2025-10-28|2', '2025-10-28|3']);
  });

  it('reconnects with growing backoff and resubscribes', () => {
    const { live, sockets, timers, statuses } = setup();
    live.start();
    live.setSubscriptions([{ date: '2025-10-28', employeeId: 2 }]);
    sockets[0]!.open();
    sockets[0]!.drop();
    expect(statuses).toEqual(['up', 'down']);
    expect(timers).toHaveLength(1);
    timers[0]!.fn();
    sockets[1]!.drop(); // refused again
    expect(timers[1]!.ms).toBeGreaterThan(timers[0]!.ms);
    timers[1]!.fn();
    sockets[2]!.open();
    expect(statuses).toEqual(['up', 'down', 'up']);
    expect(sockets[2]!.sent).toEqual([{ type: 'subscribe', date: '2025-10-28', employeeId: 2 }]);
    // A successful connection resets the backoff.
    sockets[2]!.drop();
    expect(timers[2]!.ms).toBe(timers[0]!.ms);
  });

  it('stop closes the socket and never reconnects', () => {
    const { live, sockets, timers } = setup();
    live.start();
    sockets[0]!.open();
    live.stop();
    expect(sockets[0]!.closed).toBe(true);
    sockets[0]!.onclose?.({});
    expect(timers).toHaveLength(0);
  });

  it('a socket that cannot even be created counts as down and is retried', () => {
    const { timers, statuses } = setup();
    const bad = new LiveConnection('ws://h', { onEvent() {}, onStatus: (s) => statuses.push(s), onSubscribed() {} }, {
      createSocket: () => { throw new Error('blocked'); },
      setTimeout: (fn, ms) => { timers.push({ fn, ms }); return 1; },
      clearTimeout() {},
      random: () => 0,
    });
    bad.start();
    expect(statuses).toEqual(['down']);
    expect(timers).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { applyEvent, firstFreeDay, mergeSlots, slotChanges, sumMonths, toMinutes } from '../src/slots';
import type { Slot, SlotEvent } from '../src/types';

const day = (times: [string, Slot['status']][]): Slot[] =>
  times.map(([time, status]) => ({ time, status, start: `2025-10-28T${time}:00.000Z` }));

const ev = (type: SlotEvent['type'], time: string, times: string[]): SlotEvent => ({
  type, date: '2025-10-28', time, times, employeeId: 2, ts: 0,
});

// 60-minute service on a 30-minute grid, no buffers.
const geo = { slotInterval: 30, duration: 60, bufferBefore: 0, bufferAfter: 0 };

describe('applyEvent', () => {
  const slots = day([['08:00', 'available'], ['08:30', 'available'], ['09:00', 'available'], ['09:30', 'available'], ['10:00', 'available'], ['10:30', 'available']]);

  it('marks the locked cells locked and the overlapping neighbour unavailable', () => {
    const out = applyEvent(slots, ev('slot_locked', '09:00', ['09:00', '09:30']), geo);
    expect(out.map((s) => s.status)).toEqual(['available', 'unavailable', 'locked', 'locked', 'available', 'available']);
  });

  it('marks a booking as booked', () => {
    const out = applyEvent(slots, ev('slot_booked', '10:00', ['10:00', '10:30']), geo);
    expect(out.find((s) => s.time === '10:00')!.status).toBe('booked');
    expect(out.find((s) => s.time === '09:30')!.status).toBe('unavailable');
    expect(out.find((s) => s.time === '09:00')!.status).toBe('available');
  });

  it('counts the service buffers when finding neighbours', () => {
    const buffered = { ...geo, duration: 30, bufferAfter: 30 };
    const out = applyEvent(slots, ev('slot_locked', '10:00', ['10:00']), buffered);
    expect(out.find((s) => s.time === '09:30')!.status).toBe('unavailable');
    expect(out.find((s) => s.time === '09:00')!.status).toBe('available');
  });

  it('falls back to the start time when the event lists no cells', () => {
    const out = applyEvent(slots, { ...ev('slot_locked', '08:00', []) }, { ...geo, duration: 30 });
    expect(out[0]!.status).toBe('locked');
    expect(out[1]!.status).toBe('available');
  });

  it('leaves releases to the refetch (another lock may still cover a neighbour)', () => {
    const locked = applyEvent(slots, ev('slot_locked', '09:00', ['09:00', '09:30']), geo);
    expect(applyEvent(locked, ev('slot_unlocked', '09:00', ['09:00', '09:30']), geo)).toBe(locked);
    expect(applyEvent(locked, ev('slot_released', '09:00', ['09:00', '09:30']), geo)).toBe(locked);
  });

  it('does not turn a booked time into locked', () => {
    const booked = day([['09:00', 'booked']]);
    expect(applyEvent(booked, ev('slot_locked', '09:00', ['09:00']), geo)[0]!.status).toBe('booked');
  });
});

describe('mergeSlots (any available)', () => {
  it('a time is free when anyone is free, and lists who', () => {
    const merged = mergeSlots([
      { employeeId: 1, slots: day([['09:00', 'locked'], ['09:30', 'available']]) },
      { employeeId: 2, slots: day([['09:00', 'available'], ['09:30', 'available'], ['08:30', 'booked']]) },
    ]);
    expect(merged.map((s) => [s.time, s.status, s.employees])).toEqual([
      ['08:30', 'booked', []],
      ['09:00', 'available', [2]],
      ['09:30', 'available', [1, 2]],
    ]);
  });

  it('shows held before booked when nobody is free', () => {
    const merged = mergeSlots([
      { employeeId: 1, slots: day([['09:00', 'booked']]) },
      { employeeId: 2, slots: day([['09:00', 'locked']]) },
    ]);
    expect(merged[0]!.status).toBe('locked');
  });
});

describe('slotChanges', () => {
  it('reports times that became taken and times that came back', () => {
    const before = day([['09:00', 'available'], ['09:30', 'locked'], ['10:00', 'available']]);
    const after = day([['09:00', 'locked'], ['09:30', 'available'], ['10:00', 'available']]);
    expect(slotChanges(before, after)).toEqual({ gone: ['09:00'], back: ['09:30'] });
  });
  it('ignores times that were not shown before', () => {
    expect(slotChanges([], day([['09:00', 'available']]))).toEqual({ gone: [], back: [] });
  });
});

describe('month helpers', () => {
  it('firstFreeDay skips past and full days', () => {
    const days = [
      { date: '2025-10-01', available: 5 },
      { date: '2025-10-03', available: 0 },
      { date: '2025-10-05', available: 2 },
      { date: '2025-10-04', available: 1 },
    ];
    expect(firstFreeDay(days, '2025-10-02')).toBe('2025-10-04');
    expect(firstFreeDay(days, '2025-10-06')).toBeNull();
  });
  it('sumMonths adds employees day by day', () => {
    expect(
      sumMonths([
        [{ date: '2025-10-02', available: 1 }, { date: '2025-10-01', available: 0 }],
        [{ date: '2025-10-01', available: 3 }],
      ]),
    ).toEqual([{ date: '2025-10-01', available: 3 }, { date: '2025-10-02', available: 1 }]);
  });
  it('toMinutes', () => expect(toMinutes('09:30')).toBe(570));
});

import { describe, expect, it } from 'vitest';
import { availabilityOf, candidatesFor, type BookingRules, type DayPlan } from '../../server/src/domain/slot-grid';
import { localDateTimeInstant } from '../../server/src/domain/time';

const rules = (timezone: string, extra: Partial<BookingRules> = {}): BookingRules => ({
  timezone,
  slotInterval: 30,
  minNoticeMinutes: 0,
  maxAdvanceDays: 5000,
  ...extra,
});
const plan = (date: string, windows: [string, string][], busy: DayPlan['busy'] = []): DayPlan => ({
  date,
  employeeId: 1,
  windows: windows.map(([start, end]) => ({ start, end })),
  busy,
});
const hour = { duration: 60, bufferBefore: 0, bufferAfter: 0 };
const NOW = Date.parse('2020-01-01T00:00:00Z');

describe('slot grid', () => {
  it('lists grid starts where the whole service plus buffers fits, per window', () => {
    const day = availabilityOf(plan('2030-06-03', [['09:00', '12:00'], ['13:00', '15:00']]), { duration: 60, bufferBefore: 0, bufferAfter: 15 }, rules('UTC'), NOW);
    expect(day.slots.map((s) => s.time)).toEqual(['09:00', '09:30', '10:00', '10:30', '13:00', '13:30']);
    expect(day.slots.every((s) => s.status === 'available')).toBe(true);
  });

  it('refuses a service longer than the window', () => {
    expect(candidatesFor(plan('2030-06-03', [['09:00', '09:45']]), hour, rules('UTC'))).toEqual([]);
  });

  it('marks the booked start booked and neighbours blocked by buffers unavailable', () => {
    const start = Date.parse('2030-06-03T10:00:00Z');
    const busy = [{ start, end: start + 3600_000, from: start - 15 * 60_000, to: start + 3600_000 + 15 * 60_000 }];
    const day = availabilityOf(plan('2030-06-03', [['09:00', '13:00']], busy), hour, rules('UTC'), NOW);
    const status = Object.fromEntries(day.slots.map((s) => [s.time, s.status]));
    // 09:00 would run to 10:00, into the 09:45 buffer; 11:00 starts inside the 11:15 buffer.
    expect(status).toMatchObject({ '09:00': 'unavailable', '09:30': 'unavailable', '10:00': 'booked', '10:30': 'booked', '11:00': 'unavailable', '11:30': 'available' });
    expect(day.unavailable).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00']);
  });

  it('overlays locks: the held start is locked, starts that would cover it are unavailable', () => {
    const day = availabilityOf(plan('2030-06-03', [['09:00', '12:00']]), hour, rules('UTC'), NOW, new Set(['10:00']));
    const status = Object.fromEntries(day.slots.map((s) => [s.time, s.status]));
    expect(status).toMatchObject({ '09:00': 'available', '09:30': 'unavailable', '10:00': 'locked', '10:30': 'available' });
  });

  it('covers every cell of duration plus buffers (the lock keys)', () => {
    const [c] = candidatesFor(plan('2030-06-03', [['09:00', '12:00']]), { duration: 45, bufferBefore: 0, bufferAfter: 20 }, rules('UTC'));
    expect(c!.cells).toEqual(['09:00', '09:30', '10:00']);
  });

  it('applies minimum notice and refuses past days and days beyond the advance limit', () => {
    const now = Date.parse('2030-06-03T09:40:00Z');
    const r = rules('UTC', { minNoticeMinutes: 60, maxAdvanceDays: 10 });
    const today = availabilityOf(plan('2030-06-03', [['09:00', '13:00']]), hour, r, now);
    expect(today.slots.filter((s) => s.status === 'available').map((s) => s.time)).toEqual(['11:00', '11:30', '12:00']);
    expect(availabilityOf(plan('2030-06-02', [['09:00', '13:00']]), hour, r, now)).toEqual({ slots: [], unavailable: [], reason: 'past_date' });
    expect(availabilityOf(plan('2030-06-14', [['09:00', '13:00']]), hour, r, now).reason).toBe('too_far_advance');
    expect(availabilityOf(plan('2030-06-13', [['09:00', '13:00']]), hour, r, now).reason).toBeUndefined();
    expect(availabilityOf(plan('2030-06-04', []), hour, r, now).reason).toBe('non_working_day');
  });
});

describe('slot grid across DST changes', () => {
  const night: [string, string][] = [['00:00', '06:00']];

  it('Europe/Berlin spring forward (2027-03-28): no 02:xx starts, real durations', () => {
    const day = availabilityOf(plan('2027-03-28', night), hour, rules('Europe/Berlin'), NOW);
    const times = day.slots.map((s) => s.time);
    expect(times).not.toContain('02:00');
    expect(times).not.toContain('02:30');
    // 01:30 CET + 60 real minutes = 03:30 CEST, inside the window; 05:00 CEST + 60 = 06:00 fits, 05:30 does not.
    expect(times).toEqual(['00:00', '00:30', '01:00', '01:30', '03:00', '03:30', '04:00', '04:30', '05:00']);
    expect(day.slots.find((s) => s.time === '01:30')!.start).toBe('2027-03-28T00:30:00.000Z');
    expect(day.slots.find((s) => s.time === '03:00')!.start).toBe('2027-03-28T01:00:00.000Z');
  });

  it('Europe/Berlin fall back (2027-10-31): each wall time once, the longer night fits more', () => {
    const day = availabilityOf(plan('2027-10-31', night), hour, rules('Europe/Berlin'), NOW);
    const times = day.slots.map((s) => s.time);
    expect(times).toEqual(['00:00', '00:30', '01:00', '01:30', '02:00', '02:30', '03:00', '03:30', '04:00', '04:30', '05:00']);
    expect(new Set(times).size).toBe(times.length);
    // The repeated hour is listed once, as its standard-time (CET) occurrence.
    expect(day.slots.find((s) => s.time === '01:30')!.start).toBe('2027-10-30T23:30:00.000Z'); // CEST
    expect(day.slots.find((s) => s.time === '02:00')!.start).toBe('2027-10-31T01:00:00.000Z'); // CET
    expect(day.slots.find((s) => s.time === '03:00')!.start).toBe('2027-10-31T02:00:00.000Z'); // CET
  });

  it('America/New_York spring forward (2027-03-14) and fall back (2027-11-07)', () => {
    const spring = availabilityOf(plan('2027-03-14', night), hour, rules('America/New_York'), NOW);
    expect(spring.slots.map((s) => s.time)).not.toContain('02:00');
    expect(spring.slots.find((s) => s.time === '03:00')!.start).toBe('2027-03-14T07:00:00.000Z');
    expect(spring.slots.find((s) => s.time === '01:00')!.start).toBe('2027-03-14T06:00:00.000Z');
    const fall = availabilityOf(plan('2027-11-07', night), hour, rules('America/New_York'), NOW);
    expect(fall.slots.find((s) => s.time === '00:30')!.start).toBe('2027-11-07T04:30:00.000Z'); // EDT
    expect(fall.slots.find((s) => s.time === '01:00')!.start).toBe('2027-11-07T06:00:00.000Z'); // repeated hour: EST occurrence
    expect(fall.slots.find((s) => s.time === '02:00')!.start).toBe('2027-11-07T07:00:00.000Z'); // EST
  });

  it('an appointment stored in local time blocks the right instants on a DST day', () => {
    const zone = 'Europe/Berlin';
    const start = localDateTimeInstant('2027-03-28 01:30:00', zone);
    const busy = [{ start, end: start + 3600_000, from: start, to: start + 3600_000 }];
    const day = availabilityOf(plan('2027-03-28', night, busy), hour, rules(zone), NOW);
    const status = Object.fromEntries(day.slots.map((s) => [s.time, s.status]));
    // 01:30 CET + 1 h ends 03:30 CEST: 03:00 is taken, 03:30 is free.
    expect(status).toMatchObject({ '01:00': 'unavailable', '01:30': 'booked', '03:00': 'booked', '03:30': 'available' });
  });
});

import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { candidatesFor } from '../../server/src/domain/slot-grid';
import { addDays, isoUtc, localDateTimeInstant, localInstant, localInstantLenient, timeOf, todayIn } from '../../server/src/domain/time';
import { weekdayOf } from '../../server/src/domain/weekdays';

/** The hot-path shortcuts (offset memo, plain date arithmetic, memoised grid) must agree with luxon everywhere. */
describe('hot-path time helpers agree with luxon', () => {
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago', 'Asia/Kolkata', 'UTC+5:30'];

  it('localDateTimeInstant over a year of wall times, DST gaps and overlaps included', () => {
    const mismatches: string[] = [];
    for (const zone of zones) {
      for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2026, 0, 1); t += 97 * 60_000 + 7_000) {
        const v = DateTime.fromMillis(t, { zone: 'UTC' }).toFormat('yyyy-LL-dd HH:mm:ss');
        const want = DateTime.fromSQL(v, { zone }).toMillis();
        if (localDateTimeInstant(v, zone) !== want) mismatches.push(`${zone} ${v}`);
      }
      // Every minute of the transition days, where a memoised offset could go wrong.
      for (const day of ['2025-03-30', '2025-10-26', '2025-03-09', '2025-11-02', '2025-04-06', '2025-10-05', '2025-09-07']) {
        for (let m = 0; m < 24 * 60; m += 7) {
          const v = `${day} ${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:30`;
          if (localDateTimeInstant(v, zone) !== DateTime.fromSQL(v, { zone }).toMillis()) mismatches.push(`${zone} ${v}`);
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('localInstant and localInstantLenient (a day of steady offset is arithmetic) over a year, transition days minute by minute', () => {
    // What they were before the steady-offset shortcut: luxon for every wall time.
    const exact = (date: string, m: number, zone: string) => {
      const dt = DateTime.fromISO(`${date}T${timeOf(m)}`, { zone });
      if (!dt.isValid || dt.hour * 60 + dt.minute !== m || dt.toISODate() !== date) return null;
      return dt.toMillis();
    };
    const lenient = (date: string, m: number, zone: string) => DateTime.fromISO(`${date}T${timeOf(m)}`, { zone }).toMillis();
    const mismatches: string[] = [];
    const transitions = ['2025-03-30', '2025-10-26', '2025-03-09', '2025-11-02', '2025-04-06', '2025-10-05', '2025-09-07', '2025-04-05', '2025-09-06', '2025-09-28'];
    for (const zone of zones) {
      for (let d = '2025-01-01'; d < '2026-01-01'; d = addDays(d, 1)) {
        const step = transitions.includes(d) ? 1 : 97;
        for (let m = 0; m < 24 * 60; m += step) {
          if (localInstant(d, m, zone) !== exact(d, m, zone)) mismatches.push(`${zone} ${d} ${timeOf(m)}`);
          if (localInstantLenient(d, m, zone) !== lenient(d, m, zone)) mismatches.push(`lenient ${zone} ${d} ${timeOf(m)}`);
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('localDateTimeInstant keeps luxon\'s answer for values it does not parse itself', () => {
    expect(localDateTimeInstant('0000-00-00 00:00:00', 'UTC')).toBeNaN();
    expect(localDateTimeInstant('2025-02-30 10:00:00', 'Europe/Berlin')).toBeNaN();
    expect(localDateTimeInstant('2025-01-01 10:00:00.5', 'UTC')).toBe(Date.UTC(2025, 0, 1, 10, 0, 0, 500));
  });

  it('addDays and weekdayOf across months, leap years and years', () => {
    for (let d = '2023-12-20'; d < '2025-03-10'; d = addDays(d, 1)) {
      const lx = DateTime.fromISO(d, { zone: 'UTC' });
      expect(addDays(d, 40)).toBe(lx.plus({ days: 40 }).toISODate());
      expect(addDays(d, -400)).toBe(lx.minus({ days: 400 }).toISODate());
      expect(weekdayOf(d)).toBe(lx.weekday % 7);
    }
  });

  it('todayIn follows the local midnight of each zone', () => {
    const midnight = DateTime.fromISO('2025-06-10T00:00:00', { zone: 'Asia/Tokyo' }).toMillis();
    expect(todayIn('Asia/Tokyo', midnight - 1)).toBe('2025-06-09');
    expect(todayIn('Asia/Tokyo', midnight)).toBe('2025-06-10');
    expect(todayIn('America/New_York', midnight)).toBe('2025-06-09');
    expect(todayIn('Asia/Tokyo', midnight - 1)).toBe('2025-06-09');
  });

  it('the memoised grid is keyed by everything it depends on, and cannot be altered by a caller', () => {
    const svc = { duration: 60, bufferBefore: 0, bufferAfter: 0 };
    const rules = { timezone: 'Europe/Berlin', slotInterval: 30 };
    const a = candidatesFor({ date: '2025-03-30', windows: [{ start: '01:00', end: '04:00' }] }, svc, rules);
    expect(a.map((c) => c.time)).toEqual(['01:00', '01:30', '03:00']);
    expect(candidatesFor({ date: '2025-03-31', windows: [{ start: '01:00', end: '04:00' }] }, svc, rules)).toHaveLength(5);
    expect(candidatesFor({ date: '2025-03-30', windows: [{ start: '01:00', end: '04:00' }] }, { ...svc, bufferAfter: 30 }, rules).map((c) => c.time)).toEqual(['01:00', '01:30']);
    expect(candidatesFor({ date: '2025-03-30', windows: [{ start: '01:00', end: '04:00' }] }, svc, { ...rules, timezone: 'UTC' })).toHaveLength(5);
    expect(candidatesFor({ date: '2025-03-30', windows: [{ start: '01:00', end: '04:00' }] }, svc, rules)).toBe(a);
    expect(() => (a as any).push(a[0])).toThrow();
  });

  it('isoUtc writes exactly what Date#toISOString writes', () => {
    const mismatches: number[] = [];
    const check = (t: number) => {
      if (isoUtc(t) !== new Date(t).toISOString()) mismatches.push(t);
    };
    // Every millisecond pattern within a few minutes, then a spread over centuries, then the edges.
    const base = Date.UTC(2026, 10, 25, 9, 59);
    for (let t = base; t < base + 180_000; t += 37) check(t);
    for (let t = 0; t < 253_402_300_799_999; t += 7_919_999_989) check(t);
    for (const t of [0, 1, 999, 1000, 59_999, 60_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), 253_402_300_799_999]) check(t);
    expect(mismatches.slice(0, 5)).toEqual([]);
    // Outside the fast range it is toISOString itself.
    for (const t of [-1, -62_198_755_200_000, 253_402_300_800_000, 1.5]) expect(isoUtc(t)).toBe(new Date(t).toISOString());
    expect(() => isoUtc(Number.NaN)).toThrow(RangeError);
  });
});

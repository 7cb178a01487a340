import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { wallClockInstant } from '../../server/src/calendar/wall-clock';

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Sao_Paulo', 'Pacific/Chatham', 'UTC', 'UTC+3'];

describe('wallClockInstant', () => {
  it('reads an instant\'s own wall clock back as that instant (the earlier one where the wall time happens twice)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2060-01-01T00:00:00Z'), noInvalidDate: true }),
        (zone, date) => {
          const t = Math.floor(date.getTime() / 1000) * 1000;
          const wall = DateTime.fromMillis(t, { zone });
          const back = wallClockInstant(zone, wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second);
          if (back !== t) {
            expect(back).toBeLessThan(t);
            expect(DateTime.fromMillis(back, { zone }).toFormat('yyyy-LL-dd HH:mm:ss')).toBe(wall.toFormat('yyyy-LL-dd HH:mm:ss'));
          }
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('a wall time that happens twice is the earlier instant; one that does not exist moves forward by the gap', () => {
    // Berlin, 26 Oct 2025: 02:30 happens at 00:30Z (CEST) and 01:30Z (CET).
    expect(new Date(wallClockInstant('Europe/Berlin', 2025, 10, 26, 2, 30)).toISOString()).toBe('2025-10-26T00:30:00.000Z');
    // Berlin, 30 Mar 2025: 02:30 does not exist; read as 03:30 CEST.
    expect(new Date(wallClockInstant('Europe/Berlin', 2025, 3, 30, 2, 30)).toISOString()).toBe('2025-03-30T01:30:00.000Z');
    // Lord Howe changes by 30 minutes.
    // Lord Howe moves by half an hour (02:00 → 02:30 on 5 Oct 2025): 02:15 is read at +10:30.
    expect(new Date(wallClockInstant('Australia/Lord_Howe', 2025, 10, 5, 2, 15)).toISOString()).toBe('2025-10-04T15:45:00.000Z');
  });

  it('midnight that a change skips is the first instant of the day', () => {
    // Santiago springs forward at 00:00 (to 01:00) on 7 Sep 2025.
    expect(wallClockInstant('America/Santiago', 2025, 9, 7)).toBe(DateTime.fromObject({ year: 2025, month: 9, day: 7 }, { zone: 'America/Santiago' }).startOf('day').toMillis());
  });

  it('refuses a zone that does not exist', () => {
    expect(() => wallClockInstant('Nowhere/Atlantis', 2025, 1, 1)).toThrow(RangeError);
  });
});

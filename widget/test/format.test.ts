import { describe, expect, it } from 'vitest';
import {
  addDays, addMonths, clockIn, formatCountdown, formatDay, monthCells, todayIn, visitorTime, weekdayNames,
} from '../src/format';

describe('format', () => {
  it('today is decided by the business zone', () => {
    const now = new Date('2025-10-28T23:30:00Z');
    expect(todayIn('UTC', now)).toBe('2025-10-28');
    expect(todayIn('Europe/Berlin', now)).toBe('2025-10-29');
    expect(todayIn('America/New_York', now)).toBe('2025-10-28');
  });

  it('clockIn shows an instant on a zone’s 24 h clock', () => {
    expect(clockIn('2025-10-28T08:00:00Z', 'Europe/Berlin')).toBe('09:00');
    expect(clockIn('2025-07-28T08:00:00Z', 'Europe/Berlin')).toBe('10:00');
    expect(clockIn('2025-10-28T00:05:00Z', 'UTC')).toBe('00:05');
  });

  it('visitorTime is null when the clocks agree, the visitor clock otherwise', () => {
    const slot = { time: '09:00', start: '2025-10-28T08:00:00Z' };
    expect(visitorTime(slot, 'Europe/Paris')).toBeNull();
    expect(visitorTime(slot, 'Europe/London')).toBe('08:00');
    expect(visitorTime({ time: '09:00', start: '' }, 'UTC')).toBeNull();
  });

  it('monthCells pads to whole weeks from the locale’s first weekday', () => {
    // October 2025 starts on a Wednesday.
    const mon = monthCells('2025-10', 1);
    expect(mon.slice(0, 3)).toEqual([null, null, '2025-10-01']);
    expect(mon.length % 7).toBe(0);
    expect(mon.filter(Boolean)).toHaveLength(31);
    const sun = monthCells('2025-10', 0);
    expect(sun.indexOf('2025-10-01')).toBe(3);
    expect(monthCells('2024-02', 1).filter(Boolean)).toHaveLength(29);
  });

  it('calendar arithmetic does not drift over month ends', () => {
    expect(addMonths('2025-12', 1)).toBe('2026-01');
    expect(addMonths('2025-01', -1)).toBe('2024-12');
    expect(addDays('2025-10-31', 1)).toBe('2025-11-01');
    expect(addDays('2025-03-29', 2)).toBe('2025-03-31');
  });

  it('formats days and weekday names in the visitor’s language', () => {
    expect(formatDay('2025-10-28', 'en')).toBe('Tuesday, October 28, 2025');
    expect(formatDay('2025-10-28', 'de-DE')).toBe('Dienstag, 28. Oktober 2025');
    expect(weekdayNames('de', 1)[0]!.long).toBe('Montag');
    expect(weekdayNames('en', 0)[0]!.long).toBe('Sunday');
  });

  it('countdown', () => {
    expect(formatCountdown(600_000)).toBe('10:00');
    expect(formatCountdown(61_500)).toBe('1:02');
    expect(formatCountdown(-5)).toBe('0:00');
  });
});

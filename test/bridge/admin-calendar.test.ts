// The admin calendar's arithmetic (wp-bridge/admin-src/src/calendar/layout.ts): weeks from
// WordPress's start_of_week, today in the business zone, the hours axis, overlapping lanes.
import { describe, expect, it } from 'vitest';
import { addDays, clock, hoursAxis, lanes, minutesIn, todayIn, toMinutes, weekOf, workingSpans } from '../../wp-bridge/admin-src/src/calendar/layout.js';

describe('calendar layout', () => {
  it('a week starts on WordPress’s start_of_week, across months and years', () => {
    // 2026-12-31 is a Thursday.
    expect(weekOf('2026-12-31', 1)).toEqual(['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03']);
    expect(weekOf('2026-12-31', 0)[0]).toBe('2026-12-27');
    expect(weekOf('2026-12-27', 0)[0]).toBe('2026-12-27');
    expect(weekOf('2026-12-31', 6)[0]).toBe('2026-12-26');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });

  it('today and now are the business zone’s, not the browser’s', () => {
    const instant = new Date('2026-03-29T22:30:00Z');
    expect(todayIn('Europe/Berlin', instant)).toBe('2026-03-30');
    expect(todayIn('America/New_York', instant)).toBe('2026-03-29');
    // Berlin is on summer time that evening (UTC+2), New York since 8 March (UTC-4).
    expect(clock(minutesIn('Europe/Berlin', instant))).toBe('00:30');
    expect(clock(minutesIn('America/New_York', instant))).toBe('18:30');
  });

  it('the hours axis covers working hours and every block, on whole hours, 08–18 when empty', () => {
    expect(hoursAxis([])).toEqual({ start: 480, end: 1080 });
    expect(hoursAxis([{ start: toMinutes('09:30'), end: toMinutes('12:15') }, { start: toMinutes('13:00'), end: toMinutes('17:00') }])).toEqual({ start: 540, end: 1020 });
    expect(hoursAxis([{ start: toMinutes('23:30'), end: 24 * 60 }])).toEqual({ start: 1380, end: 1440 });
  });

  it('working windows come from the staff member’s hours for that weekday', () => {
    const hours = { mon: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }] };
    expect(workingSpans(hours, '2026-12-07')).toEqual([{ start: 540, end: 720 }, { start: 780, end: 1020 }]);
    expect(workingSpans(hours, '2026-12-08')).toEqual([]);
  });

  it('overlapping blocks share their cluster’s width; others keep the whole column', () => {
    const a = { start: 540, end: 600 };
    const b = { start: 570, end: 630 };
    const c = { start: 600, end: 660 }; // starts when a ends: a's lane again
    const d = { start: 700, end: 730 }; // alone
    const placed = lanes([d, c, b, a]);
    expect(placed.get(a)).toEqual({ lane: 0, of: 2 });
    expect(placed.get(b)).toEqual({ lane: 1, of: 2 });
    expect(placed.get(c)).toEqual({ lane: 0, of: 2 });
    expect(placed.get(d)).toEqual({ lane: 0, of: 1 });
  });
});

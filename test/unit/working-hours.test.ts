import { describe, expect, it } from 'vitest';
import { parseWorkingHoursJson, workingHoursToLegacyJson } from '../../server/src/db/repositories/staff-repository';
import { zoneFromWordPress } from '../../server/src/db/repositories/settings-repository';
import { isValidDate } from '../../server/src/domain/time';

describe('AppointEase working_hours JSON', () => {
  it('reads the original plugin shape and ours', () => {
    expect(parseWorkingHoursJson('{"mon":["09:00","17:00"],"sun":[]}')).toEqual({ mon: [{ start: '09:00', end: '17:00' }] });
    expect(parseWorkingHoursJson('{"Tuesday":[{"start":"13:00","end":"17:00"},{"start":"09:00","end":"12:00"}]}')).toEqual({
      tue: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }],
    });
    expect(parseWorkingHoursJson('{"wed":[["09:00:00","12:00:00"]]}')).toEqual({ wed: [{ start: '09:00', end: '12:00' }] });
  });

  it('treats garbage as no hours rather than failing', () => {
    expect(parseWorkingHoursJson('not json')).toEqual({});
    expect(parseWorkingHoursJson('{"mon":["17:00","09:00"]}')).toEqual({});
    expect(parseWorkingHoursJson(null)).toEqual({});
  });

  it('writes the legacy one-pair shape for the original plugin', () => {
    expect(JSON.parse(workingHoursToLegacyJson({ mon: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }] }))).toEqual({ mon: ['09:00', '17:00'] });
  });
});

describe('WordPress time zone', () => {
  it('prefers timezone_string, then gmt_offset, then UTC', () => {
    expect(zoneFromWordPress('Europe/Berlin', '0')).toBe('Europe/Berlin');
    expect(zoneFromWordPress('', '5.5')).toBe('UTC+5:30');
    expect(zoneFromWordPress('', '-5')).toBe('UTC-5');
    expect(zoneFromWordPress(undefined, undefined)).toBe('UTC');
  });
});

describe('dates', () => {
  it('rejects impossible calendar dates', () => {
    expect(isValidDate('2025-02-30')).toBe(false);
    expect(isValidDate('2024-02-29')).toBe(true);
    expect(isValidDate('2025-13-01')).toBe(false);
    expect(isValidDate('2025-1-01')).toBe(false);
  });
});

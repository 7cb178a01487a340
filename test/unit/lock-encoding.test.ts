import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dayMember, decodeLock, encodeLock, lockIdOf, newLockToken, parseDayMember } from '../../server/src/stores/lock-store';

describe('lock tokens and the Redis lock encoding', () => {
  it('tokens carry 256 random bits and only their SHA-256 is kept', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newLockToken));
    expect(tokens.size).toBe(1000);
    for (const t of [...tokens].slice(0, 10)) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(t, 'base64url')).toHaveLength(32);
      expect(lockIdOf(t)).toMatch(/^[0-9a-f]{64}$/);
      expect(lockIdOf(t)).not.toContain(t);
    }
  });

  it('round-trips every lock, IPv6 owners included', () => {
    const cell = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    fc.assert(
      fc.property(
        fc.record({
          time: cell,
          times: fc.array(cell, { minLength: 1, maxLength: 8 }),
          serviceId: fc.integer({ min: 1, max: 8_388_607 }),
          expiresAt: fc.integer({ min: 0, max: 2 ** 50 }),
          owner: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('unknown')),
          lockId: fc.stringMatching(/^[0-9a-f]{64}$/),
        }),
        (l) => {
          const decoded = decodeLock(encodeLock({ ...l, date: '2026-03-29', employeeId: 7 }), '2026-03-29', 7);
          expect(decoded).toEqual({ ...l, date: '2026-03-29', employeeId: 7, store: 'redis' });
        },
      ),
    );
  });

  it('refuses values that are not locks', () => {
    expect(decodeLock('garbage', '2026-01-01', 1)).toBeUndefined();
    expect(parseDayMember(dayMember('2026-01-01', 12))).toEqual({ date: '2026-01-01', employeeId: 12 });
    expect(parseDayMember('2026-01-01|x')).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_DELAYS_MS, maxAttempts, nextRetryDelayMs } from '../../server/src/outbox/retry-schedule';

describe('outbox retry schedule (CONTRACT §12)', () => {
  it('retries first within 30 s, with growing delays, for up to 24 hours, whatever the jitter', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 10, maxLength: 10 }), (rolls) => {
        const delays = rolls.map((r, i) => nextRetryDelayMs(i + 1, DEFAULT_RETRY_DELAYS_MS, () => r)!);
        expect(delays[0]).toBeLessThanOrEqual(30_000);
        expect(delays[0]).toBeGreaterThanOrEqual(15_000);
        for (let i = 1; i < delays.length; i++) expect(DEFAULT_RETRY_DELAYS_MS[i]!).toBeGreaterThanOrEqual(DEFAULT_RETRY_DELAYS_MS[i - 1]!);
        const lastAttemptAfter = delays.reduce((a, b) => a + b, 0);
        expect(lastAttemptAfter).toBeLessThanOrEqual(24 * 3_600_000);
      }),
    );
    // Without jitter the last attempt comes ~21.9 h after the first: the retries do cover most of the day.
    expect(DEFAULT_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) / 3_600_000).toBeGreaterThan(20);
  });

  it('gives up after the schedule: 11 attempts in all', () => {
    expect(maxAttempts()).toBe(11);
    expect(nextRetryDelayMs(10, DEFAULT_RETRY_DELAYS_MS, () => 0.5)).toBeDefined();
    expect(nextRetryDelayMs(11, DEFAULT_RETRY_DELAYS_MS, () => 0.5)).toBeUndefined();
    expect(nextRetryDelayMs(0)).toBeUndefined();
    expect(nextRetryDelayMs(1, [], () => 0.5)).toBeUndefined();
  });
});

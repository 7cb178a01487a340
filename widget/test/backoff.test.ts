import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff';

describe('backoffDelay', () => {
  it('grows exponentially and is capped', () => {
    const mid = () => 0.5;
    expect(backoffDelay(0, mid)).toBe(375);
    expect(backoffDelay(1, mid)).toBe(750);
    expect(backoffDelay(3, mid)).toBe(3000);
    expect(backoffDelay(40, mid)).toBe(22500);
  });
  it('jitters between half and all of the ceiling', () => {
    expect(backoffDelay(2, () => 0)).toBe(1000);
    expect(backoffDelay(2, () => 0.999999)).toBe(2000);
    expect(backoffDelay(30, () => 0.999999)).toBe(30000);
  });
});

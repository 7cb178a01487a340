import { createHash } from 'node:crypto';
import type { RateLimiter } from '../stores/rate-limiter';

/**
 * CONTRACT §11: besides 5 tries per code, failed verifications are limited
 * per address across all its codes and per client (IPv4 address or IPv6
 * /64), so asking for a fresh code never buys fresh guesses.
 */
export const VERIFY_BUDGET = {
  perAddress: { limit: 10, windowSeconds: 24 * 3600 },
  perClient: { limit: 30, windowSeconds: 3600 },
} as const;

export type BudgetDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Refusals remembered in process at most (a hostile burst from many clients must not grow memory without bound). */
const MAX_REMEMBERED = 10_000;

/**
 * The guessing budgets of one-time codes.
 *
 * A verification *reserves* a failure before the code is compared (so any
 * number of concurrent guesses gets at most the budget's comparisons) and a
 * success gives the reservation back: only failures count. The counters live
 * in MySQL whatever Redis does (`RateLimiter.hitDurable`): they span a day,
 * and a Redis restart or outage must not hand out a fresh budget. So that a
 * hostile burst does not become a burst of MySQL writes, a refusal is
 * remembered in process until its window ends: the rest of the burst is
 * refused without any I/O. The address is counted by its SHA-256 (no
 * customer address in the rate table).
 */
export class VerificationBudget {
  private readonly refusedUntil = new Map<string, number>();

  constructor(
    private readonly rates: Pick<RateLimiter, 'hitDurable' | 'refundDurable'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The client's budget first: a client out of guesses cannot spend an address's budget. */
  async reserve(email: string, client: string): Promise<BudgetDecision> {
    for (const [type, id, rule] of this.counters(email, client)) {
      const remembered = this.refusal(`${type}\0${id}`);
      if (remembered) return remembered;
      const hit = await this.rates.hitDurable(type, id, rule.limit, rule.windowSeconds);
      if (!hit.allowed) {
        this.remember(`${type}\0${id}`, hit.retryAfterSeconds);
        return { ok: false, retryAfterSeconds: hit.retryAfterSeconds };
      }
    }
    return { ok: true };
  }

  /** After a successful verification: the reserved failure is given back to both counters. */
  async refund(email: string, client: string): Promise<void> {
    await this.rates.refundDurable(this.counters(email, client).map(([type, id]) => [type, id] as const));
  }

  private counters(email: string, client: string) {
    return [
      ['otp-verify-ip', client, VERIFY_BUDGET.perClient],
      ['otp-verify', createHash('sha256').update(email).digest('hex'), VERIFY_BUDGET.perAddress],
    ] as const;
  }

  private refusal(key: string): BudgetDecision | undefined {
    const until = this.refusedUntil.get(key);
    if (until === undefined) return undefined;
    const left = until - this.now();
    if (left <= 0) {
      this.refusedUntil.delete(key);
      return undefined;
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)) };
  }

  private remember(key: string, retryAfterSeconds: number): void {
    if (this.refusedUntil.size >= MAX_REMEMBERED) {
      const now = this.now();
      for (const [k, until] of this.refusedUntil) if (until <= now) this.refusedUntil.delete(k);
      // Still full: forget the oldest (it is asked in MySQL again, which refuses it again).
      if (this.refusedUntil.size >= MAX_REMEMBERED) this.refusedUntil.delete(this.refusedUntil.keys().next().value!);
    }
    this.refusedUntil.set(key, this.now() + retryAfterSeconds * 1000);
  }
}

import { createHash } from 'node:crypto';
import type { Budget, BudgetCounters, BudgetReservation } from '../stores/budget-counters';
import { retryAfterSeconds } from '../stores/rate-limiter';

/**
 * CONTRACT §11: besides 5 tries per code, failed verifications are limited
 * per address across all its codes and per client (IPv4 address or IPv6
 * /64), so asking for a fresh code never buys fresh guesses.
 */
export const VERIFY_BUDGET = {
  perAddress: { type: 'otp-verify', limit: 10, windowSeconds: 24 * 3600 },
  perClient: { type: 'otp-verify-ip', limit: 30, windowSeconds: 3600 },
} as const;

/** The counter types of the budgets (what is copied from MySQL to Redis). */
export const VERIFY_BUDGET_TYPES: readonly string[] = [VERIFY_BUDGET.perClient.type, VERIFY_BUDGET.perAddress.type];

export type BudgetDecision = { ok: true; reservation: BudgetReservation } | { ok: false; retryAfterSeconds: number };

/** Refusals remembered in process at most (a hostile burst from many clients must not grow memory without bound). */
const MAX_REMEMBERED = 10_000;

/**
 * The guessing budgets of one-time codes.
 *
 * A verification *reserves* a failure in both budgets before the code is
 * compared (so any number of concurrent guesses gets at most the budget's
 * comparisons); a success gives the reservation back and a failure settles
 * it (`failed`): only failures count. Where the counters live is
 * `BudgetCounters`' business: in Redis while it is up, so a success costs
 * MySQL nothing, with every failure in MySQL too, so a Redis restart,
 * flush or outage never hands out a fresh budget. So that a hostile burst
 * does not become a burst of Redis or MySQL calls, a refusal is remembered
 * in process until its window ends: the rest of the burst is refused without
 * any I/O. The address is counted by its SHA-256 (no customer address in
 * Redis keys or the rate table).
 */
export class VerificationBudget {
  private readonly refusedUntil = new Map<string, number>();

  constructor(
    private readonly counters: Pick<BudgetCounters, 'reserve' | 'refund' | 'failed'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The client's budget first: a client out of guesses cannot spend an address's budget. */
  async reserve(email: string, client: string): Promise<BudgetDecision> {
    const budgets = this.budgets(email, client);
    for (const b of budgets) {
      const remembered = this.refusal(`${b.type}\0${b.id}`);
      if (remembered) return remembered;
    }
    const r = await this.counters.reserve(budgets);
    if (r.ok) return r;
    const refusing = budgets[r.budget]!;
    this.remember(`${refusing.type}\0${refusing.id}`, r.retryAfterSeconds);
    return { ok: false, retryAfterSeconds: r.retryAfterSeconds };
  }

  /** After a successful verification: the reserved failure is given back to both counters. */
  refund(reservation: BudgetReservation): Promise<void> {
    return this.counters.refund(reservation);
  }

  /** After a verification that did not sign in: the reservation is a failure. */
  failed(reservation: BudgetReservation): Promise<void> {
    return this.counters.failed(reservation);
  }

  private budgets(email: string, client: string): Budget[] {
    return [
      { ...VERIFY_BUDGET.perClient, id: client },
      { ...VERIFY_BUDGET.perAddress, id: createHash('sha256').update(email).digest('hex') },
    ];
  }

  private refusal(key: string): BudgetDecision | undefined {
    const until = this.refusedUntil.get(key);
    if (until === undefined) return undefined;
    const left = until - this.now();
    if (left <= 0) {
      this.refusedUntil.delete(key);
      return undefined;
    }
    return { ok: false, retryAfterSeconds: retryAfterSeconds(left) };
  }

  private remember(key: string, retryAfterSeconds: number): void {
    if (this.refusedUntil.size >= MAX_REMEMBERED) {
      const now = this.now();
      for (const [k, until] of this.refusedUntil) if (until <= now) this.refusedUntil.delete(k);
      // Still full: forget the oldest (its store is asked again, and refuses it again).
      if (this.refusedUntil.size >= MAX_REMEMBERED) this.refusedUntil.delete(this.refusedUntil.keys().next().value!);
    }
    this.refusedUntil.set(key, this.now() + retryAfterSeconds * 1000);
  }
}

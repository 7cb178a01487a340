import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config';
import { fail } from '../errors';
import type { Mailer } from '../mail/mailer';
import type { CodeStore } from '../stores/code-store';
import type { RateLimiter } from '../stores/rate-limiter';
import type { SessionStore } from '../stores/session-store';
import type { Logger } from '../logger';
import type { VerificationBudget } from './verification-budget';

/** CONTRACT §5: after this many wrong tries a code is void. */
export const MAX_CODE_ATTEMPTS = 5;

/**
 * Email one-time codes and the sessions they open.
 *
 * Every address is treated the same (known or not: we send a code to any
 * valid address), so neither the answer nor the work done on the request
 * path depends on whether someone has booked before. Codes come from the
 * CSPRNG and are stored as HMAC-SHA256(secret, email, code): a dump of
 * Redis or MySQL without the secret gives nothing to brute-force offline,
 * and a code is bound to the address it was sent to.
 */
export class IdentityService {
  constructor(
    private readonly deps: {
      config: Pick<Config, 'secret' | 'otpTtlSeconds' | 'otp'>;
      codes: CodeStore;
      rates: RateLimiter;
      sessions: SessionStore;
      budget: VerificationBudget;
      mailer: Pick<Mailer, 'sendCode'>;
      logger: Pick<Logger, 'warn'>;
    },
  ) {}

  codeHash(email: string, code: string): string {
    return createHmac('sha256', this.deps.config.secret).update(`otp\0${email}\0${code}`).digest('hex');
  }

  /**
   * Sends a new code (voiding the previous one) unless a send limit is reached.
   * `email` is already normalised; `client` is the IPv4 address or IPv6 /64.
   */
  async requestCode(email: string, client: string): Promise<void> {
    const { otp } = this.deps.config;
    // The IP limit first: an address-spraying client must not burn other people's per-address budget.
    const byIp = await this.deps.rates.hit('otp-ip', client, otp.ipLimit, otp.ipWindowSeconds);
    if (!byIp.allowed) throw fail('rate_limited', 'codes', byIp.retryAfterSeconds);
    const byEmail = await this.deps.rates.hit('otp', email, otp.sendLimit, otp.sendWindowSeconds);
    if (!byEmail.allowed) throw fail('rate_limited', 'codes', byEmail.retryAfterSeconds);

    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await this.deps.codes.issue(email, this.codeHash(email, code), this.deps.config.otpTtlSeconds * 1000);
    this.deps.mailer.sendCode(email, code);
  }

  /**
   * Checks a code and opens a session; 401 invalid_otp or 429 too_many_attempts
   * otherwise. A failure is reserved in the client's and the address's budgets
   * before the code is even looked at; a verification that does not sign in
   * settles it as a failure, a success gives it back.
   */
  async verifyCode(email: string, code: string, client: string): Promise<{ sessionToken: string; email: string; expiresAt: string }> {
    const budget = await this.deps.budget.reserve(email, client);
    if (!budget.ok) {
      throw fail('too_many_attempts', 'budget', budget.retryAfterSeconds);
    }
    let session: { token: string; expiresAt: number };
    try {
      session = await this.signIn(email, code);
    } catch (err) {
      // Counted wherever the reservation is not (MySQL, while Redis decides): a Redis restart must not forget it.
      await this.deps.budget.failed(budget.reservation).catch((e) => this.deps.logger.warn({ err: e }, 'could not count a failed verification in MySQL'));
      throw err;
    }
    // Only failures count: a customer who signs in often never runs out.
    await this.deps.budget.refund(budget.reservation).catch((err) => this.deps.logger.warn({ err }, 'could not give back a verification reservation'));
    return { sessionToken: session.token, email, expiresAt: new Date(session.expiresAt).toISOString() };
  }

  /** One comparison against the address's code (reserved first, at most 5 per code), and the session it opens. */
  private async signIn(email: string, code: string): Promise<{ token: string; expiresAt: number }> {
    const grant = await this.deps.codes.reserveAttempt(email, MAX_CODE_ATTEMPTS);
    if (grant.kind === 'exhausted') {
      throw fail('too_many_attempts', 'code');
    }
    const expected = Buffer.from(grant.kind === 'granted' ? grant.hash : '0'.repeat(64), 'hex');
    const actual = Buffer.from(this.codeHash(email, code), 'hex');
    // Compared even when there is no code, so a missing code costs the same as a wrong one.
    const matches = expected.length === actual.length && timingSafeEqual(expected, actual) && grant.kind === 'granted';
    if (!matches || !(await this.deps.codes.consume(email, grant.hash))) {
      throw fail('invalid_otp');
    }
    return this.deps.sessions.create(email);
  }

  async session(token: string) {
    return this.deps.sessions.get(token);
  }

  async signOut(token: string): Promise<void> {
    await this.deps.sessions.revoke(token);
  }
}

/**
 * The MySQL twins of codes, rate windows and sessions keep expired rows until
 * deleted (Redis expires its own): sweep them now and then. Returns the stop.
 */
export function startIdentityJanitor(
  stores: { purgeExpired(): Promise<number> }[],
  logger: { warn(o: object, m: string): void },
  everyMs = 10 * 60_000,
): () => void {
  const timer = setInterval(() => {
    void Promise.all(stores.map((s) => s.purgeExpired())).catch((err) => logger.warn({ err: (err as Error).message }, 'could not purge expired identity rows'));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

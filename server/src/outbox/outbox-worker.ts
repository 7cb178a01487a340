import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClaimResult, OutboxRepository, OutboxRow } from '../db/repositories/outbox-repository';
import type { Logger } from '../logger';
import type { OutboxMetrics } from '../metrics';
import { DEFAULT_RETRY_DELAYS_MS, maxAttempts, nextRetryDelayMs } from './retry-schedule';

/** What a handler says about one attempt. */
export type OutboxOutcome =
  | { result: 'done' }
  /** Try again after `delayMs`, or after the handler's retry schedule when absent; failed once the schedule is used up. */
  | { result: 'retry'; error: string; delayMs?: number }
  /** Give up now (nothing a retry could change). */
  | { result: 'failed'; error: string }
  /** Nothing to do any more (the webhook was deleted, the appointment cancelled). */
  | { result: 'cancelled'; reason: string };

export interface OutboxAttempt {
  /** Fires when the attempt's time is up or the instance shuts down: pass it to every I/O call. */
  signal: AbortSignal;
  /** 1 for the first attempt. */
  attempt: number;
  /** True when a `retry` outcome will be turned into `failed` (the schedule is used up). */
  finalAttempt: boolean;
}

export interface OutboxHandler {
  handle(row: OutboxRow, attempt: OutboxAttempt): Promise<OutboxOutcome>;
  /** Longest one attempt may take before it counts as a failed attempt. Must be well under the worker's lease. Default 30 s. */
  timeoutMs?: number;
  /** Delays between attempts. Default DEFAULT_RETRY_DELAYS_MS (first within 30 s, last about 22 h after the first). */
  retryDelaysMs?: readonly number[];
}

export interface OutboxWorkerOptions {
  repository: OutboxRepository;
  /** By row kind ('webhook', 'reminder'). Only these kinds are claimed, so an instance without a handler leaves rows to others. */
  handlers: Record<string, OutboxHandler>;
  logger: Logger;
  metrics?: OutboxMetrics;
  /** This instance's name in lease_owner. Default host:pid:random. */
  owner?: string;
  /**
   * The safety poll: the longest an idle worker goes without looking at the
   * table. Default 15 000 ms. It is only for what no instance told this one
   * about (rows another instance committed and then died before delivering);
   * the worker otherwise looks when wake() says so, when an attempt ends, and
   * when the earliest row it saw falls due.
   */
  pollIntervalMs?: number;
  /** Attempts running at once on this instance. Default 8. */
  concurrency?: number;
  /** Attempts running at once per concurrency key (one webhook receiver). Default 2: a receiver that hangs holds at most two slots. */
  perKeyConcurrency?: number;
  /** Caps for particular keys instead of perKeyConcurrency (the mail server, shared by every reminder). */
  keyConcurrency?: Record<string, number>;
  /** How long a claim holds. Default 60 s. A crash is recovered this long after the claim. */
  leaseMs?: number;
  /** How often the gauges are refreshed from the table. Default 15 s. */
  statsIntervalMs?: number;
  /** Finished rows are deleted after this long. Default 7 days. */
  retentionMs?: number;
  purgeIntervalMs?: number;
  random?: () => number;
}

export const DEFAULT_HANDLER_TIMEOUT_MS = 30_000;
export const DEFAULT_POLL_INTERVAL_MS = 15_000;
/** Time left between an attempt's deadline and its lease's end, to record the outcome. */
const leaseMarginMs = (leaseMs: number) => Math.min(5_000, leaseMs / 4);
const MAX_ERROR_BACKOFF_MS = 30_000;
/**
 * First wait after a look that saw due rows and took none of them (another
 * instance was claiming them at that moment). Doubles up to the safety poll:
 * such rows are leased elsewhere a moment later, so this is a guard against a
 * loop that keeps looking at rows it cannot have, not a delivery path.
 */
const PASSED_OVER_WAIT_MS = 200;
/**
 * Added to the database's "due in": a timer may fire a millisecond early,
 * and a look that finds the row still not due would only sleep again.
 */
const DUE_MARGIN_MS = 2;

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/**
 * Delivers outbox rows: claims due rows (repository.claim), runs each through
 * the handler of its kind with a deadline, and records the outcome, fenced on
 * the claim so a worker that lost its lease cannot overwrite a newer attempt.
 *
 * When it looks: the table is MySQL's, and every look is a statement, so an
 * idle worker does not poll it. It looks when this instance committed work
 * (wake()), when an attempt ends (a slot, a successor of its ordering key, a
 * receiver under its cap again), and when the earliest row its last look saw
 * falls due: the claim's own candidate read says how long that is on the
 * database clock, and a retry this instance schedules or a row it plans for
 * later is known here too. The safety poll (`pollIntervalMs`) covers the rest.
 *
 * Isolation: every row runs on its own (a throw is a failed attempt of that
 * row only); one receiver can hold at most `perKeyConcurrency` slots; a handler
 * that ignores its deadline is abandoned and its slot freed. Database errors
 * never stop the loop: it backs off and tries again, and a row whose outcome
 * could not be written comes back after its lease (so it may be delivered
 * twice: at-least-once, see docs/outbox.md).
 */
export class OutboxWorker {
  readonly owner: string;
  private readonly repo: OutboxRepository;
  private readonly handlers: Record<string, OutboxHandler>;
  private readonly kinds: string[];
  private readonly logger: Logger;
  private readonly metrics: OutboxMetrics | undefined;
  private readonly pollIntervalMs: number;
  private readonly concurrency: number;
  private readonly perKeyConcurrency: number;
  private readonly keyConcurrency: Record<string, number>;
  private readonly leaseMs: number;
  private readonly random: () => number;
  private readonly options: OutboxWorkerOptions;

  private readonly running = new Map<number, { done: Promise<void>; controller: AbortController }>();
  private readonly runningByKey = new Map<string, number>();
  private loopDone: Promise<void> | undefined;
  private stopping = false;
  /** Look at once when the loop next would sleep (wake() or a finish came during a claim). */
  private wakePending = false;
  /** The loop's current sleep, if it sleeps. */
  private sleeper: { until: number; end: () => void; shorten: (until: number) => void } | undefined;
  /** performance.now() by which this instance knows a row of its own falls due (a retry, a planned reminder); Infinity: none. */
  private dueHint = Infinity;
  private timers: NodeJS.Timeout[] = [];

  constructor(options: OutboxWorkerOptions) {
    this.options = options;
    this.repo = options.repository;
    this.handlers = options.handlers;
    this.kinds = Object.keys(options.handlers);
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.owner = (options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`).slice(0, 64);
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.concurrency = options.concurrency ?? 8;
    this.perKeyConcurrency = options.perKeyConcurrency ?? 2;
    this.keyConcurrency = options.keyConcurrency ?? {};
    this.leaseMs = options.leaseMs ?? 60_000;
    this.random = options.random ?? Math.random;
    for (const [kind, h] of Object.entries(this.handlers)) {
      const timeout = h.timeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS;
      // A lease shorter than an attempt may take would let another instance start the same row meanwhile.
      if (timeout + leaseMarginMs(this.leaseMs) > this.leaseMs) {
        throw new RangeError(
          `outbox handler "${kind}" may run ${timeout} ms: the lease (${this.leaseMs} ms) must be at least ${leaseMarginMs(this.leaseMs)} ms longer`,
        );
      }
    }
  }

  /** Starts polling, the gauges and the purge. */
  start(): void {
    if (this.loopDone) return;
    this.stopping = false;
    this.loopDone = this.loop();
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn(), ms);
      t.unref();
      this.timers.push(t);
    };
    void this.refreshStats();
    every(this.options.statsIntervalMs ?? 15_000, () => this.refreshStats());
    every(this.options.purgeIntervalMs ?? 3_600_000, () => this.purge());
  }

  /**
   * This instance committed outbox rows. Without `dueAt` (or with a time
   * already past) the worker looks at once; with a later time it looks then,
   * and sends nothing to the database before. The time only sets the wake-up:
   * whether a row is due is decided by the database clock at the claim (a
   * wake-up that comes early finds it not due and is told how long to wait).
   */
  wake(dueAt?: Date): void {
    const inMs = dueAt === undefined ? 0 : dueAt.getTime() - Date.now();
    if (inMs > 0) return this.expect(performance.now() + inMs);
    this.wakePending = true;
    this.sleeper?.end();
  }

  /** A row of ours falls due at `at` (performance.now()): sleep no longer than that. */
  private expect(at: number): void {
    if (at >= this.dueHint) return;
    this.dueHint = at;
    this.sleeper?.shorten(at);
  }

  /**
   * Stops claiming, lets running attempts finish for up to `graceMs`, then
   * aborts the rest (they are put back as due at once, for any instance).
   */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.wake();
    await this.loopDone;
    this.loopDone = undefined;
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
    if ((await Promise.race([all(), graceOver])) === 'timeout') {
      for (const r of this.running.values()) r.controller.abort(new Error('instance shutting down'));
      await all();
    }
    clearTimeout(timer);
  }

  /** Resolves when no attempt is running on this instance (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Claims one batch and runs it to the end; returns how many rows it took. For tests and benches; start() runs the same steps. */
  async tick(): Promise<number> {
    const { rows } = await this.claimBatch();
    const runs = rows.map((row) => this.launch(row));
    await Promise.all(runs);
    return rows.length;
  }

  private async loop(): Promise<void> {
    const firstErrorBackoff = Math.min(this.pollIntervalMs, 1_000);
    let errorBackoff = firstErrorBackoff;
    let passedOverWait = PASSED_OVER_WAIT_MS;
    while (!this.stopping) {
      const free = this.concurrency - this.running.size;
      if (free <= 0) {
        // No slot: a finishing attempt ends this sleep; due times wait for a slot.
        await this.sleep(this.pollIntervalMs, false);
        continue;
      }
      // What this look will see covers every row committed before it: their hints are spent,
      // unless the look turns out not to see past the rows due now.
      const hint = this.dueHint;
      this.dueHint = Infinity;
      let batch: ClaimResult;
      try {
        batch = await this.claimBatch();
      } catch (err) {
        this.dueHint = Math.min(this.dueHint, hint);
        this.metrics?.outboxWorkerErrors.inc({ stage: 'claim' });
        this.logger.error({ err: errorText(err), owner: this.owner }, 'outbox: claim failed; backing off');
        await this.sleep(errorBackoff, false);
        errorBackoff = Math.min(errorBackoff * 2, MAX_ERROR_BACKOFF_MS);
        continue;
      }
      errorBackoff = firstErrorBackoff;
      for (const row of batch.rows) void this.launch(row);
      let wait = this.pollIntervalMs;
      if (batch.dueLeft > 0) {
        this.dueHint = Math.min(this.dueHint, hint);
        // A full batch, or rows passed over for a receiver that reached its cap in this batch: the
        // next claim (leaving that receiver out) may take more. Only after progress, so rows it
        // cannot take (another instance is claiming them) never make the loop spin.
        if (batch.rows.length > 0) {
          passedOverWait = PASSED_OVER_WAIT_MS;
          continue;
        }
        wait = Math.min(wait, passedOverWait);
        passedOverWait = Math.min(passedOverWait * 2, this.pollIntervalMs);
      } else passedOverWait = PASSED_OVER_WAIT_MS;
      if (batch.nextDueInMs !== null) wait = Math.min(wait, Math.ceil(batch.nextDueInMs) + DUE_MARGIN_MS);
      await this.sleep(wait, true);
    }
  }

  /** One claim, passing over candidates of a receiver that would exceed its cap in this batch. */
  private claimBatch(): Promise<ClaimResult> {
    const tentative = new Map<string, number>();
    const capOf = (key: string) => this.keyConcurrency[key] ?? this.perKeyConcurrency;
    const saturated = [...this.runningByKey].filter(([key, n]) => n >= capOf(key)).map(([key]) => key);
    return this.repo.claim(this.owner, {
      kinds: this.kinds,
      limit: Math.max(0, this.concurrency - this.running.size),
      leaseMs: this.leaseMs,
      excludeConcurrencyKeys: saturated,
      accept: ({ concurrencyKey }) => {
        if (concurrencyKey === null) return true;
        const busy = (this.runningByKey.get(concurrencyKey) ?? 0) + (tentative.get(concurrencyKey) ?? 0);
        if (busy >= capOf(concurrencyKey)) return false;
        tentative.set(concurrencyKey, (tentative.get(concurrencyKey) ?? 0) + 1);
        return true;
      },
    });
  }

  /**
   * Until `ms` have passed, wake() or a finishing attempt; with `untilDue`,
   * also until the earliest row this instance knows of falls due (a hint
   * that comes in meanwhile shortens the sleep).
   */
  private sleep(ms: number, untilDue: boolean): Promise<void> {
    if (this.wakePending || this.stopping) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout;
      const end = () => {
        clearTimeout(timer);
        this.sleeper = undefined;
        this.wakePending = false;
        resolve();
      };
      const sleeper = {
        until: performance.now() + ms,
        end,
        shorten: (until: number) => {
          if (!untilDue || until >= sleeper.until) return;
          sleeper.until = until;
          clearTimeout(timer);
          timer = setTimeout(end, Math.max(0, until - performance.now()));
        },
      };
      timer = setTimeout(end, ms);
      this.sleeper = sleeper;
      sleeper.shorten(this.dueHint);
    });
  }

  private launch(row: OutboxRow): Promise<void> {
    const controller = new AbortController();
    const key = row.concurrencyKey;
    if (key !== null) this.runningByKey.set(key, (this.runningByKey.get(key) ?? 0) + 1);
    const done = this.run(row, controller)
      .catch((err) => this.logger.error({ err: errorText(err), id: row.id, kind: row.kind }, 'outbox: attempt crashed'))
      .finally(() => {
        this.running.delete(row.id);
        if (key !== null) {
          const n = (this.runningByKey.get(key) ?? 1) - 1;
          if (n <= 0) this.runningByKey.delete(key);
          else this.runningByKey.set(key, n);
        }
        // A slot is free, and maybe a successor of the row's ordering key or a receiver under its cap again:
        // look (after the claim in progress, if one is).
        this.wake();
      });
    this.running.set(row.id, { done, controller });
    return done;
  }

  private async run(row: OutboxRow, controller: AbortController): Promise<void> {
    const handler = this.handlers[row.kind]!;
    const schedule = handler.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const finalAttempt = row.attempts >= maxAttempts(schedule);
    const outcome: OutboxOutcome = row.payloadError
      ? { result: 'failed', error: row.payloadError }
      : await this.attempt(handler, row, controller, { signal: controller.signal, attempt: row.attempts, finalAttempt });
    await this.settle(row, outcome, schedule);
  }

  /** One handler call, bounded: a throw, a timeout or a shutdown is a retry outcome, never an exception. */
  private attempt(handler: OutboxHandler, row: OutboxRow, controller: AbortController, ctx: OutboxAttempt): Promise<OutboxOutcome> {
    const timeoutMs = handler.timeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (o: OutboxOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        controller.signal.removeEventListener('abort', onAbort);
        resolve(o);
      };
      const timer = setTimeout(() => {
        controller.abort(new Error(`attempt took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      // Whoever aborts (the deadline or stop()), the attempt ends now; a handler that ignores the
      // signal keeps running detached, and its outcome is dropped.
      const onAbort = () => finish({ result: 'retry', error: errorText(controller.signal.reason), ...(this.stopping ? { delayMs: 0 } : {}) });
      controller.signal.addEventListener('abort', onAbort, { once: true });
      Promise.resolve()
        .then(() => handler.handle(row, ctx))
        .then(
          (o) => finish(o),
          (err) => finish({ result: 'retry', error: errorText(err) }),
        );
    });
  }

  private async settle(row: OutboxRow, outcome: OutboxOutcome, schedule: readonly number[]): Promise<void> {
    let recorded: 'done' | 'retry' | 'failed' | 'cancelled';
    let ok: boolean;
    try {
      if (outcome.result === 'done') {
        recorded = 'done';
        ok = await this.repo.complete(row);
        if (ok) this.metrics?.outboxLag.observe({ kind: row.kind }, Math.max(0, (Date.now() - row.dueAt.getTime()) / 1000));
      } else if (outcome.result === 'cancelled') {
        recorded = 'cancelled';
        ok = await this.repo.cancel(row, outcome.reason);
      } else if (outcome.result === 'failed') {
        recorded = 'failed';
        ok = await this.repo.fail(row, outcome.error);
      } else {
        const delay = row.attempts >= maxAttempts(schedule) ? undefined : (outcome.delayMs ?? nextRetryDelayMs(row.attempts, schedule, this.random));
        if (delay === undefined) {
          recorded = 'failed';
          ok = await this.repo.fail(row, `gave up after ${row.attempts} attempts: ${outcome.error}`);
        } else {
          recorded = 'retry';
          ok = await this.repo.retry(row, delay, outcome.error);
          // Due `delay` after the database set it, so no earlier than this on our clock.
          if (ok) this.expect(performance.now() + delay);
        }
      }
    } catch (err) {
      this.metrics?.outboxWorkerErrors.inc({ stage: 'finish' });
      this.logger.error({ err: errorText(err), id: row.id, kind: row.kind }, 'outbox: outcome not recorded; the row comes back after its lease');
      return;
    }
    if (!ok) {
      // Our lease ran out and someone else holds the row now, or it was cancelled meanwhile.
      this.metrics?.outboxDeliveries.inc({ kind: row.kind, outcome: 'lease_lost' });
      this.logger.warn({ id: row.id, kind: row.kind, attempts: row.attempts, outcome: recorded }, 'outbox: lease lost before the outcome was recorded');
      return;
    }
    this.metrics?.outboxDeliveries.inc({ kind: row.kind, outcome: recorded });
    if (recorded === 'retry' || recorded === 'failed') {
      const error = outcome.result === 'retry' || outcome.result === 'failed' ? outcome.error : '';
      this.logger[recorded === 'failed' ? 'error' : 'warn'](
        { id: row.id, kind: row.kind, attempts: row.attempts, err: error },
        `outbox: attempt ${recorded === 'failed' ? 'failed for good' : 'will be retried'}`,
      );
    }
  }

  private async refreshStats(): Promise<void> {
    if (!this.metrics) return;
    try {
      const stats = await this.repo.stats();
      const seen = new Set<string>();
      for (const s of stats) {
        seen.add(s.kind);
        this.metrics.outboxDepth.set({ kind: s.kind }, s.due);
        this.metrics.outboxScheduled.set({ kind: s.kind }, s.scheduled);
        this.metrics.outboxOldestDueAge.set({ kind: s.kind }, s.oldestDueAgeSeconds);
      }
      for (const kind of this.kinds) {
        if (seen.has(kind)) continue;
        this.metrics.outboxDepth.set({ kind }, 0);
        this.metrics.outboxScheduled.set({ kind }, 0);
        this.metrics.outboxOldestDueAge.set({ kind }, 0);
      }
    } catch (err) {
      this.metrics.outboxWorkerErrors.inc({ stage: 'stats' });
      this.logger.warn({ err: errorText(err) }, 'outbox: stats not read');
    }
  }

  private async purge(): Promise<void> {
    try {
      await this.repo.purgeFinished(this.options.retentionMs ?? 7 * 86_400_000);
    } catch (err) {
      this.metrics?.outboxWorkerErrors.inc({ stage: 'purge' });
      this.logger.warn({ err: errorText(err) }, 'outbox: purge failed');
    }
  }

  /** For /metrics and tests: refresh the gauges now. */
  refreshMetrics(): Promise<void> {
    return this.refreshStats();
  }
}

import { EventEmitter } from 'node:events';
import { ReplyError } from 'ioredis';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

export type RedisState = 'disabled' | 'up' | 'down';

/** An operation on Redis; `retry` is true when it runs again after a late reply (its first run may have happened). */
export type RedisOp<T> = (redis: Redis, retry: boolean) => Promise<T>;

/** Probes per late reply: one more when the first probe's own timeout fired late (this process stalled again). */
const MAX_PROBES = 2;

/**
 * The breaker between every Redis duty and its MySQL twin.
 *
 * While closed ("up") operations go to Redis; the first connection-level
 * failure opens it ("down"): that operation and every later one go straight
 * to MySQL without touching Redis, while a background probe writes a
 * short-lived key and closes the breaker once Redis takes it (a PING would
 * close it on a read-only replica, which then refuses the next write: a
 * breaker flapping through a failover). Only connection-level failures and
 * "cannot serve" replies count as an outage (`isOutage`); any other error is
 * rethrown: a bug is a 500 with a log line, not a switch to MySQL. A reply
 * later than the command timeout opens it only when Redis does not answer
 * the probe either (`attempt`).
 */
export class RedisGuard extends EventEmitter {
  private current: RedisState;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private confirming: Promise<boolean> | undefined;
  private lateLog = { at: 0, suppressed: 0 };
  private readonly lastLog = new Map<string, { at: number; suppressed: number }>();

  constructor(
    readonly redis: Redis | null,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly probeIntervalMs = 500,
    /** The key the probe writes (under REDIS_KEY_PREFIX); without one the probe only PINGs. */
    private readonly probeKey?: string,
  ) {
    super();
    this.current = redis ? (redis.status === 'ready' ? 'up' : 'down') : 'disabled';
    this.metrics.redisUp.set(this.current === 'up' ? 1 : 0);
    if (redis) {
      // Losing the socket opens the breaker at once, before any command has to time out.
      redis.on('close', () => this.trip('connection closed'));
      redis.on('ready', () => void this.probe());
      if (this.current === 'down') this.scheduleProbe();
    }
  }

  get state(): RedisState {
    return this.current;
  }

  /** True while operations go to Redis. */
  get up(): boolean {
    return this.current === 'up';
  }

  /**
   * Runs `op` on Redis while the breaker is closed, else (or when Redis fails
   * under it) runs `fallback` on MySQL and counts it.
   *
   * `op` may be run twice: after a reply later than the command timeout that
   * turned out not to be an outage (see `attempt`), with `retry` true. It must
   * give the right answer then although its first run may have happened.
   */
  async run<T>(duty: string, op: RedisOp<T>, fallback: () => Promise<T>): Promise<T> {
    if (this.current === 'up' && this.redis) {
      const done = await this.attempt(this.redis, op);
      if (done) return done.value;
    }
    this.countFallback(duty);
    return fallback();
  }

  /** Runs a Redis-only best-effort operation (cache writes, publishes); skipped while down. `op` as for `run`. */
  async tryRedis<T>(op: RedisOp<T>): Promise<T | undefined> {
    if (this.current !== 'up' || !this.redis) return undefined;
    return (await this.attempt(this.redis, op))?.value;
  }

  /**
   * `op` on Redis; undefined when the breaker opened instead.
   *
   * A refused, reset or closed connection and a "cannot serve" reply are
   * outages. A reply later than the command timeout is not known to be one:
   * the command reached Redis and may have run, and the usual reason under
   * load is this process, not Redis — an event loop blocked for longer than
   * the timeout fires every timer in flight before it reads the replies
   * already waiting in the socket. Opening the breaker then sent the next
   * holds to MySQL while Redis had granted the first (two holds on one time)
   * and made every hold in Redis look missing to bookings. So a late reply
   * asks Redis once more, with the probe: answered, Redis serves and the
   * command runs again (`retry`); silent too, it is an outage.
   */
  private async attempt<T>(redis: Redis, op: RedisOp<T>): Promise<{ value: T } | undefined> {
    const started = performance.now();
    try {
      return { value: await op(redis, false) };
    } catch (err) {
      if (!isOutage(err)) throw err;
      if (!isLateReply(err)) return void this.trip((err as Error).message);
      const serving = await this.answersProbe();
      this.noteLateReply(performance.now() - started, serving);
      if (!serving) return void this.trip((err as Error).message);
    }
    // Another operation may have found a real outage meanwhile.
    if (this.current !== 'up') return undefined;
    try {
      return { value: await op(redis, true) };
    } catch (err) {
      if (!isOutage(err)) throw err;
      return void this.trip((err as Error).message);
    }
  }

  /** One probe for every late reply of the moment (they all ask the same question). */
  private answersProbe(): Promise<boolean> {
    this.confirming ??= this.confirm().finally(() => {
      this.confirming = undefined;
    });
    return this.confirming;
  }

  /**
   * Whether Redis answers the probe within the command timeout. Sent on the
   * same connection, it is answered after every command sent before it, so
   * an answer also means those have run. When the probe's own timeout fired
   * late (this process stalled again), its silence says nothing about Redis:
   * ask once more.
   */
  private async confirm(): Promise<boolean> {
    const timeoutMs = this.redis?.options.commandTimeout ?? 0;
    for (let probes = 1; ; probes++) {
      const sent = performance.now();
      try {
        await this.probeCommand();
        return true;
      } catch (err) {
        if (!isOutage(err)) return true;
        const lateBy = performance.now() - sent - timeoutMs;
        if (isLateReply(err) && lateBy > timeoutMs / 2 && probes < MAX_PROBES) continue;
        return false;
      }
    }
  }

  private probeCommand(): Promise<unknown> {
    if (!this.redis) return Promise.reject(new Error('Connection is closed.'));
    return this.probeKey ? this.redis.set(this.probeKey, '1', 'PX', 10_000) : this.redis.ping();
  }

  /** Counts a late reply and logs it (at most once a second) with how long the command waited: the stall, when Redis answered after all. */
  private noteLateReply(waitedMs: number, serving: boolean): void {
    const outcome = serving ? 'redis_answered' : 'outage';
    this.metrics.redisLateReplies.inc({ outcome });
    const now = Date.now();
    if (now - this.lateLog.at < 1_000) return void (this.lateLog.suppressed += 1);
    this.logger.warn(
      { waitedMs: Math.round(waitedMs), commandTimeoutMs: this.redis?.options.commandTimeout, outcome, suppressed: this.lateLog.suppressed },
      serving ? 'redis reply later than the command timeout, but Redis answers: asked again, breaker stays closed' : 'redis reply later than the command timeout and the probe unanswered: outage',
    );
    this.lateLog = { at: now, suppressed: 0 };
  }

  countFallback(duty: string): void {
    const reason = this.current === 'disabled' ? 'disabled' : 'outage';
    this.metrics.fallbackOperations.inc({ duty, reason });
    if (reason === 'disabled') return;
    // "Monitor logs for fallback usage" (blueprint) without one line per request:
    // at most one line per duty per second, carrying the count it stands for.
    const now = Date.now();
    const last = this.lastLog.get(duty);
    if (!last || now - last.at >= 1_000) {
      this.logger.warn({ duty, suppressed: last?.suppressed ?? 0 }, 'redis unavailable: MySQL fallback used');
      this.lastLog.set(duty, { at: now, suppressed: 0 });
    } else {
      last.suppressed += 1;
    }
  }

  private trip(reason: string): void {
    if (this.current !== 'up') return;
    this.current = 'down';
    this.metrics.redisUp.set(0);
    this.logger.error({ reason }, 'redis breaker opened: switching to MySQL fallback');
    this.emit('down');
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.current !== 'down') return;
    this.probeTimer = setInterval(() => void this.probe(), this.probeIntervalMs);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    if (this.current !== 'down' || !this.redis || this.probing) return;
    if (this.redis.status !== 'ready') return;
    this.probing = true;
    try {
      if (this.probeKey) await this.redis.set(this.probeKey, '1', 'PX', 10_000);
      else await this.redis.ping();
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
      this.current = 'up';
      this.metrics.redisUp.set(1);
      this.logger.info('redis answered again: breaker closed');
      this.emit('up');
    } catch {
      // still down; the interval tries again
    } finally {
      this.probing = false;
    }
  }

  close(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }
}

/**
 * Replies by which a healthy Redis says it cannot serve right now: still
 * loading its data, busy in a script, a replica (a Sentinel failover demotes
 * the old primary: READONLY; a replica cut off from its primary: MASTERDOWN),
 * out of memory, refusing writes after a failed save (MISCONF), short of
 * replicas (NOREPLICAS), a cluster not ready (CLUSTERDOWN, TRYAGAIN). The
 * word must be the whole first token: BUSYKEY, say, is an answer, not a refusal.
 */
const CANNOT_SERVE = /^(LOADING|BUSY|MASTERDOWN|READONLY|OOM|MISCONF|NOREPLICAS|CLUSTERDOWN|TRYAGAIN)(\s|$)/;

/** ioredis's own errors for a connection that is gone, closing or too slow (by class name: redis-errors is not ours to import). */
const CONNECTION_ERROR_NAMES = new Set(['AbortError', 'InterruptError', 'MaxRetriesPerRequestError', 'ParserError', 'ClusterAllFailedError']);

/** Socket-level failures (node's errno codes). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'ENOTCONN', 'ERR_STREAM_DESTROYED', 'ERR_SOCKET_CLOSED']);

/** The plain Errors ioredis rejects a command with when the connection cannot carry it. */
const CONNECTION_MESSAGES =
  /^(Command timed out|Connection is closed|Stream isn't writeable|Socket timeout|connect ETIMEDOUT|Ready check failed|All sentinels are unreachable|None of startup nodes is available|Cluster is disconnect|Cluster isn't ready|Node is disconnected)/;

/**
 * ioredis's command timeout: the command was sent, and may have run. (A
 * command that could not be sent fails with "Stream isn't writeable" or
 * "Connection is closed" instead.)
 */
export function isLateReply(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('Command timed out');
}

/**
 * True only for a real outage: the connection failed (refused, reset, timed
 * out, closed, out of retries) or Redis answered that it cannot serve. Anything
 * else — a TypeError in our callback, WRONGTYPE, an error raised by our Lua
 * script — is a bug: it must surface as a 500 with a log line, not quietly
 * move every instance onto MySQL.
 */
export function isOutage(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof ReplyError) return CANNOT_SERVE.test(err.message);
  if (CONNECTION_ERROR_NAMES.has(err.name)) return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return CONNECTION_MESSAGES.test(err.message);
}

import { EventEmitter } from 'node:events';
import { ReplyError } from 'ioredis';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

export type RedisState = 'disabled' | 'up' | 'down';

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
 * rethrown: a bug is a 500 with a log line, not a switch to MySQL.
 */
export class RedisGuard extends EventEmitter {
  private current: RedisState;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
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
   */
  async run<T>(duty: string, op: (redis: Redis) => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (this.current === 'up' && this.redis) {
      try {
        return await op(this.redis);
      } catch (err) {
        if (!isOutage(err)) throw err;
        this.trip((err as Error).message);
      }
    }
    this.countFallback(duty);
    return fallback();
  }

  /** Runs a Redis-only best-effort operation (cache writes, publishes); skipped while down. */
  async tryRedis<T>(op: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    if (this.current !== 'up' || !this.redis) return undefined;
    try {
      return await op(this.redis);
    } catch (err) {
      if (!isOutage(err)) throw err;
      this.trip((err as Error).message);
      return undefined;
    }
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

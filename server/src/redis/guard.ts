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
 * to MySQL without touching Redis, while a background probe PINGs Redis and
 * closes the breaker when it answers. A reply error from a healthy Redis (a
 * bug in a script, a wrong type) is not an outage and is rethrown.
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
      await this.redis.ping();
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

const OUTAGE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|OOM|CLUSTERDOWN|TRYAGAIN)/;

/** Connection-level failures (timeouts, closed sockets, refused connects) and "Redis can't serve now" replies. */
export function isOutage(err: unknown): boolean {
  if (err instanceof ReplyError) return OUTAGE_REPLIES.test((err as Error).message);
  return err instanceof Error;
}

import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { withTimeout } from '../with-timeout';

export type { Redis };

/** Where Redis is: REDIS_URL alone, or the primary that REDIS_SENTINELS name (CONTRACT §14). */
export type RedisTarget = Pick<Config['redis'], 'url' | 'sentinels' | 'sentinelName' | 'sentinelPassword'>;

/** Between reconnect attempts; short enough that a promoted replica is used within half a second of the sentinels naming it. */
const reconnectDelay = (times: number) => Math.min(100 * times, 500);

/**
 * The command connection: no offline queue and a short command timeout, so a
 * Redis outage fails a command within a few hundred ms instead of queueing it
 * and making the request hang. Reconnects on its own in the background.
 */
export function createCommandConnection(target: RedisTarget, commandTimeoutMs: number, logger: Logger): Redis {
  const redis = connection(target, {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelay,
    enableReadyCheck: true,
  });
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis command connection error'));
  return redis;
}

/**
 * A subscriber connection (a subscribing connection cannot run commands).
 * Subscribe with `keepSubscribed`, not ioredis's autoResubscribe: ioredis
 * re-sends the SUBSCRIBE of a reconnected connection without handling its
 * reply, so a Redis that goes away again before answering (a restart, a
 * failover in progress) leaves an unhandled "Connection is closed."
 * rejection, which ends a Node process.
 */
export function createSubscriberConnection(target: RedisTarget, logger: Logger): Redis {
  const redis = connection(target, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelay,
    autoResubscribe: false,
  });
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis subscriber connection error'));
  return redis;
}

/**
 * Subscribes `redis` to `channels` on every connect (the first and each
 * reconnect, to a new primary too), each SUBSCRIBE's failure handed to
 * `onError` (the connection is retried and subscribes again when ready).
 * `onSubscribed` runs after each confirmed subscription. For connections made
 * with autoResubscribe off (see createSubscriberConnection).
 */
export function keepSubscribed(redis: Redis, channels: string[], handlers: { onSubscribed?: () => void; onError: (err: Error) => void }): void {
  const subscribe = () => {
    redis.subscribe(...channels).then(
      () => handlers.onSubscribed?.(),
      (err: Error) => handlers.onError(err),
    );
  };
  redis.on('ready', subscribe);
  if (redis.status === 'ready') subscribe();
}

function connection(target: RedisTarget, options: RedisOptions): Redis {
  if (target.sentinels.length === 0) return new Redis(target.url, options);
  return new Redis({ ...sentinelOptions(target), ...options });
}

/**
 * ioredis's own Sentinel support: it asks the sentinels for the primary on
 * every (re)connect and checks the role it reached (INFO). Tuned for a
 * failover measured in seconds:
 * - `reconnectOnError` on READONLY: a primary demoted while we stayed
 *   connected answers writes with READONLY; reconnecting asks the sentinels
 *   again. (The breaker counts READONLY as an outage, so that request
 *   already went to MySQL.)
 * - sentinel timeouts of about a second, so a dead sentinel costs one
 *   connect timeout before the next one is asked;
 * - `disconnectTimeout` short: when `SentinelWatch` moves a connection off a
 *   primary that hangs, the socket is destroyed after 300 ms instead of
 *   ioredis's 2 s wait for the peer to close it.
 * ioredis's `failoverDetector` is left off: `SentinelWatch` does its job
 * (see there for why).
 * The password (and user, and db) come from REDIS_URL; sentinels have their
 * own optional password.
 */
function sentinelOptions(target: RedisTarget): RedisOptions {
  const url = new URL(target.url);
  const db = Number(url.pathname.replace(/^\//, '') || 0);
  return {
    sentinels: target.sentinels,
    name: target.sentinelName,
    role: 'master',
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    sentinelPassword: target.sentinelPassword || undefined,
    sentinelCommandTimeout: 1_000,
    sentinelRetryStrategy: (times) => Math.min(100 * times, 1_000),
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 1 : false),
    disconnectTimeout: 300,
  };
}

/** `host:port` of the Redis this connection is on (the primary, under Sentinel); null while not connected. */
export function serverAddress(redis: Redis): string | null {
  if (redis.status !== 'ready') return null;
  const { remoteAddress, remotePort } = redis.stream ?? {};
  if (!remoteAddress || !remotePort) return null;
  return formatAddress(remoteAddress, remotePort);
}

/** `host:port`, IPv6 hosts in brackets. */
function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Connects, but gives up after `timeoutMs` so start-up never waits on a dead Redis. */
export async function connectWithin(redis: Redis, timeoutMs: number): Promise<boolean> {
  try {
    await withTimeout(redis.connect(), timeoutMs, 'redis connect');
    return true;
  } catch {
    return false;
  }
}

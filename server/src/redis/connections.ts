import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger';

export type { Redis };

/**
 * The command connection: no offline queue and a short command timeout, so a
 * Redis outage fails a command within a few hundred ms instead of queueing it
 * and making the request hang. Reconnects on its own in the background.
 */
export function createCommandConnection(url: string, commandTimeoutMs: number, logger: Logger): Redis {
  const options: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(100 * times, 1_000),
    enableReadyCheck: true,
  };
  const redis = new Redis(url, options);
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis command connection error'));
  return redis;
}

/**
 * A subscriber connection (a subscribing connection cannot run commands). It
 * keeps its offline queue so subscriptions made while down are replayed, and
 * ioredis re-subscribes by itself after reconnecting.
 */
export function createSubscriberConnection(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(100 * times, 1_000),
    autoResubscribe: true,
  });
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis subscriber connection error'));
  return redis;
}

/** Connects, but gives up after `timeoutMs` so start-up never waits on a dead Redis. */
export async function connectWithin(redis: Redis, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

import type { Config } from './config';
import { createPool, type Pool } from './db/pool';
import { tableNames, type Tables } from './db/schema';
import { AuditRepository } from './db/repositories/audit-repository';
import { AppointmentsRepository } from './db/repositories/appointments-repository';
import { CalendarRepository } from './db/repositories/calendar-repository';
import { ServicesRepository } from './db/repositories/services-repository';
import { SettingsRepository } from './db/repositories/settings-repository';
import { StaffRepository } from './db/repositories/staff-repository';
import type { Logger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { connectWithin, createCommandConnection, type Redis } from './redis/connections';
import { RedisGuard } from './redis/guard';
import { redisKeys, type RedisKeys } from './redis/keys';
import { defineScripts } from './redis/scripts';
import { SlotEventHub } from './realtime/events';
import { AvailabilityService } from './services/availability';
import { Catalogue } from './services/catalogue';
import { AvailabilityCache } from './stores/availability-cache';
import { SessionStore } from './stores/session-store';

/**
 * Everything the app needs, built once and handed to createApp (which does
 * not listen) and to the realtime server. Tests build their own with a
 * private database and key prefix.
 */
export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  pool: Pool;
  tables: Tables;
  redis: Redis | null;
  guard: RedisGuard;
  keys: RedisKeys;
  hub: SlotEventHub;
  repos: {
    services: ServicesRepository;
    staff: StaffRepository;
    settings: SettingsRepository;
    calendar: CalendarRepository;
    appointments: AppointmentsRepository;
    audit: AuditRepository;
  };
  cache: AvailabilityCache;
  catalogue: Catalogue;
  availability: AvailabilityService;
  sessions: SessionStore;
  /** Open WebSocket connections on this instance (set by the realtime server). */
  clientCount: () => number;
  /** Serve /demo (npm run demo). */
  demo: boolean;
  /** Called on shutdown, last registered first. */
  closers: (() => Promise<void> | void)[];
}

export async function buildDeps(config: Config, logger: Logger, options: { demo?: boolean; defaultMetrics?: boolean } = {}): Promise<AppDeps> {
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics });
  const pool = createPool(config.databaseUrl);
  const tables = tableNames(config.tablePrefix);
  const keys = redisKeys(config.redis.keyPrefix);

  let redis: Redis | null = null;
  if (config.redis.enabled) {
    redis = createCommandConnection(config.redis.url, config.redis.commandTimeoutMs, logger);
    defineScripts(redis);
    const ok = await connectWithin(redis, 1_500);
    if (!ok) logger.error('redis not reachable at start-up: starting on the MySQL fallback, retrying in the background');
  }
  const guard = new RedisGuard(redis, logger, metrics);

  const repos = {
    services: new ServicesRepository(pool, tables),
    staff: new StaffRepository(pool, tables),
    settings: new SettingsRepository(pool, tables),
    calendar: new CalendarRepository(pool, tables),
    appointments: new AppointmentsRepository(pool, tables),
    audit: new AuditRepository(pool, tables),
  };
  const cache = new AvailabilityCache(guard, keys, config.availabilityCacheSeconds);
  const catalogue = new Catalogue(repos, cache);
  const availability = new AvailabilityService({ catalogue, cache, appointments: repos.appointments, calendar: repos.calendar, metrics });

  // Invalidations sent while Redis was down were lost: when it answers again,
  // void every cached day rather than serve one from before the outage.
  guard.on('up', () => void cache.invalidateCatalogue().catch(() => {}));

  const deps: AppDeps = {
    config,
    logger,
    metrics,
    pool,
    tables,
    redis,
    guard,
    keys,
    hub: new SlotEventHub(),
    repos,
    cache,
    catalogue,
    availability,
    sessions: new SessionStore(guard, keys, pool, tables, config.sessionTtlSeconds),
    clientCount: () => 0,
    demo: options.demo ?? false,
    closers: [],
  };
  deps.closers.push(async () => {
    guard.close();
    if (redis) redis.disconnect();
    await pool.end();
  });
  return deps;
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  for (const close of [...deps.closers].reverse()) {
    try {
      await close();
    } catch (err) {
      deps.logger.warn({ err }, 'error while closing');
    }
  }
  deps.closers.length = 0;
}

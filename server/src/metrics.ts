import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per app instance (not prom-client's global one), so several
 * sidecars in one test process keep separate counts.
 */
export function createMetrics(options: { defaultMetrics?: boolean; instance?: string } = {}) {
  const registry = new Registry();
  // Every series names its instance: scraped through a proxy, counters of two
  // instances would otherwise look like one counter jumping back and forth.
  if (options.instance) registry.setDefaultLabels({ appointease_instance: options.instance });
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'appointease_process_' });
  const m = {
    registry,
    cacheHits: new Counter({ name: 'appointease_availability_cache_hits_total', help: 'Availability reads served from the Redis cache', registers: [registry] }),
    cacheMisses: new Counter({ name: 'appointease_availability_cache_misses_total', help: 'Availability reads computed from MySQL', registers: [registry] }),
    locksAcquired: new Counter({ name: 'appointease_locks_acquired_total', help: 'Slot locks granted', labelNames: ['store'] as const, registers: [registry] }),
    locksRefused: new Counter({ name: 'appointease_locks_refused_total', help: 'Slot lock requests refused', labelNames: ['reason'] as const, registers: [registry] }),
    fallbackOperations: new Counter({
      name: 'appointease_redis_fallback_operations_total',
      help: 'Operations served by the MySQL fallback instead of Redis',
      labelNames: ['duty', 'reason'] as const,
      registers: [registry],
    }),
    redisLateReplies: new Counter({
      name: 'appointease_redis_late_replies_total',
      help: 'Redis commands whose reply came later than REDIS_COMMAND_TIMEOUT_MS, by what the probe then found: redis_answered (the command was asked again on Redis) or outage (the breaker opened)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    redisUp: new Gauge({ name: 'appointease_redis_up', help: '1 when Redis is in use, 0 when the MySQL fallback is', registers: [registry] }),
    mysqlUp: new Gauge({ name: 'appointease_mysql_up', help: '1 while MySQL answers, 0 while this instance finds it gone (requests needing it get 503 database_unavailable)', registers: [registry] }),
    wsClients: new Gauge({ name: 'appointease_websocket_clients', help: 'Open WebSocket connections on this instance', registers: [registry] }),
    dbRetries: new Counter({
      name: 'appointease_db_retries_total',
      help: 'Transactions (or single statements) run again after a deadlock, lock-wait timeout or snapshot conflict',
      labelNames: ['transaction', 'reason'] as const,
      registers: [registry],
    }),
    dbRetriesExhausted: new Counter({
      name: 'appointease_db_retries_exhausted_total',
      help: 'Work that still lost a lock race after every retry (answered 503)',
      labelNames: ['transaction', 'reason'] as const,
      registers: [registry],
    }),
    cacheRecoveryVoided: new Counter({
      name: 'appointease_cache_recovery_voided_total',
      help: 'Cached availability voided when Redis answered again: days changed during the outage, or the whole catalogue',
      labelNames: ['scope'] as const,
      registers: [registry],
    }),
    bookings: new Counter({ name: 'appointease_bookings_total', help: 'Booking attempts by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    httpDuration: new Histogram({
      name: 'appointease_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    ...outboxMetrics(registry),
    ...calendarMetrics(registry),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The outbox (docs/outbox.md), fed by OutboxWorker. Gauges are this
 * instance's latest read of the shared table, so every instance reports the
 * same numbers: aggregate with max(), not sum().
 */
function outboxMetrics(registry: Registry) {
  return {
    outboxDepth: new Gauge({
      name: 'appointease_outbox_depth',
      help: 'Outbox rows due and not finished (in flight and waiting for a retry included), by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    outboxScheduled: new Gauge({ name: 'appointease_outbox_scheduled', help: 'Outbox rows planned for later (reminders), by kind', labelNames: ['kind'] as const, registers: [registry] }),
    outboxOldestDueAge: new Gauge({
      name: 'appointease_outbox_oldest_due_age_seconds',
      help: 'Seconds since the due time of the oldest unfinished due outbox row, by kind (0 when none)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    outboxDeliveries: new Counter({
      name: 'appointease_outbox_deliveries_total',
      help: 'Outbox attempts on this instance by kind and outcome (done, retry, failed, cancelled, lease_lost)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    outboxLag: new Histogram({
      name: 'appointease_outbox_lag_seconds',
      help: 'From a row\'s due time to its successful delivery, by kind (kind="reminder" is the reminder lag)',
      labelNames: ['kind'] as const,
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: [registry],
    }),
    outboxWorkerErrors: new Counter({
      name: 'appointease_outbox_worker_errors_total',
      help: 'Outbox worker database errors by stage (claim, finish, stats, purge); the worker keeps going',
      labelNames: ['stage'] as const,
      registers: [registry],
    }),
  };
}

export type OutboxMetrics = ReturnType<typeof outboxMetrics>;

/** Busy calendars (CONTRACT §13, docs/calendars.md), counted on the instance that ran the sync. */
function calendarMetrics(registry: Registry) {
  return {
    calendarSyncs: new Counter({
      name: 'appointease_calendar_syncs_total',
      help: 'Busy calendar fetches by outcome (changed, unchanged, not_modified, failed; skipped: removed meanwhile or shutting down)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    calendarSyncFailures: new Counter({
      name: 'appointease_calendar_sync_failures_total',
      help: 'Busy calendar fetches that failed, by error code (the calendar keeps its last good copy)',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    calendarSyncSeconds: new Histogram({
      name: 'appointease_calendar_sync_duration_seconds',
      help: 'One busy calendar fetched, parsed and stored',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
  };
}

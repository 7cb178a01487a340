import { randomBytes } from 'node:crypto';
import type { Config } from './config';
import { DatabaseGuard, guardPool } from './db/database-guard';
import { createPool, onContention, probeDatabase, type Pool } from './db/pool';
import { tableNames, type Tables } from './db/schema';
import { AuditRepository } from './db/repositories/audit-repository';
import { AppointmentsRepository } from './db/repositories/appointments-repository';
import { CalendarRepository } from './db/repositories/calendar-repository';
import { ServicesRepository } from './db/repositories/services-repository';
import { SettingsRepository } from './db/repositories/settings-repository';
import { StaffRepository } from './db/repositories/staff-repository';
import { CustomerAppointmentsRepository } from './db/repositories/customer-appointments-repository';
import { EmailTemplatesRepository } from './db/repositories/email-templates-repository';
import { OutboxRepository } from './db/repositories/outbox-repository';
import { WebhooksRepository } from './db/repositories/webhooks-repository';
import { OutboundClient } from './outbound/http-client';
import { OutboxWorker } from './outbox/outbox-worker';
import { WEBHOOK_OUTBOX_KIND } from './webhooks/enqueue-webhook-event';
import { webhookDeliveryHandler } from './webhooks/webhook-delivery-handler';
import { ActiveWebhooks } from './services/active-webhooks';
import { AdminWebhooks } from './services/admin-webhooks';
import { BookingOutbox, MAIL_CONCURRENCY_KEY, REMINDER_OUTBOX_KIND } from './services/booking-outbox';
import { reminderHandler } from './services/reminder-handler';
import { MailComposer } from './mail/composer';
import { Mailer } from './mail/mailer';
import type { MailTransport } from './mail/message';
import { MailQueue } from './mail/queue';
import { createMailTransport } from './mail/transports';
import { IdentityService, startIdentityJanitor } from './services/identity';
import { SelfService } from './services/self-service';
import { VERIFY_BUDGET_TYPES, VerificationBudget } from './services/verification-budget';
import { CodeStore } from './stores/code-store';
import { RateLimiter } from './stores/rate-limiter';
import { BudgetCounters } from './stores/budget-counters';
import type { Logger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { connectWithin, createCommandConnection, createSubscriberConnection, type Redis } from './redis/connections';
import { RedisGuard } from './redis/guard';
import { SentinelWatch } from './redis/sentinel-watch';
import { redisKeys, type RedisKeys } from './redis/keys';
import { defineScripts } from './redis/scripts';
import { SlotEventHub } from './realtime/events';
import { ExpirySweeper } from './realtime/expiry-sweeper';
import { RedisBridge } from './realtime/redis-bridge';
import { WorkerRelay, type RelayChannel } from './realtime/worker-relay';
import { RealtimeServer } from './realtime/ws-server';
import { lockExpirySource } from './realtime/lock-expiry-source';
import { AdminAppointments } from './services/admin-appointments';
import { AdminCatalogue } from './services/admin-catalogue';
import { AdminSettings } from './services/admin-settings';
import { AvailabilityService } from './services/availability';
import { AvailabilityRecovery } from './services/availability-recovery';
import { Catalogue } from './services/catalogue';
import { AvailabilityCache } from './stores/availability-cache';
import { SessionStore } from './stores/session-store';
import { MysqlLockStore } from './stores/mysql-lock-store';
import { RedisLockStore } from './stores/redis-lock-store';
import { ResilientLockStore } from './stores/resilient-lock-store';
import { LockService } from './services/locks';
import { BusyCalendarsRepository } from './db/repositories/busy-calendars-repository';
import { BusyCalendarWorker } from './calendar/busy-worker';
import { CalendarSync } from './services/calendar-sync';
import { ReminderSweep } from './services/reminder-sweep';
import { StaffCalendars } from './services/staff-calendars';
import { BookingService } from './services/booking';

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
  /** Whether MySQL is there, as this instance last found (the pool goes through it). */
  database: DatabaseGuard;
  tables: Tables;
  redis: Redis | null;
  guard: RedisGuard;
  keys: RedisKeys;
  hub: SlotEventHub;
  /** Fan-out to other instances over `slot_updates`; null when REDIS_ENABLED=false. */
  bridge: RedisBridge | null;
  /** Announces expired locks of the lock store (its source is given at construction). */
  sweeper: ExpirySweeper;
  /** The WebSocket server; startServer attaches it to the HTTP server. */
  realtime: RealtimeServer;
  repos: {
    services: ServicesRepository;
    staff: StaffRepository;
    settings: SettingsRepository;
    calendar: CalendarRepository;
    appointments: AppointmentsRepository;
    audit: AuditRepository;
    customerAppointments: CustomerAppointmentsRepository;
    emailTemplates: EmailTemplatesRepository;
    outbox: OutboxRepository;
    webhooks: WebhooksRepository;
    busyCalendars: BusyCalendarsRepository;
  };
  cache: AvailabilityCache;
  catalogue: Catalogue;
  availability: AvailabilityService;
  sessions: SessionStore;
  codes: CodeStore;
  rates: RateLimiter;
  mailQueue: MailQueue;
  /** Sends one message now (the outbox's reminders send through it; everything else goes through the queue). */
  mailTransport: MailTransport;
  mailer: Mailer;
  identity: IdentityService;
  selfService: SelfService;
  lockStore: ResilientLockStore;
  locks: LockService;
  booking: BookingService;
  /** The HTTP client for URLs site owners give us (webhooks; busy calendars): the address rule at connect time. */
  outbound: OutboundClient;
  /** What booking changes write to the outbox, in their transactions (CONTRACT §12). */
  bookingOutbox: BookingOutbox;
  /** Delivers webhooks and reminders from the outbox; every instance runs one (docs/outbox.md). */
  outboxWorker: OutboxWorker;
  /** Staff calendars (CONTRACT §13): the feed and its address, busy calendar URLs and their sync record. */
  staffCalendars: StaffCalendars;
  /** Fetches the busy calendars every CALENDAR_SYNC_SECONDS (one instance at a time). */
  calendarSync: CalendarSync;
  /** Plans the reminders no booking change planned (services/reminder-sweep.ts). */
  reminderSweep: ReminderSweep;
  /** wp-admin's services (CONTRACT §7), built here like every other service. */
  admin: { catalogue: AdminCatalogue; appointments: AdminAppointments; settings: AdminSettings; webhooks: AdminWebhooks };
  /** Open WebSocket connections on this instance. */
  clientCount: () => number;
  /** Active slot locks, for GET /admin/stats (set by the lock store; absent = reported as null). */
  lockCount?: () => Promise<number>;
  /** Where this instance listens, once it does (set by startServer): the manage links' last resort. */
  listenUrl?: string;
  /** Serve /demo (npm run demo). */
  demo: boolean;
  /** Called on shutdown, last registered first. */
  closers: (() => Promise<void> | void)[];
}

/** How long finished webhook deliveries stay in the admin's list. */
const DELIVERY_RETENTION_MS = 30 * 86_400_000;

export async function buildDeps(
  config: Config,
  logger: Logger,
  options: {
    demo?: boolean;
    defaultMetrics?: boolean;
    /** This process is one worker of `npm start` (WORKERS > 1): its group's id and IPC channel to the primary. */
    worker?: { group: string; channel: RelayChannel };
  } = {},
): Promise<AppDeps> {
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics, instance: config.instanceName });
  // At most this many requests wait for a connection; more are answered 503 at once (the guard bounds the wait itself).
  const pool = createPool(config.databaseUrl, { queueLimit: 200 });
  const database = new DatabaseGuard(() => probeDatabase(config.databaseUrl, 1_000), logger);
  guardPool(pool, database);
  metrics.mysqlUp.set(1);
  database.on('down', () => metrics.mysqlUp.set(0));
  database.on('up', () => metrics.mysqlUp.set(1));
  onContention(pool, (e) => {
    if (e.outcome === 'retried') return void metrics.dbRetries.inc({ transaction: e.name, reason: e.reason });
    metrics.dbRetriesExhausted.inc({ transaction: e.name, reason: e.reason });
    logger.warn({ transaction: e.name, reason: e.reason, attempts: e.attempt }, 'database contention outlasted every retry');
  });
  const tables = tableNames(config.tablePrefix);
  const keys = redisKeys(config.redis.keyPrefix);

  let redis: Redis | null = null;
  if (config.redis.enabled) {
    redis = createCommandConnection(config.redis, config.redis.commandTimeoutMs, logger);
    defineScripts(redis);
    const ok = await connectWithin(redis, 1_500);
    if (!ok) logger.error('redis not reachable at start-up: starting on the MySQL fallback, retrying in the background');
  }
  const guard = new RedisGuard(redis, logger, metrics, 500, keys.breakerProbe());

  const repos = {
    services: new ServicesRepository(pool, tables),
    staff: new StaffRepository(pool, tables),
    settings: new SettingsRepository(pool, tables),
    calendar: new CalendarRepository(pool, tables),
    appointments: new AppointmentsRepository(pool, tables),
    audit: new AuditRepository(pool, tables),
    customerAppointments: new CustomerAppointmentsRepository(pool, tables),
    emailTemplates: new EmailTemplatesRepository(pool, tables),
    outbox: new OutboxRepository(pool, tables),
    webhooks: new WebhooksRepository(pool, tables),
    busyCalendars: new BusyCalendarsRepository(pool, tables),
  };
  const cache = new AvailabilityCache(guard, keys, config.availabilityCacheSeconds);
  const catalogue = new Catalogue(repos, cache);
  const lockStore = new ResilientLockStore(guard, new RedisLockStore(guard, keys), new MysqlLockStore(pool, tables), logger);
  // Locks are overlaid on every availability read, live (never cached).
  const availability = new AvailabilityService({ catalogue, cache, appointments: repos.appointments, calendar: repos.calendar, busyCalendars: repos.busyCalendars, locks: lockStore, metrics });

  // Invalidations sent while Redis was down were lost: when it answers again,
  // void the cached days changed meanwhile (from the audit log), not every day.
  new AvailabilityRecovery({
    guard,
    cache,
    catalogue,
    audit: repos.audit,
    appointments: repos.appointments,
    metrics,
    logger,
    cacheTtlSeconds: config.availabilityCacheSeconds,
  }).start();

  const sessions = new SessionStore(guard, keys, pool, tables, config.sessionTtlSeconds, logger);
  const codes = new CodeStore(guard, keys, pool, tables);
  const rates = new RateLimiter(guard, keys, pool, tables);
  // The guessing budgets: decided in Redis while it holds every failure MySQL knows of, else in MySQL.
  const budgetCounters = new BudgetCounters(guard, keys, rates, VERIFY_BUDGET_TYPES, logger);
  const mailTransport = createMailTransport(config, logger);
  const mailQueue = new MailQueue(mailTransport, logger, { retryDelayMs: config.mail.retryDelayMs });
  // `deps` is assigned below; the composer asks for the listening address only when it builds a link.
  const composer = new MailComposer({ templates: repos.emailTemplates, catalogue, settings: repos.settings, config, listenUrl: () => deps.listenUrl });
  const mailer = new Mailer(mailQueue, composer);
  const hub = new SlotEventHub();
  let bridge: RedisBridge | null = null;
  let sentinelWatch: SentinelWatch | undefined;
  if (redis) {
    const subscriber = createSubscriberConnection(config.redis, logger);
    bridge = new RedisBridge(hub, redis, subscriber, keys.slotUpdatesChannel(), logger, options.worker?.group);
    bridge.start();
    // Under Sentinel: moves both connections off a primary that hangs instead of dying.
    if (config.redis.sentinels.length > 0) {
      sentinelWatch = new SentinelWatch(config.redis, [redis, subscriber], logger);
      sentinelWatch.start();
    }
  }
  // Sibling workers hear this one's events through the primary, Redis or not.
  const relay = options.worker ? new WorkerRelay(hub, options.worker.channel) : undefined;
  const sweeper = new ExpirySweeper([lockExpirySource(lockStore)], hub, logger, config.lockSweepIntervalMs);
  const realtime = new RealtimeServer({ config, hub, logger, metrics });
  const locks = new LockService({ config, store: lockStore, availability, catalogue, cache, hub, metrics, audit: repos.audit });
  // The outbox (docs/outbox.md): booking changes write webhook events and reminders in their own
  // transactions; this instance's worker delivers whatever is due, like every other instance's.
  const outbound = new OutboundClient({ allowPrivate: config.outbound.allowPrivate });
  const leaseMs = config.outbox.leaseMs;
  const outboxWorker = new OutboxWorker({
    repository: repos.outbox,
    handlers: {
      [WEBHOOK_OUTBOX_KIND]: webhookDeliveryHandler({ client: outbound, webhooks: repos.webhooks }),
      // Composing plus the SMTP dialogue (nodemailer gives up after 10 s connect + 10 s greeting + 20 s idle);
      // always inside the lease with the worker's margin to spare.
      [REMINDER_OUTBOX_KIND]: reminderHandler({ appointments: repos.appointments, catalogue, compose: composer, transport: mailTransport, timeoutMs: Math.min(40_000, leaseMs - 5_000) }),
    },
    logger,
    metrics,
    owner: `${config.instanceName}:${process.pid}:${randomBytes(3).toString('hex')}`,
    pollIntervalMs: config.outbox.pollIntervalMs,
    leaseMs,
    // Reminders share one mail server: half the slots (and the SMTP pool's 4 connections), so one that
    // hangs still leaves webhooks the other half; each webhook receiver keeps the default cap of 2.
    keyConcurrency: { [MAIL_CONCURRENCY_KEY]: 4 },
  });
  // Booking changes read the active webhooks from memory; admin changes reach every instance through Redis.
  const activeWebhooks = new ActiveWebhooks({ repo: repos.webhooks, guard, generationKey: keys.webhooksGeneration() });
  const bookingOutbox = new BookingOutbox({ outbox: repos.outbox, webhooks: repos.webhooks, activeWebhooks, wake: (dueAt) => outboxWorker.wake(dueAt) });
  // Reminders no booking change planned: appointments from before the upgrade, offsets added later.
  const reminderSweep = new ReminderSweep(
    { pool, appointments: repos.appointments, outbox: repos.outbox, settings: repos.settings, wake: (dueAt) => outboxWorker.wake(dueAt), logger },
    { periodMs: config.outbox.reminderSweepMs },
  );
  const booking = new BookingService({ pool, appointments: repos.appointments, audit: repos.audit, busyCalendars: repos.busyCalendars, catalogue, availability, locks, hub, metrics, logger, outbox: bookingOutbox });

  // Staff calendars (CONTRACT §13): busy calendars go through the outbound client (the address rule), their parsing through a worker thread.
  const busyWorker = new BusyCalendarWorker();
  const staffCalendars = new StaffCalendars({
    repo: repos.busyCalendars,
    audit: repos.audit,
    catalogue,
    outbound,
    secret: config.secret,
    apiRoot: async () => (await composer.site()).apiRoot,
  });
  const calendarSync = new CalendarSync(
    { pool, repo: repos.busyCalendars, audit: repos.audit, outbound, worker: busyWorker, catalogue, availability, hub, metrics, logger },
    { periodSeconds: config.calendar.syncSeconds, fetchTimeoutMs: config.calendar.fetchTimeoutMs, instance: config.instanceName },
  );

  // Customer mail follows the booking's commits, off the request path.
  booking.onBooked.push((e) => mailer.bookingConfirmed(e.row));
  booking.onRescheduled.push((e) => mailer.rescheduled(e.row, e.from));

  const deps: AppDeps = {
    config,
    logger,
    metrics,
    pool,
    database,
    tables,
    redis,
    guard,
    keys,
    hub,
    bridge,
    sweeper,
    realtime,
    repos,
    cache,
    catalogue,
    availability,
    sessions,
    codes,
    rates,
    mailQueue,
    mailTransport,
    mailer,
    identity: new IdentityService({ config, codes, rates, sessions, budget: new VerificationBudget(budgetCounters), mailer, logger }),
    selfService: new SelfService({ pool, appointments: repos.appointments, customerAppointments: repos.customerAppointments, audit: repos.audit, catalogue, availability, hub, mailer, outbox: bookingOutbox }),
    lockStore,
    locks,
    booking,
    outbound,
    bookingOutbox,
    outboxWorker,
    reminderSweep,
    staffCalendars,
    calendarSync,
    admin: {
      catalogue: new AdminCatalogue({ pool, catalogue, repos, calendars: { checkUrls: (urls) => staffCalendars.checkUrls(urls), requestRun: () => calendarSync.requestRun() } }),
      appointments: new AdminAppointments({ pool, catalogue, availability, hub, repos, mailer, outbox: bookingOutbox }),
      settings: new AdminSettings({ pool, catalogue, repos, changed: () => reminderSweep.requestRun() }),
      webhooks: new AdminWebhooks({ webhooks: repos.webhooks, client: outbound, audit: repos.audit, active: activeWebhooks }),
    },
    // Admin stats: every live lock in both stores (the admin list's own source).
    lockCount: async () => (await locks.adminList()).length,
    clientCount: () => realtime.clientCount,
    demo: options.demo ?? false,
    closers: [],
  };
  const stopJanitor = startIdentityJanitor([codes, rates, sessions], logger);
  deps.closers.push(async () => {
    stopJanitor();
    await mailQueue.close();
    guard.close();
    if (redis) redis.disconnect();
    database.close();
    await pool.end();
  });
  deps.closers.push(() => bridge?.close());
  deps.closers.push(() => relay?.close());
  deps.closers.push(() => sentinelWatch?.close());
  deps.closers.push(() => sweeper.close());
  deps.closers.push(async () => {
    // The thread first: a parse in flight is given up at once instead of running out its budget.
    const stopping = calendarSync.close();
    await busyWorker.close();
    await stopping;
  });
  // startServer closes it first (sockets before the HTTP server); this covers deps used without a server.
  deps.closers.push(() => realtime.close());
  // Before the pool and the mail transport close (earlier closers run later): attempts in flight get 5 s,
  // then are abandoned and left due at once for any instance.
  deps.closers.push(() => outboxWorker.stop(5_000));
  deps.closers.push(() => reminderSweep.close());
  // The admin's deliveries list keeps 30 days (the outbox rows behind it go after 7, with the worker's purge).
  const purgeDeliveries = setInterval(() => {
    repos.webhooks.purgeDeliveries(DELIVERY_RETENTION_MS).catch((err) => logger.warn({ err: (err as Error).message }, 'webhook deliveries: purge failed'));
  }, 3_600_000);
  purgeDeliveries.unref();
  deps.closers.push(() => clearInterval(purgeDeliveries));
  sweeper.start();
  outboxWorker.start();
  reminderSweep.start();
  calendarSync.start();
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

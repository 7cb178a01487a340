import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { z } from 'zod';

/**
 * The only reader of `process.env` (STYLE: config parsed once with zod).
 * Variables and defaults are CONTRACT §1; anything not there is an
 * operational knob with a safe default, documented in the README.
 */

/**
 * Each variable's schema carries its documentation as zod metadata: `doc` (what it
 * means), and from the helpers below its `default` and `range`. The README's
 * configuration table and `.env.example` are generated from it
 * (`npm run docs:config`; a test keeps them in step).
 */
export type VariableDoc = {
  doc: string;
  /** The default value (absent: empty). */
  default?: string;
  /** The default in words, when it is not one value ("pretty on a terminal, else json"). */
  defaultText?: string;
  /** Accepted values, e.g. "1–1000" or "true / false". */
  range?: string;
  /** CONTRACT §1 lists it (the rest are operational knobs). */
  contract?: boolean;
  /** A value worth showing in .env.example (otherwise the default). */
  example?: string;
};

const bool = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${v}"` });
      return z.NEVER;
    })
    .meta({ default: String(fallback), range: 'true / false' });

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (!/^-?\d+$/.test(v)) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number, got "${v}"` });
        return z.NEVER;
      }
      const n = Number(v);
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    })
    .meta({ default: String(fallback), range: `${min}–${max}` });

const text = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? fallback : v.trim()))
    .meta(fallback === '' ? {} : { default: fallback });

/** One of a few words; empty counts as unset, as for every other variable (`LOG_LEVEL=` in a .env). */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v), z.enum(values).optional()).meta({ range: values.join(' / ') });

const url = (fallback: string, protocols: string[]) =>
  text(fallback).refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a ${protocols.join(' or ')} URL` },
  ).meta({ range: `a ${protocols.join(' or ')} URL` });

const doc = (text: string, extra: Omit<VariableDoc, 'doc'> = {}): VariableDoc => ({ doc: text, ...extra });
const contract = (text: string, extra: Omit<VariableDoc, 'doc' | 'contract'> = {}): VariableDoc => doc(text, { ...extra, contract: true });

/** `host:port,host:port` (IPv6 as `[::1]:26379`; a missing port is `defaultPort`); undefined when malformed. */
function parseHostPorts(list: string, defaultPort: number): { host: string; port: number }[] | undefined {
  const out: { host: string; port: number }[] = [];
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(item);
    const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
    if (!m || port < 1 || port > 65535) return undefined;
    out.push({ host: m[1] ?? m[2]!, port });
  }
  return out;
}

const envSchema = z.object({
  // CONTRACT §1, in its order.
  PORT: int(8787, 0, 65535).meta(contract('HTTP + WebSocket port')),
  HOST: text('127.0.0.1').meta(contract('bind address; behind a proxy on the same host keep 127.0.0.1')),
  DATABASE_URL: url('mysql://root@127.0.0.1:3306/wordpress', ['mysql:', 'mariadb:']).meta(contract('the WordPress database (`mysql://user:password@host:3306/database`)')),
  WP_TABLE_PREFIX: text('wp_')
    .refine((v) => /^[A-Za-z0-9_]{1,32}$/.test(v), { message: 'letters, digits and underscores only' })
    .meta(contract("WordPress table prefix (the site's `$table_prefix`)", { range: 'letters, digits, _; 1–32' })),
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis:', 'rediss:']).meta(contract('Redis (standalone; with `REDIS_SENTINELS`, only its password, user and db are used); a password goes in as `redis://:password@host:6379`')),
  REDIS_ENABLED: bool(true).meta(contract('`false` = run everything on MySQL (the rollback switch, docs/deploy.md)')),
  REDIS_KEY_PREFIX: text('')
    .refine((v) => !/\s/.test(v), { message: 'must not contain spaces' })
    .meta(contract('prepended to every Redis key and channel; the same on every instance of one site')),
  // CONTRACT §14.
  REDIS_SENTINELS: text('')
    .transform((v, ctx) => {
      const sentinels = parseHostPorts(v, 26379);
      if (sentinels) return sentinels;
      ctx.addIssue({ code: 'custom', message: 'expected a comma list of host:port' });
      return z.NEVER;
    })
    .meta(
      contract('comma list of `host:port` of Redis Sentinels; when set, the sidecar uses the primary they name and follows failovers (`REDIS_URL` then gives only the password, user and db; docs/deploy.md)', {
        range: 'host:port, … (port 26379 when left out)',
        example: '',
      }),
    ),
  REDIS_SENTINEL_NAME: text('mymaster')
    .refine((v) => !/\s/.test(v), { message: 'must not contain spaces' })
    .meta(contract("the primary's name at the Sentinels", { default: 'mymaster' })),
  APPOINTEASE_SECRET: z
    .string()
    .optional()
    .meta(
      contract(
        'HS256 secret shared with the WordPress bridge (`openssl rand -hex 32`); required unless `NODE_ENV` is `development` or `test` (then a random one per process); a value from these docs or examples is refused in production',
        { range: '≥ 32 characters', defaultText: 'none', example: '' },
      ),
    ),
  ALLOWED_ORIGINS: text('').meta(
    contract("comma list of browser origins allowed for CORS and the WebSocket; the sidecar's own origin is always allowed; requests without `Origin` are allowed", {
      example: '',
    }),
  ),
  MAIL_TRANSPORT: text('log').meta(
    contract('`smtp://host:port`, `smtps://user:pass@host:port`, `wordpress` (relay through the bridge), or `log` (prints mail; refused when `NODE_ENV=production`)', {
      example: 'wordpress',
    }),
  ),
  MAIL_FROM: text('AppointEase <no-reply@localhost>').meta(contract('sender of every mail, and the organizer of the `.ics` invitations', { example: 'Example Salon <bookings@example.com>' })),
  WORDPRESS_URL: text('').meta(contract('the site\'s URL; needed for `MAIL_TRANSPORT=wordpress`', { example: 'https://example.com' })),
  TRUST_PROXY: bool(false).meta(
    contract('only when true is `X-Forwarded-For` (its last entry: what your proxy saw) used as the client IP, and `X-Forwarded-Host` as the request\'s host; only behind a proxy'),
  ),
  LOCK_TTL_SECONDS: int(600, 2, 86_400).meta(contract('slot hold lifetime')),
  AVAILABILITY_CACHE_SECONDS: int(30, 1, 86_400).meta(contract('availability cache lifetime')),
  OTP_TTL_SECONDS: int(600, 10, 86_400).meta(contract('one-time code lifetime')),
  SESSION_TTL_SECONDS: int(86_400, 60, 30 * 86_400).meta(contract('customer session lifetime')),
  MAX_LOCKS_PER_CLIENT: int(3, 1, 1000).meta(contract('concurrent holds one client IP may have (beyond: 429 `too_many_locks`); an IPv6 /64 counts as one client')),
  CALENDAR_SYNC_SECONDS: int(300, 1, 86_400).meta(
    contract('how often the busy calendars (staff records\' `busyCalendars`, CONTRACT §13) are fetched again, by one instance at a time'),
  ),
  METRICS_TOKEN: text('').meta(contract('a bearer token that may read `/appointease/v1/metrics` besides an admin JWT', { example: '' })),
  // Operational knobs beyond the contract.
  NODE_ENV: oneOf(['production', 'development', 'test']).meta(doc('`development` / `test` relax the secret and mail rules', { default: 'production' })),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).meta(doc('pino log level', { defaultText: '`info` (`silent` in tests)', example: 'info' })),
  LOG_FORMAT: oneOf(['json', 'pretty']).meta(
    doc('`json`: one JSON object per line (for journald, Docker, a log shipper); `pretty`: coloured, human-readable lines', { defaultText: '`pretty` on a terminal, else `json`' }),
  ),
  INSTANCE_NAME: text('')
    .refine((v) => /^[\w.:@-]{0,64}$/.test(v), { message: 'letters, digits and . : @ _ - only, at most 64' })
    .meta(doc('how this instance names itself in `/health`, `/metrics` and its logs', { defaultText: 'host name and `:PORT`', example: '' })),
  WORKERS: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 256) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from 1 to 256, got "${v}"` });
        return z.NEVER;
      }
      return Number(v);
    })
    .meta(
      doc(
        '`npm start` runs this many worker processes on one port (node:cluster), each a full sidecar; a crashed one is restarted, SIGTERM drains them all. Live events reach every worker through the primary, Redis or not (other instances through Redis). With a CPU limit (containers) set it to the cores you grant (docs/deploy.md)',
        { range: '1–256', defaultText: 'one per core (`os.availableParallelism()`) when `NODE_ENV=production`, else 1', example: '' },
      ),
    ),
  REDIS_COMMAND_TIMEOUT_MS: int(300, 20, 10_000).meta(doc('a Redis reply later than this makes the sidecar ask Redis again (a probe); unanswered within as long again, it counts as an outage and the MySQL fallback answers')),
  REDIS_SENTINEL_PASSWORD: text('').meta(doc("the Sentinels' own `requirepass`, when they have one (the same on all of them)", { example: '' })),
  OTP_SEND_LIMIT: int(3, 1, 1000).meta(doc('codes one address may be sent per `OTP_SEND_WINDOW_SECONDS`')),
  OTP_SEND_WINDOW_SECONDS: int(600, 1, 86_400).meta(doc('the window of `OTP_SEND_LIMIT`')),
  OTP_IP_LIMIT: int(10, 1, 100_000).meta(doc('codes one client IP (an IPv6 /64) may request per `OTP_IP_WINDOW_SECONDS` (any addresses)')),
  OTP_IP_WINDOW_SECONDS: int(600, 1, 86_400).meta(doc('the window of `OTP_IP_LIMIT`')),
  MAIL_RETRY_DELAY_MS: int(2_000, 10, 600_000).meta(doc('first retry delay of a failed mail (doubles; 4 attempts)')),
  PUBLIC_URL: text('').meta(
    doc(
      "where browsers reach the sidecar (the base of `/appointease/v1`, the bridge's `APPOINTEASE_SIDECAR_URL`): the manage links in customer mails point there; a path is kept, no query",
      { range: 'an http or https URL', defaultText: "the WordPress site's own origin (its `home` option)", example: '' },
    ),
  ),
  WS_MAX_CONNECTIONS_PER_IP: int(50, 1, 1_000_000).meta(doc('open WebSocket connections one client IP (an IPv6 /64) may hold; more are refused with 429 at the upgrade')),
  WS_PING_INTERVAL_MS: int(30_000, 50, 3_600_000).meta(doc('WebSocket ping interval; a peer that has not answered the previous ping is dropped')),
  WS_MAX_BUFFERED_BYTES: int(256 * 1024, 1024, 64 * 1024 * 1024).meta(doc('a socket whose unsent backlog passes this is dropped (slow consumer)')),
  LOCK_SWEEP_INTERVAL_MS: int(500, 50, 60_000).meta(doc('how often expired holds are taken from the index and announced (`slot_unlocked`, reason `expired`)')),
  CALENDAR_FETCH_TIMEOUT_MS: int(15_000, 100, 120_000).meta(
    doc('the whole fetch of one busy calendar (DNS, connect, redirects, the body) must end within this; later is an error on the calendar\'s record (docs/calendars.md)'),
  ),
  OUTBOUND_ALLOW_PRIVATE: bool(false).meta(
    doc('`true` lets webhooks and busy calendars (CONTRACT §12, §13) reach loopback, private and link-local addresses: development, an intranet receiver; it also opens the cloud metadata address (docs/outbox.md)'),
  ),
  // Only a safety net: a worker looks when its instance commits work, when an attempt ends and when the
  // earliest row it has seen falls due (the database tells it when), so the poll only finds what nobody
  // announced: rows of an instance that died between its commit and the delivery, which a crash already
  // delays by up to the 60 s lease. 15 s keeps that lag a quarter of the lease, matches the gauges' 15 s
  // refresh, and costs 240 statements an hour per instance instead of the 3,600 of a 1 s poll.
  OUTBOX_POLL_MS: int(15_000, 50, 60_000).meta(
    doc(
      'the safety poll: the longest an instance goes without looking for outbox rows no instance told it about (an instance died between a booking change and the delivery); its own changes, retries, and the next due row (reminder, retry, an expired lease) it has seen are looked at on time without it. One statement per look (docs/outbox.md)',
    ),
  ),
  REMINDER_SWEEP_SECONDS: int(600, 10, 86_400).meta(
    doc(
      'how often each instance plans the reminders no booking change planned: appointments from before the upgrade or written by the AppointEase plugin, offsets added to the `reminders` setting later (a settings change also runs it at once). Three or four statements a run when nothing is missing (docs/outbox.md)',
    ),
  ),
  OUTBOX_LEASE_SECONDS: int(60, 20, 3_600).meta(
    doc('how long an instance holds a claimed outbox row; a row whose instance died is taken over by another this long after the claim (docs/outbox.md)'),
  ),
});

export type Env = z.infer<typeof envSchema>;
type NodeEnv = NonNullable<Env['NODE_ENV']>;

export interface Config {
  nodeEnv: NodeEnv;
  logLevel: string;
  /** Unset: pretty when stdout is a terminal, JSON otherwise. */
  logFormat: 'json' | 'pretty' | undefined;
  /** This instance's name in /health, /metrics and logs (several instances behind one proxy). */
  instanceName: string;
  /** Worker processes `npm start` runs (server/src/cluster/primary.ts); 1 = no cluster. */
  workers: number;
  port: number;
  host: string;
  databaseUrl: string;
  tablePrefix: string;
  redis: {
    enabled: boolean;
    url: string;
    keyPrefix: string;
    commandTimeoutMs: number;
    /** CONTRACT §14: when non-empty, the primary is found through these Sentinels (REDIS_URL then gives only credentials and db). */
    sentinels: { host: string; port: number }[];
    sentinelName: string;
    sentinelPassword: string;
  };
  /** HS256 secret shared with the bridge; random per process in development/test when unset. */
  secret: string;
  secretIsEphemeral: boolean;
  allowedOrigins: string[];
  mail: { transport: string; from: string; wordpressUrl: string; retryDelayMs: number };
  /**
   * Where browsers reach the sidecar (the base of `/appointease/v1`, like the
   * bridge's APPOINTEASE_SIDECAR_URL): the manage links in mails point there.
   * Empty: the WordPress site's own origin (the documented nginx set-up).
   */
  publicUrl: string;
  /** One-time code send limits (CONTRACT §5: 3 per address per 10 minutes, plus a per-IP cap). */
  otp: { sendLimit: number; sendWindowSeconds: number; ipLimit: number; ipWindowSeconds: number };
  trustProxy: boolean;
  lockTtlSeconds: number;
  availabilityCacheSeconds: number;
  otpTtlSeconds: number;
  sessionTtlSeconds: number;
  maxLocksPerClient: number;
  metricsToken: string;
  /** WebSocket limits (CONTRACT §8 plus operational knobs). */
  websocket: { maxConnectionsPerIp: number; pingIntervalMs: number; maxBufferedBytes: number };
  /** How often the expiry sweeper looks for locks whose TTL ran out (events within 2 s). */
  lockSweepIntervalMs: number;
  /** Webhooks and busy calendars (CONTRACT §12, §13): may they reach loopback/private/link-local addresses? */
  outbound: { allowPrivate: boolean };
  /** The outbox worker every instance runs (docs/outbox.md). */
  outbox: { pollIntervalMs: number; leaseMs: number; reminderSweepMs: number };
  /** Busy calendars (CONTRACT §13): the sync period and one fetch's time budget. */
  calendar: { syncSeconds: number; fetchTimeoutMs: number };
  version: string;
  /** What start-up should warn about (unknown variables that look like ours). */
  warnings: string[];
}

export class ConfigError extends Error {}

function originOf(value: string): string {
  const u = new URL(value);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  return u.origin;
}

/**
 * Parses an environment into a Config. Throws ConfigError whose message is one
 * line naming the variable, so start-up can print it and exit.
 */
export function parseConfig(env: Record<string, string | undefined>, version = '0.0.0'): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid ${name}: ${issue.message}`);
  }
  const e = { ...parsed.data, NODE_ENV: parsed.data.NODE_ENV ?? 'production' };

  let secret = e.APPOINTEASE_SECRET ?? '';
  let secretIsEphemeral = false;
  if (secret === '') {
    if (e.NODE_ENV === 'production') {
      throw new ConfigError('Invalid APPOINTEASE_SECRET: required (at least 32 characters) unless NODE_ENV is development or test');
    }
    secret = randomBytes(32).toString('base64url');
    secretIsEphemeral = true;
  } else if (secret.length < 32) {
    throw new ConfigError('Invalid APPOINTEASE_SECRET: must be at least 32 characters');
  } else if (e.NODE_ENV === 'production') {
    const why = exampleSecretReason(secret);
    if (why) throw new ConfigError(`Invalid APPOINTEASE_SECRET: ${why}; generate your own with: openssl rand -hex 32`);
  }

  const allowedOrigins: string[] = [];
  for (const raw of e.ALLOWED_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean)) {
    try {
      allowedOrigins.push(originOf(raw));
    } catch {
      throw new ConfigError(`Invalid ALLOWED_ORIGINS: "${raw}" is not an http(s) origin`);
    }
  }

  if (e.REDIS_SENTINELS.length > 0 && e.REDIS_URL.startsWith('rediss:')) {
    throw new ConfigError('Invalid REDIS_URL: rediss:// (TLS) together with REDIS_SENTINELS is not supported; use redis://');
  }

  const transport = e.MAIL_TRANSPORT;
  if (!(transport === 'log' || transport === 'wordpress' || /^smtps?:\/\//.test(transport))) {
    throw new ConfigError('Invalid MAIL_TRANSPORT: expected smtp://host:port, smtps://user:pass@host:port, wordpress or log');
  }
  if (/^smtps?:\/\//.test(transport)) {
    try {
      new URL(transport);
    } catch {
      throw new ConfigError('Invalid MAIL_TRANSPORT: not a valid smtp URL');
    }
  }
  if (transport === 'log' && e.NODE_ENV === 'production') {
    throw new ConfigError('Invalid MAIL_TRANSPORT: "log" prints customer mail and is refused when NODE_ENV=production');
  }
  if (transport === 'wordpress') {
    try {
      originOf(e.WORDPRESS_URL);
    } catch {
      throw new ConfigError('Invalid WORDPRESS_URL: an http(s) URL is required when MAIL_TRANSPORT=wordpress');
    }
  }

  let publicUrl = '';
  if (e.PUBLIC_URL) {
    try {
      const u = new URL(e.PUBLIC_URL);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
      if (u.search || u.hash || u.username) throw new Error('no query');
      publicUrl = `${u.origin}${u.pathname}`.replace(/\/+$/, '');
    } catch {
      throw new ConfigError('Invalid PUBLIC_URL: expected an http(s) URL such as https://example.com (the base of /appointease/v1)');
    }
  }

  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    logFormat: e.LOG_FORMAT,
    instanceName: e.INSTANCE_NAME || `${hostname()}:${e.PORT}`,
    workers: e.WORKERS ?? (e.NODE_ENV === 'production' ? availableParallelism() : 1),
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    tablePrefix: e.WP_TABLE_PREFIX,
    redis: {
      enabled: e.REDIS_ENABLED,
      url: e.REDIS_URL,
      keyPrefix: e.REDIS_KEY_PREFIX,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      sentinels: e.REDIS_SENTINELS,
      sentinelName: e.REDIS_SENTINEL_NAME,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
    },
    secret,
    secretIsEphemeral,
    allowedOrigins,
    mail: { transport, from: e.MAIL_FROM, wordpressUrl: e.WORDPRESS_URL.replace(/\/+$/, ''), retryDelayMs: e.MAIL_RETRY_DELAY_MS },
    publicUrl,
    otp: {
      sendLimit: e.OTP_SEND_LIMIT,
      sendWindowSeconds: e.OTP_SEND_WINDOW_SECONDS,
      ipLimit: e.OTP_IP_LIMIT,
      ipWindowSeconds: e.OTP_IP_WINDOW_SECONDS,
    },
    trustProxy: e.TRUST_PROXY,
    lockTtlSeconds: e.LOCK_TTL_SECONDS,
    availabilityCacheSeconds: e.AVAILABILITY_CACHE_SECONDS,
    otpTtlSeconds: e.OTP_TTL_SECONDS,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    maxLocksPerClient: e.MAX_LOCKS_PER_CLIENT,
    metricsToken: e.METRICS_TOKEN,
    websocket: {
      maxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP,
      pingIntervalMs: e.WS_PING_INTERVAL_MS,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    },
    lockSweepIntervalMs: e.LOCK_SWEEP_INTERVAL_MS,
    outbound: { allowPrivate: e.OUTBOUND_ALLOW_PRIVATE },
    outbox: { pollIntervalMs: e.OUTBOX_POLL_MS, leaseMs: e.OUTBOX_LEASE_SECONDS * 1_000, reminderSweepMs: e.REMINDER_SWEEP_SECONDS * 1_000 },
    calendar: { syncSeconds: e.CALENDAR_SYNC_SECONDS, fetchTimeoutMs: e.CALENDAR_FETCH_TIMEOUT_MS },
    version,
    warnings: unknownVariableWarnings(env),
  };
}

/**
 * Secrets that appear in this repository's docs and examples, now or in the past
 * (people copy them): anyone can read them, so they sign nothing in production.
 * A test checks that every secret written in the docs and examples is refused.
 */
export const EXAMPLE_SECRETS: readonly string[] = [
  'local-trial-secret-change-me-0123456789abcdef',
  'the-64-hex-characters-from-step-1',
];

/** Why a production secret is refused, or undefined when it is fine. */
export function exampleSecretReason(secret: string): string | undefined {
  if (EXAMPLE_SECRETS.includes(secret)) return 'this value appears in the AppointEase docs or examples';
  if (/change-?me|placeholder|your-secret|paste-/i.test(secret)) return 'this looks like a placeholder, not a secret';
  // `xxxxxxxx…` and the like: a random secret of 32+ characters has far more variety.
  if (new Set(secret).size < 10) return 'too few different characters to be a random secret';
  return undefined;
}

/** Every variable the sidecar reads. */
export const KNOWN_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** The documentation of every variable, from the schema (README table, .env.example). */
export function variableDocs(): { name: string; meta: VariableDoc }[] {
  return Object.entries(envSchema.shape).map(([name, schema]) => ({ name, meta: schema.meta() as VariableDoc }));
}

/**
 * Names in the environment that look like ours but are not: any other
 * `APPOINTEASE_*`, and near misses of a known name (`REDIS_URl`, `MAIL_TRANSPORTS`,
 * `ALLOWED_ORIGIN`). A misspelt variable is otherwise silently ignored and its
 * default used.
 */
export function unknownVariableWarnings(env: Record<string, string | undefined>): string[] {
  const known = new Set(KNOWN_VARIABLES);
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (known.has(name) || env[name] === undefined) continue;
    const near = nearestKnown(name);
    if (near) warnings.push(`${name} is not a setting AppointEase knows: did you mean ${near}? (it is ignored)`);
    else if (/^APPOINTEASE_/i.test(name)) warnings.push(`${name} is not a setting AppointEase knows (it is ignored)`);
  }
  return warnings;
}

function nearestKnown(name: string): string | undefined {
  const squash = (v: string) => v.toUpperCase().replace(/[^A-Z0-9]/g, '');
  for (const k of KNOWN_VARIABLES) {
    // Same letters in another case or with other separators: REDIS_URl, redis-url, REDISURL.
    if (squash(k) === squash(name)) return k;
  }
  // A typo or two in a long name; short names (PORT, HOST) would match too much of a
  // normal environment (PWD, HOME, …) to be worth a guess.
  if (name.length < 8) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of KNOWN_VARIABLES) {
    if (k.length < 8) continue;
    const d = editDistance(name.toUpperCase(), k, bestDistance);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be under it. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= limit) return limit;
    prev = row;
  }
  return Math.min(prev[b.length]!, limit);
}

/**
 * What the primary (cluster/primary.ts) tells each worker through its
 * environment: the group id every worker's Redis bridge publishes under, and
 * the worker's slot (1…N, kept by a restarted worker, so its instance name
 * and metrics series stay). Not settings: read and removed by
 * `takeWorkerIdentity` before the worker's config is parsed.
 */
export const WORKER_IDENTITY_VARS = { group: 'APPOINTEASE_WORKER_GROUP', slot: 'APPOINTEASE_WORKER_SLOT' } as const;

/** In a worker of `runPrimary`: its group and slot, removed from the environment. Undefined elsewhere. */
export function takeWorkerIdentity(): { group: string; slot: number } | undefined {
  const group = process.env[WORKER_IDENTITY_VARS.group];
  const slot = Number(process.env[WORKER_IDENTITY_VARS.slot]);
  delete process.env[WORKER_IDENTITY_VARS.group];
  delete process.env[WORKER_IDENTITY_VARS.slot];
  return cluster.isWorker && group && slot > 0 ? { group, slot } : undefined;
}

/** The environment as the sidecar sees it: `.env` (when present, never overriding) then `defaults` for what is still unset. */
export function readEnvironment(defaults: Record<string, string> = {}): Record<string, string | undefined> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = { ...process.env };
  for (const [k, v] of Object.entries(defaults)) if (env[k] === undefined || env[k] === '') env[k] = v;
  return env;
}

/** Reads `.env` (when present) into process.env, then parses it. */
export function loadConfig(version: string, defaults: Record<string, string> = {}): Config {
  // `defaults` fill only what the environment leaves unset (the demo runs as development).
  return parseConfig(readEnvironment(defaults), version);
}

export interface DatabaseConfig {
  databaseUrl: string;
  tablePrefix: string;
}

/**
 * What `npm run migrate` needs: the database and the table prefix, nothing else.
 * A missing secret or a mail setting it never uses must not stop a migration.
 */
export function parseDatabaseConfig(env: Record<string, string | undefined>): DatabaseConfig {
  const parsed = envSchema.pick({ DATABASE_URL: true, WP_TABLE_PREFIX: true }).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid ${String(issue.path[0] ?? 'environment')}: ${issue.message}`);
  }
  return { databaseUrl: parsed.data.DATABASE_URL, tablePrefix: parsed.data.WP_TABLE_PREFIX };
}

/** Tests build configs from a few overrides on top of safe test defaults. */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return parseConfig({ NODE_ENV: 'test', ...overrides }, '0.0.0-test');
}

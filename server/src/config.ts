import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * The only reader of `process.env` (STYLE: config parsed once with zod).
 * Variables and defaults are CONTRACT §1; anything not there is an
 * operational knob with a safe default, documented in the README.
 */

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
    });

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
    });

const text = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? fallback : v.trim()));

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
  );

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).optional().default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  PORT: int(8787, 0, 65535),
  HOST: text('127.0.0.1'),
  DATABASE_URL: url('mysql://root@127.0.0.1:3306/wordpress', ['mysql:', 'mariadb:']),
  WP_TABLE_PREFIX: text('wp_').refine((v) => /^[A-Za-z0-9_]{1,32}$/.test(v), {
    message: 'letters, digits and underscores only',
  }),
  REDIS_URL: url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  REDIS_ENABLED: bool(true),
  REDIS_KEY_PREFIX: text('').refine((v) => !/\s/.test(v), { message: 'must not contain spaces' }),
  APPOINTEASE_SECRET: z.string().optional(),
  ALLOWED_ORIGINS: text(''),
  MAIL_TRANSPORT: text('log'),
  MAIL_FROM: text('AppointEase <no-reply@localhost>'),
  WORDPRESS_URL: text(''),
  TRUST_PROXY: bool(false),
  LOCK_TTL_SECONDS: int(600, 2, 86_400),
  AVAILABILITY_CACHE_SECONDS: int(30, 1, 86_400),
  OTP_TTL_SECONDS: int(600, 10, 86_400),
  SESSION_TTL_SECONDS: int(86_400, 60, 30 * 86_400),
  MAX_LOCKS_PER_CLIENT: int(3, 1, 1000),
  METRICS_TOKEN: text(''),
  // Operational knobs beyond the contract (README lists them).
  REDIS_COMMAND_TIMEOUT_MS: int(300, 20, 10_000),
  OTP_SEND_LIMIT: int(3, 1, 1000),
  OTP_SEND_WINDOW_SECONDS: int(600, 1, 86_400),
  OTP_IP_LIMIT: int(10, 1, 100_000),
  OTP_IP_WINDOW_SECONDS: int(600, 1, 86_400),
  MAIL_RETRY_DELAY_MS: int(2_000, 10, 600_000),
  WS_MAX_CONNECTIONS_PER_IP: int(50, 1, 1_000_000),
  WS_PING_INTERVAL_MS: int(30_000, 50, 3_600_000),
  WS_MAX_BUFFERED_BYTES: int(256 * 1024, 1024, 64 * 1024 * 1024),
  LOCK_SWEEP_INTERVAL_MS: int(500, 50, 60_000),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  logLevel: string;
  port: number;
  host: string;
  databaseUrl: string;
  tablePrefix: string;
  redis: { enabled: boolean; url: string; keyPrefix: string; commandTimeoutMs: number };
  /** HS256 secret shared with the bridge; random per process in development/test when unset. */
  secret: string;
  secretIsEphemeral: boolean;
  allowedOrigins: string[];
  mail: { transport: string; from: string; wordpressUrl: string; retryDelayMs: number };
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
  version: string;
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
  const e = parsed.data;

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
  }

  const allowedOrigins: string[] = [];
  for (const raw of e.ALLOWED_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean)) {
    try {
      allowedOrigins.push(originOf(raw));
    } catch {
      throw new ConfigError(`Invalid ALLOWED_ORIGINS: "${raw}" is not an http(s) origin`);
    }
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

  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    tablePrefix: e.WP_TABLE_PREFIX,
    redis: {
      enabled: e.REDIS_ENABLED,
      url: e.REDIS_URL,
      keyPrefix: e.REDIS_KEY_PREFIX,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    },
    secret,
    secretIsEphemeral,
    allowedOrigins,
    mail: { transport, from: e.MAIL_FROM, wordpressUrl: e.WORDPRESS_URL.replace(/\/+$/, ''), retryDelayMs: e.MAIL_RETRY_DELAY_MS },
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
    version,
  };
}

/** Reads `.env` (when present) into process.env, then parses it. */
export function loadConfig(version: string, defaults: Record<string, string> = {}): Config {
  if (existsSync('.env')) process.loadEnvFile('.env');
  // `defaults` fill only what the environment leaves unset (the demo runs as development).
  const env = { ...process.env };
  for (const [k, v] of Object.entries(defaults)) if (env[k] === undefined || env[k] === '') env[k] = v;
  return parseConfig(env, version);
}

/** Tests build configs from a few overrides on top of safe test defaults. */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return parseConfig({ NODE_ENV: 'test', ...overrides }, '0.0.0-test');
}

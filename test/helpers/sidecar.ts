import { testConfig, type Config } from '../../server/src/config';
import { buildDeps } from '../../server/src/deps';
import { createLogger, type Logger } from '../../server/src/logger';
import { startServer, type RunningServer } from '../../server/src/server';
import { signAdminToken } from '../../server/src/services/admin-token';
import type { LogCapture } from './logs';
import { createTestDatabase, deletePrefix, REDIS_URL, uniquePrefix, type TestDatabase } from './services';

export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export interface TestSidecar extends RunningServer {
  db: TestDatabase;
  prefix: string;
  config: Config;
  adminToken(): string;
  /** fetch against the sidecar's API base. */
  api(path: string, init?: RequestInit & { json?: unknown; token?: string }): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * A real sidecar on port 0 with its own database and key prefix.
 * `env` overrides the contract's variables; `db` shares a database between
 * two instances (multi-instance tests).
 */
export async function startSidecar(
  options: { env?: Record<string, string>; db?: TestDatabase; prefix?: string; demo?: boolean; logs?: LogCapture; logLevel?: string; logger?: Logger } = {},
): Promise<TestSidecar> {
  const db = options.db ?? (await createTestDatabase());
  const prefix = options.prefix ?? uniquePrefix();
  const config = testConfig({
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    APPOINTEASE_SECRET: TEST_SECRET,
    PORT: '0',
    ...options.env,
  });
  // A test that reads the logs back gets them at `logLevel` (default info) in its capture.
  const logger =
    options.logger ??
    (options.logs
      ? createLogger({ logLevel: options.logLevel ?? 'info' }, options.logs.stream)
      : createLogger({ logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  const deps = await buildDeps(config, logger, { demo: options.demo });
  const running = await startServer(deps, 0, '127.0.0.1');
  const ownsDb = !options.db;
  const ownsPrefix = !options.prefix;
  return {
    ...running,
    db,
    prefix,
    config,
    adminToken: () => signAdminToken(TEST_SECRET, 1),
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.json !== undefined) headers.set('Content-Type', 'application/json');
      if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
      return fetch(`${running.url}/appointease/v1${path}`, {
        ...init,
        headers,
        body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      });
    },
    async stop() {
      await running.close();
      if (ownsPrefix) await deletePrefix(prefix, config.redis.url);
      if (ownsDb) await db.drop();
    },
  };
}

export interface SidecarPair {
  a: TestSidecar;
  b: TestSidecar;
  db: TestDatabase;
  prefix: string;
  /** Resolves once both instances' slot_updates subscriptions are up (nothing published before is heard). */
  subscribed(): Promise<void>;
  stop(): Promise<void>;
}

/** Two sidecars sharing one database and one key prefix: two instances of one site. */
export async function startSidecarPair(env: Record<string, string> = {}): Promise<SidecarPair> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix();
  const a = await startSidecar({ db, prefix, env });
  const b = await startSidecar({ db, prefix, env });
  return {
    a,
    b,
    db,
    prefix,
    subscribed: async () => {
      await Promise.all([a.deps.bridge!.subscribed, b.deps.bridge!.subscribed]);
    },
    async stop() {
      await Promise.all([a.stop(), b.stop()]);
      await deletePrefix(prefix, a.config.redis.url);
      await db.drop();
    },
  };
}

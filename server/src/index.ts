import cluster from 'node:cluster';
import { ConfigError, loadConfig, takeWorkerIdentity, type Config } from './config';
import { runPrimary } from './cluster/primary';
import { buildDeps } from './deps';
import { createLogger } from './logger';
import { startServer, type RunningServer } from './server';
import { VERSION } from './version';
import { staleBuildWarning } from './build-freshness';

/**
 * `npm start`: one sidecar process, or with WORKERS > 1 a primary that runs
 * that many (cluster/primary.ts), each of them `main` in a worker.
 */
export async function start(options: { checkBuild?: boolean } = {}): Promise<void> {
  const worker = takeWorkerIdentity();
  if (worker) return void (await main({ ...options, worker }));
  const config = configOrExit();
  if (config.workers > 1 && cluster.isPrimary) {
    const logger = createLogger(config);
    if (!config.secretIsEphemeral) return runPrimary(config.workers, logger);
    // Development without a secret: one random secret for all workers, or a token signed by one would fail on another.
    logger.warn('APPOINTEASE_SECRET is not set: using a random secret for this process (admin tokens from WordPress will not verify)');
    return runPrimary(config.workers, logger, { APPOINTEASE_SECRET: config.secret });
  }
  await main(options);
}

/** One sidecar: load config, wire, listen, and shut down gracefully on SIGTERM/SIGINT. */
export async function main(
  options: {
    demo?: boolean;
    configDefaults?: Record<string, string>;
    onListening?: (s: RunningServer) => void;
    checkBuild?: boolean;
    /** Set in a worker of `start` (WORKERS > 1). */
    worker?: { group: string; slot: number };
  } = {},
): Promise<RunningServer> {
  const config = configOrExit(options.configDefaults);
  // Each worker is an instance of its own in /health, /metrics and the logs.
  if (options.worker) config.instanceName = `${config.instanceName}/w${options.worker.slot}`;
  const logger = createLogger(config);
  for (const warning of config.warnings) logger.warn(warning);
  // Only the built process (server/dist) has a build to compare with its sources.
  const stale = options.checkBuild ? staleBuildWarning() : undefined;
  if (stale) logger.warn(stale);
  if (config.secretIsEphemeral) logger.warn('APPOINTEASE_SECRET is not set: using a random secret for this process (admin tokens from WordPress will not verify)');
  const deps = await buildDeps(config, logger, {
    demo: options.demo,
    defaultMetrics: true,
    worker: options.worker && { group: options.worker.group, channel: process },
  });
  const running = await startServer(deps);
  logger.info({ url: running.url, redis: deps.guard.state, version: config.version }, 'appointease sidecar listening');
  options.onListening?.(running);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // A promise rejected with nobody listening is a bug, but not one that leaves the process in an
  // unknown state (unlike a thrown exception): a library's stray command promise during a Redis
  // failover (ioredis's own re-subscribe was one) must not end every customer's request in flight.
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason) }, 'unhandled promise rejection (a bug: please report it); the process goes on');
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return running;
}

function configOrExit(configDefaults?: Record<string, string>): Config {
  try {
    return loadConfig(VERSION, configDefaults);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  start().catch((err) => {
    console.error(`Start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

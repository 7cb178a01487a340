import { ConfigError, loadConfig } from './config';
import { buildDeps } from './deps';
import { createLogger } from './logger';
import { startServer, type RunningServer } from './server';
import { VERSION } from './version';
import { staleBuildWarning } from './build-freshness';

/** `npm start`: load config, wire, listen, and shut down gracefully on SIGTERM/SIGINT. */
export async function main(
  options: { demo?: boolean; configDefaults?: Record<string, string>; onListening?: (s: RunningServer) => void; checkBuild?: boolean } = {},
): Promise<RunningServer> {
  let config;
  try {
    config = loadConfig(VERSION, options.configDefaults);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config);
  for (const warning of config.warnings) logger.warn(warning);
  // Only the built process (server/dist) has a build to compare with its sources.
  const stale = options.checkBuild ? staleBuildWarning() : undefined;
  if (stale) logger.warn(stale);
  if (config.secretIsEphemeral) logger.warn('APPOINTEASE_SECRET is not set: using a random secret for this process (admin tokens from WordPress will not verify)');
  const deps = await buildDeps(config, logger, { demo: options.demo, defaultMetrics: true });
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
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return running;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(`Start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

/**
 * The bench's server process: the real sidecar and, beside it in the same
 * process, bare express routes doing the least a lock can do (one SET NX EX,
 * one GET) on a connection with the sidecar's own options. Prints the two
 * ports as one JSON line; the parent drives load from another process so the
 * load generator does not share this event loop.
 */
import express from 'express';
import { parseConfig } from '../../../server/src/config';
import { buildDeps } from '../../../server/src/deps';
import { createLogger, logDestination } from '../../../server/src/logger';
import { createCommandConnection, connectWithin } from '../../../server/src/redis/connections';
import { startServer } from '../../../server/src/server';

const config = parseConfig(process.env, '0.0.0-bench');
// Logs as in production (info, JSON, an access line per request) into /dev/null, so the
// access log's cost is in the figures; BENCH_LOG_LEVEL=silent leaves it out.
const logger = createLogger({ logLevel: process.env.BENCH_LOG_LEVEL ?? 'info', logFormat: 'json' }, logDestination('/dev/null'));
const deps = await buildDeps(config, logger);
const sidecar = await startServer(deps, 0, '127.0.0.1');

const redis = createCommandConnection(config.redis, config.redis.commandTimeoutMs, logger);
await connectWithin(redis, 2_000);
const prefix = config.redis.keyPrefix;
const slotLocks = deps.tables.slotLocks;

const bare = express();
bare.disable('x-powered-by');
bare.use(express.json({ limit: '16kb' }));
bare.post('/bare/lock', async (req, res) => {
  const ok = await redis.set(`${prefix}bare:${req.body.n}`, '1', 'EX', 600, 'NX');
  res.status(ok ? 201 : 409).json({ ok: ok === 'OK' });
});
bare.get('/bare/lock', async (_req, res) => {
  res.json({ value: await redis.get(`${prefix}bare:probe`) });
});
// What "always ask MySQL for fallback locks" would add to every acquire.
bare.post('/bare/lock-with-mysql-check', async (req, res) => {
  const [rows] = await deps.pool.query<any[]>(
    `SELECT 1 FROM \`${slotLocks}\` WHERE date = ? AND employee_id = ? AND time IN (?) AND expires_at_ms > ? LIMIT 1`,
    ['2030-01-01', 1, ['10:00:00'], Date.now()],
  );
  const ok = rows.length === 0 && (await redis.set(`${prefix}bare:m${req.body.n}`, '1', 'EX', 600, 'NX'));
  res.status(ok ? 201 : 409).json({ ok: ok === 'OK' });
});
const bareServer = bare.listen(0, '127.0.0.1', () => {
  const port = (bareServer.address() as { port: number }).port;
  process.stdout.write(`${JSON.stringify({ sidecar: sidecar.port, bare: port })}\n`);
});

process.on('SIGTERM', async () => {
  bareServer.close();
  redis.disconnect();
  await sidecar.close();
  process.exit(0);
});

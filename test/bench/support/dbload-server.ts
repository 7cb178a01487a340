/**
 * The dbload bench's sidecar, in its own process so the load generator does
 * not share (and slow) its event loop: a late Redis reply there would open
 * the breaker and send work to MySQL that Redis would have done. Opens
 * SESSIONS customer sessions (signed in before the peak hour) and prints the
 * port and their tokens as one JSON line.
 */
import { parseConfig } from '../../../server/src/config';
import { buildDeps } from '../../../server/src/deps';
import { createLogger } from '../../../server/src/logger';
import { startServer } from '../../../server/src/server';

const config = parseConfig(process.env, '0.0.0-bench');
const deps = await buildDeps(config, createLogger({ logLevel: config.logLevel }));
const sidecar = await startServer(deps, 0, '127.0.0.1');
const sessions = await Promise.all(Array.from({ length: Number(process.env.SESSIONS ?? 200) }, (_, i) => deps.sessions.create(`visitor${i}@example.com`)));
process.stdout.write(`${JSON.stringify({ port: sidecar.port, tokens: sessions.map((s) => s.token) })}\n`);

process.on('SIGTERM', async () => {
  await sidecar.close();
  process.exit(0);
});

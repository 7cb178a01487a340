/**
 * The dbload bench's sidecar, in its own process so the load generator does
 * not share (and slow) its event loop: a late Redis reply there would open
 * the breaker and send work to MySQL that Redis would have done. Prints its
 * port and the port of a side door as one JSON line: `GET /code?email=` on
 * the side door answers the last one-time code mailed to that address (the
 * code mail itself is still composed and handed to the transport, as in
 * production).
 */
import http from 'node:http';
import { parseConfig } from '../../../server/src/config';
import { buildDeps } from '../../../server/src/deps';
import { createLogger } from '../../../server/src/logger';
import { startServer } from '../../../server/src/server';

const config = parseConfig(process.env, '0.0.0-bench');
const deps = await buildDeps(config, createLogger({ logLevel: config.logLevel }));
const codes = new Map<string, string>();
const sendCode = deps.mailer.sendCode.bind(deps.mailer);
deps.mailer.sendCode = (email, code) => {
  codes.set(email, code);
  sendCode(email, code);
};
const side = http.createServer((req, res) => {
  const email = new URL(req.url ?? '/', 'http://x').searchParams.get('email') ?? '';
  res.end(codes.get(email) ?? '');
  codes.delete(email);
});
await new Promise<void>((resolve) => side.listen(0, '127.0.0.1', resolve));
const sidecar = await startServer(deps, 0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ port: sidecar.port, codePort: (side.address() as { port: number }).port })}\n`);

process.on('SIGTERM', async () => {
  side.close();
  await sidecar.close();
  process.exit(0);
});

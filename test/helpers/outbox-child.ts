// A second sidecar instance's outbox worker in its own process, for the test
// that kills an instance mid-attempt: it claims, prints "HANDLING <id>", and
// hangs inside the handler until the test SIGKILLs it (no finish, no cleanup).
import { createPool } from '../../server/src/db/pool';
import { tableNames } from '../../server/src/db/schema';
import { OutboxRepository } from '../../server/src/db/repositories/outbox-repository';
import { createLogger } from '../../server/src/logger';
import { OutboxWorker } from '../../server/src/outbox/outbox-worker';

const [databaseUrl, kind, leaseMs] = process.argv.slice(2);
const pool = createPool(databaseUrl!, { connectionLimit: 2 });
const worker = new OutboxWorker({
  repository: new OutboxRepository(pool, tableNames('wp_')),
  logger: createLogger({ logLevel: 'silent' }),
  owner: `child:${process.pid}`,
  pollIntervalMs: 50,
  leaseMs: Number(leaseMs),
  handlers: {
    [kind!]: {
      timeoutMs: Number(leaseMs) * 0.75,
      handle: (row) => {
        process.stdout.write(`HANDLING ${row.id}\n`);
        return new Promise(() => {}); // never settles; the deadline's abort is ignored too
      },
    },
  },
});
worker.start();
process.stdout.write('READY\n');

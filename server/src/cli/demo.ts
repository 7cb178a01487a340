import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { createPool, ensureDatabase } from '../db/pool';
import { tableNames } from '../db/schema';
import { WIDGET_FILE } from '../http/routes/widget';
import { main } from '../index';
import { signAdminToken } from '../services/admin-token';
import { VERSION } from '../version';
import { seedDemoCatalogue } from './demo-catalogue';

/**
 * `npm run demo`: works with no environment at all. Creates the database if
 * needed, migrates, seeds a demo catalogue into an empty one, builds the
 * widget if it is missing, and starts the sidecar with /demo.
 */
/** The demo runs as development (a random admin secret, mail printed to the log) unless told otherwise. */
const DEMO_DEFAULTS = { NODE_ENV: 'development' };

async function run(): Promise<void> {
  const config = loadConfig(VERSION, DEMO_DEFAULTS);
  await ensureDatabase(config.databaseUrl);
  const pool = createPool(config.databaseUrl, { connectionLimit: 1 });
  try {
    await migrate(pool, config.tablePrefix);
    if (await seedDemoCatalogue(pool, tableNames(config.tablePrefix))) console.log('Seeded the demo catalogue (4 services, 2 employees).');
  } finally {
    await pool.end();
  }
  if (!existsSync(WIDGET_FILE)) {
    console.log('Building the widget…');
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const r = spawnSync('npm', ['run', '--silent', 'build:widget'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) console.error('The widget build failed; the API still runs, /demo will show no widget.');
  }
  await main({
    demo: true,
    configDefaults: DEMO_DEFAULTS,
    onListening: (s) => {
      console.log(`\nAppointEase demo: ${s.url}/demo`);
      console.log(`API:               ${s.url}/appointease/v1/services`);
      console.log(`Admin token (10 min, for the admin API): ${signAdminToken(s.deps.config.secret, 1)}\n`);
    },
  });
}

run().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `Demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

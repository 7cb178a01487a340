import { ConfigError, parseDatabaseConfig, readEnvironment } from '../config';
import { carryOverPluginSettings } from '../db/carry-over';
import { migrate } from '../db/migrate';
import { createPool, ensureDatabase } from '../db/pool';
import { tableNames } from '../db/schema';
import { formatMigrationOutput } from './migrate-output';

/**
 * `npm run migrate`: create or upgrade the tables in DATABASE_URL, additively and
 * idempotently, then carry the original AppointEase plugin's settings over (once).
 * It reads only DATABASE_URL and WP_TABLE_PREFIX: no secret, no mail settings.
 * Exits 1 when a step could not be done (after doing all the others).
 */
async function run(): Promise<void> {
  const config = parseDatabaseConfig(readEnvironment());
  if (process.argv.includes('--create-database')) await ensureDatabase(config.databaseUrl);
  const pool = createPool(config.databaseUrl, { connectionLimit: 1 });
  try {
    const report = await migrate(pool, config.tablePrefix);
    const carry = await carryOverPluginSettings(pool, tableNames(config.tablePrefix));
    console.log(formatMigrationOutput(report, carry));
    if (report.problems.length) process.exitCode = 1;
  } finally {
    await pool.end();
  }
}

run().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `Migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

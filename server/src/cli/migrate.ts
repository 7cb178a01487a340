import { ConfigError, parseDatabaseConfig, readEnvironment } from '../config';
import { migrate } from '../db/migrate';
import { createPool, ensureDatabase } from '../db/pool';

/**
 * `npm run migrate`: create or upgrade the tables in DATABASE_URL, additively and
 * idempotently. It reads only DATABASE_URL and WP_TABLE_PREFIX: no secret, no mail settings.
 */
async function run(): Promise<void> {
  const config = parseDatabaseConfig(readEnvironment());
  if (process.argv.includes('--create-database')) await ensureDatabase(config.databaseUrl);
  const pool = createPool(config.databaseUrl, { connectionLimit: 1 });
  try {
    const report = await migrate(pool, config.tablePrefix);
    const changes = report.createdTables.length + report.addedColumns.length + report.widenedColumns.length + report.addedIndexes.length;
    if (changes === 0) console.log('Schema is up to date.');
    for (const t of report.createdTables) console.log(`created table ${t}`);
    for (const c of report.addedColumns) console.log(`added column ${c}`);
    for (const c of report.widenedColumns) console.log(`widened column ${c}`);
    for (const i of report.addedIndexes) console.log(`added index ${i}`);
    for (const p of report.problems) console.log(`not done: ${p}`);
    if (report.problems.length) process.exitCode = 1;
  } finally {
    await pool.end();
  }
}

run().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `Migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

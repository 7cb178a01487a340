import type { Pool } from './pool';
import { addColumnSql, addIndexSql, createTableSql, loadSchema, type SchemaDef } from './schema';

export interface MigrationReport {
  createdTables: string[];
  addedColumns: string[];
  addedIndexes: string[];
}

/**
 * Brings the database up to the shared schema, additively: creates missing
 * tables, adds missing columns and indexes, never drops or alters what exists.
 * Idempotent, and uses only DDL that MySQL 8 and MariaDB 10.6+ both accept
 * (no `ADD COLUMN IF NOT EXISTS`, which MySQL lacks): existence comes from
 * information_schema.
 */
export async function migrate(pool: Pool, prefix: string, schema: SchemaDef = loadSchema()): Promise<MigrationReport> {
  const report: MigrationReport = { createdTables: [], addedColumns: [], addedIndexes: [] };
  for (const table of schema.tables) {
    const full = prefix + table.name;
    const [cols] = await pool.query<any[]>(
      'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [full],
    );
    if (cols.length === 0) {
      await pool.query(createTableSql(prefix, table));
      report.createdTables.push(full);
      continue;
    }
    const have = new Set(cols.map((c) => String(c.name).toLowerCase()));
    for (const column of table.columns) {
      if (have.has(column[0].toLowerCase())) continue;
      await pool.query(addColumnSql(prefix, table.name, column));
      report.addedColumns.push(`${full}.${column[0]}`);
    }
    const [idx] = await pool.query<any[]>(
      'SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [full],
    );
    const haveIdx = new Set(idx.map((i) => String(i.name).toLowerCase()));
    for (const ix of table.indexes) {
      if (haveIdx.has(ix.name.toLowerCase())) continue;
      try {
        await pool.query(addIndexSql(prefix, table.name, ix));
        report.addedIndexes.push(`${full}.${ix.name}`);
      } catch (err: any) {
        // An existing AppointEase table may already hold rows that violate a new
        // unique index; keep the data readable and tell the operator instead.
        if (err?.code === 'ER_DUP_ENTRY' || err?.code === 'ER_DUP_KEYNAME') {
          report.addedIndexes.push(`${full}.${ix.name} (skipped: ${err.code})`);
          continue;
        }
        throw err;
      }
    }
  }
  return report;
}

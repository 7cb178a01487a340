import type { Pool } from './pool';
import { addColumnSql, addIndexSql, createTableSql, loadSchema, widenColumnSql, type LiveColumn, type SchemaDef } from './schema';

export interface MigrationReport {
  createdTables: string[];
  addedColumns: string[];
  /** varchar columns made longer (the only change to an existing column; see widenColumnSql). */
  widenedColumns: string[];
  addedIndexes: string[];
}

/**
 * Brings the database up to the shared schema, additively: creates missing
 * tables, adds missing columns and indexes, widens a varchar the definition
 * wants longer, and never drops, narrows or retypes what exists.
 * Idempotent, and uses only DDL that MySQL 8 and MariaDB 10.6+ both accept
 * (no `ADD COLUMN IF NOT EXISTS`, which MySQL lacks): existence comes from
 * information_schema.
 */
export async function migrate(pool: Pool, prefix: string, schema: SchemaDef = loadSchema()): Promise<MigrationReport> {
  const report: MigrationReport = { createdTables: [], addedColumns: [], widenedColumns: [], addedIndexes: [] };
  for (const table of schema.tables) {
    const full = prefix + table.name;
    const [cols] = await pool.query<any[]>(
      `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, CHARACTER_MAXIMUM_LENGTH AS maxLength, IS_NULLABLE AS nullable,
              CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
      [full],
    );
    if (cols.length === 0) {
      await pool.query(createTableSql(prefix, table));
      report.createdTables.push(full);
      continue;
    }
    const have = new Map<string, LiveColumn>(
      cols.map((c) => [
        String(c.name).toLowerCase(),
        { name: String(c.name), dataType: String(c.dataType), maxLength: c.maxLength == null ? null : Number(c.maxLength), nullable: c.nullable === 'YES', charset: c.charset, collation: c.collation },
      ]),
    );
    for (const column of table.columns) {
      const live = have.get(column[0].toLowerCase());
      if (!live) {
        await pool.query(addColumnSql(prefix, table.name, column));
        report.addedColumns.push(`${full}.${column[0]}`);
        continue;
      }
      const widen = widenColumnSql(prefix, table.name, column, live);
      if (!widen) continue;
      await pool.query(widen);
      report.widenedColumns.push(`${full}.${column[0]}`);
    }
    const [idx] = await pool.query<any[]>(
      'SELECT INDEX_NAME AS name, COLUMN_NAME AS col, NON_UNIQUE AS nonUnique FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX',
      [full],
    );
    const haveIdx = new Set(idx.map((i) => String(i.name).toLowerCase()));
    // The same columns under another name (the plugin's own, e.g. unique_slot) count as present:
    // a second identical index would only slow every write.
    const shapes = new Map<string, string[]>();
    for (const i of idx) {
      const key = `${String(i.name).toLowerCase()}|${Number(i.nonUnique) === 0 ? 'u' : 'k'}`;
      shapes.set(key, [...(shapes.get(key) ?? []), String(i.col).toLowerCase()]);
    }
    const haveShape = new Set([...shapes].map(([key, cols]) => `${key.split('|')[1]}:${cols.join(',')}`));
    for (const ix of table.indexes) {
      if (haveIdx.has(ix.name.toLowerCase())) continue;
      if (haveShape.has(`${ix.unique ? 'u' : 'k'}:${ix.columns.map((c) => c.toLowerCase()).join(',')}`)) continue;
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

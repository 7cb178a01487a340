import type { Pool } from './pool';
import {
  addColumnSql,
  addIndexSql,
  addPrimaryKeySql,
  createTableSql,
  indexShape,
  isAutoIncrement,
  loadSchema,
  relaxedDefinition,
  tableCollation,
  widenColumnSql,
  type LiveColumn,
  type SchemaDef,
  type TableDef,
} from './schema';

export interface MigrationReport {
  /** Tables that did not exist. */
  createdTables: string[];
  /** `table.column` added to existing tables. */
  addedColumns: string[];
  /** `table.index` (or `table.PRIMARY`) added to existing tables. */
  addedIndexes: string[];
  /** `table.column` added NULL-able although the definition says NOT NULL (existing rows have no value). */
  relaxedColumns: string[];
  /** varchar columns made longer (the only change to an existing column; see widenColumnSql). */
  widenedColumns: string[];
  /** Existing tables that already had every column and index. */
  upToDateTables: string[];
  /** `table.ours = theirs`: an index of the definition that exists under another name with the same columns. */
  equivalentIndexes: string[];
  /** `table.column` / `table.index` in existing tables that the definition does not name: kept as they are. */
  foreign: string[];
  /** What could not be done (e.g. a unique index over rows that already collide); the rest was done. */
  problems: string[];
}

interface LiveIndex {
  name: string;
  unique: boolean;
  columns: string[];
}

/**
 * Brings the database up to the shared schema, additively: creates missing
 * tables, adds missing columns, primary keys and indexes, widens a varchar the
 * definition wants longer, and never drops, narrows or retypes what exists. Idempotent, and uses only DDL that MySQL 8 and MariaDB
 * 10.6+ both accept (no `ADD COLUMN IF NOT EXISTS`, which MySQL lacks):
 * existence comes from information_schema.
 *
 * The bridge's PHP installer applies the same rules (see schema.ts); a test
 * compares what the two leave behind.
 */
export async function migrate(pool: Pool, prefix: string, schema: SchemaDef = loadSchema()): Promise<MigrationReport> {
  const report: MigrationReport = {
    createdTables: [],
    addedColumns: [],
    addedIndexes: [],
    relaxedColumns: [],
    widenedColumns: [],
    upToDateTables: [],
    equivalentIndexes: [],
    foreign: [],
    problems: [],
  };
  const collation = tableCollation(await optionsCollation(pool, prefix));
  for (const table of schema.tables) {
    const full = prefix + table.name;
    const [cols] = await pool.query<any[]>(
      `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, CHARACTER_MAXIMUM_LENGTH AS maxLength, IS_NULLABLE AS nullable,
              CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [full],
    );
    if (cols.length === 0) {
      if (await attempt(report, full, () => pool.query(createTableSql(prefix, table, collation)))) report.createdTables.push(full);
      continue;
    }
    const changesBefore = report.addedColumns.length + report.widenedColumns.length + report.addedIndexes.length + report.problems.length;
    const liveColumns = cols.map((c) => String(c.name));
    const indexes = await liveIndexes(pool, full);
    let hasPrimary = indexes.some((i) => i.name === 'PRIMARY');

    const have = new Set(liveColumns.map((c) => c.toLowerCase()));
    let previous: string | null = null;
    for (const column of table.columns) {
      const [name, definition] = column;
      if (have.has(name.toLowerCase())) {
        previous = name;
        continue;
      }
      let withPrimaryKey = false;
      if (isAutoIncrement(definition)) {
        // An auto-increment column must be a key. It can come with the primary key it is,
        // when the table has none; beside another primary key it would change the table's identity.
        if (hasPrimary || table.primaryKey.length !== 1 || table.primaryKey[0]!.toLowerCase() !== name.toLowerCase()) {
          report.problems.push(`${full}.${name}: missing auto-increment column not added (the table has another primary key)`);
          continue;
        }
        withPrimaryKey = true;
      }
      if (await attempt(report, `${full}.${name}`, () => pool.query(addColumnSql(prefix, table.name, column, previous, withPrimaryKey)))) {
        report.addedColumns.push(`${full}.${name}`);
        if (relaxedDefinition(definition) !== definition) report.relaxedColumns.push(`${full}.${name}`);
        if (withPrimaryKey) {
          report.addedIndexes.push(`${full}.PRIMARY`);
          hasPrimary = true;
        }
        have.add(name.toLowerCase());
        previous = name;
      }
    }

    const live = new Map<string, LiveColumn>(
      cols.map((c) => [
        String(c.name).toLowerCase(),
        {
          name: String(c.name),
          dataType: String(c.dataType),
          maxLength: c.maxLength == null ? null : Number(c.maxLength),
          nullable: c.nullable === 'YES',
          charset: c.charset,
          collation: c.collation,
        },
      ]),
    );
    for (const column of table.columns) {
      const before = live.get(column[0].toLowerCase());
      const widen = before && widenColumnSql(prefix, table.name, column, before);
      if (widen && (await attempt(report, `${full}.${column[0]}`, () => pool.query(widen)))) report.widenedColumns.push(`${full}.${column[0]}`);
    }

    if (table.primaryKey.length && !hasPrimary && table.primaryKey.every((c) => have.has(c.toLowerCase()))) {
      if (await attempt(report, `${full}.PRIMARY`, () => pool.query(addPrimaryKeySql(prefix, table.name, table.primaryKey)))) {
        report.addedIndexes.push(`${full}.PRIMARY`);
      }
    }

    // The same columns under another name (the plugin's own, e.g. unique_slot) count as present:
    // a second identical index would only slow every write.
    const byName = new Map(indexes.map((i) => [i.name.toLowerCase(), i]));
    const byShape = new Map(indexes.map((i) => [indexShape(i.unique, i.columns), i]));
    const matched = new Set<string>(['primary']);
    for (const ix of table.indexes) {
      const sameName = byName.get(ix.name.toLowerCase());
      if (sameName) {
        matched.add(sameName.name.toLowerCase());
        continue;
      }
      const sameShape = byShape.get(indexShape(!!ix.unique, ix.columns));
      if (sameShape) {
        matched.add(sameShape.name.toLowerCase());
        report.equivalentIndexes.push(`${full}.${ix.name} = ${sameShape.name}`);
        continue;
      }
      if (await attempt(report, `${full}.${ix.name}`, () => pool.query(addIndexSql(prefix, table.name, ix)))) {
        report.addedIndexes.push(`${full}.${ix.name}`);
      }
    }

    report.foreign.push(...foreignParts(full, table, liveColumns, indexes, matched));
    if (report.addedColumns.length + report.widenedColumns.length + report.addedIndexes.length + report.problems.length === changesBefore)
      report.upToDateTables.push(full);
  }
  return report;
}

/** The collation of WordPress's own options table, which new tables follow; null without one. */
async function optionsCollation(pool: Pool, prefix: string): Promise<string | null> {
  const [rows] = await pool.query<any[]>(
    'SELECT TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [`${prefix}options`],
  );
  return rows[0]?.collation ?? null;
}

async function liveIndexes(pool: Pool, table: string): Promise<LiveIndex[]> {
  const [rows] = await pool.query<any[]>(
    'SELECT INDEX_NAME AS name, COLUMN_NAME AS col, NON_UNIQUE AS nonUnique FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX',
    [table],
  );
  const out = new Map<string, LiveIndex>();
  for (const r of rows) {
    const name = String(r.name);
    if (!out.has(name)) out.set(name, { name, unique: Number(r.nonUnique) === 0, columns: [] });
    out.get(name)!.columns.push(String(r.col));
  }
  return [...out.values()];
}

function foreignParts(full: string, table: TableDef, liveColumns: string[], indexes: LiveIndex[], matched: Set<string>): string[] {
  const known = new Set(table.columns.map(([n]) => n.toLowerCase()));
  return [
    ...liveColumns.filter((c) => !known.has(c.toLowerCase())).map((c) => `${full}.${c}`),
    ...indexes.filter((i) => !matched.has(i.name.toLowerCase())).map((i) => `${full}.${i.name} (index)`),
  ];
}

/**
 * Runs one DDL statement. A refusal by the server (a unique index over rows that already
 * collide, a primary key over NULLs) becomes a problem in the report and the rest goes on,
 * as the PHP installer does; a lost connection still throws.
 */
async function attempt(report: MigrationReport, what: string, run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (err: any) {
    if (typeof err?.code === 'string' && err.code.startsWith('ER_') && typeof err.errno === 'number' && err.sqlState) {
      report.problems.push(`${what}: ${err.message}`);
      return false;
    }
    throw err;
  }
}

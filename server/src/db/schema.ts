import { readFileSync } from 'node:fs';

/**
 * The shared table definition lives with the WordPress bridge
 * (wp-bridge/schema/schema.json) so the plugin's activation and
 * `npm run migrate` create exactly the same tables.
 */
export interface TableDef {
  name: string;
  columns: [name: string, definition: string][];
  primaryKey: string[];
  indexes: { name: string; columns: string[]; unique?: boolean }[];
}

export interface SchemaDef {
  version: number;
  tables: TableDef[];
}

export const SCHEMA_PATH = new URL('../../../wp-bridge/schema/schema.json', import.meta.url);

export function loadSchema(): SchemaDef {
  return JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as SchemaDef;
}

/** Table names the code uses, with the WordPress prefix applied. */
export function tableNames(prefix: string) {
  return {
    appointments: `${prefix}appointments`,
    services: `${prefix}appointease_services`,
    staff: `${prefix}appointease_staff`,
    categories: `${prefix}appointease_categories`,
    availability: `${prefix}appointease_availability`,
    timeOff: `${prefix}appointease_timeoff`,
    blackouts: `${prefix}appointease_blackout_dates`,
    customers: `${prefix}appointease_customers`,
    emailTemplates: `${prefix}appointease_email_templates`,
    slotLocks: `${prefix}appointease_slot_locks`,
    settings: `${prefix}appointease_settings`,
    staffServices: `${prefix}appointease_staff_services`,
    otps: `${prefix}appointease_otps`,
    sessions: `${prefix}appointease_sessions`,
    rateLimits: `${prefix}appointease_rate_limits`,
    auditLog: `${prefix}appointease_audit_log`,
    customerLocks: `${prefix}appointease_customer_locks`,
    outbox: `${prefix}appointease_outbox`,
    webhooks: `${prefix}appointease_webhooks`,
    webhookDeliveries: `${prefix}appointease_webhook_deliveries`,
    calendarFeeds: `${prefix}appointease_calendar_feeds`,
    busyCalendars: `${prefix}appointease_busy_calendars`,
    busyIntervals: `${prefix}appointease_busy_intervals`,
    jobLeases: `${prefix}appointease_job_leases`,
    options: `${prefix}options`,
  } as const;
}

export type Tables = ReturnType<typeof tableNames>;

const q = (id: string) => `\`${id.replace(/`/g, '')}\``;
const columnList = (columns: string[]) => columns.map(q).join(', ');

/*
 * The DDL rules below are mirrored, rule for rule, by the bridge's PHP installer
 * (wp-bridge/includes/class-appointease-bridge-schema.php); test/bridge/migrators-agree.test.ts
 * runs both on an empty database and on the AppointEase plugin's tables and compares
 * information_schema. Change one, change the other.
 */

/** Character set of every table: utf8mb4, in the collation of WordPress's own tables when it is a utf8mb4 one. */
export const DEFAULT_COLLATION = 'utf8mb4_unicode_ci';

export function tableCollation(optionsTableCollation: string | null | undefined): string {
  return optionsTableCollation && /^utf8mb4_[a-z0-9_]+$/i.test(optionsTableCollation) ? optionsTableCollation : DEFAULT_COLLATION;
}

export function createTableSql(prefix: string, t: TableDef, collation: string = DEFAULT_COLLATION): string {
  const lines = t.columns.map(([n, def]) => `  ${q(n)} ${def}`);
  if (t.primaryKey.length) lines.push(`  PRIMARY KEY (${columnList(t.primaryKey)})`);
  for (const ix of t.indexes) {
    lines.push(`  ${ix.unique ? 'UNIQUE KEY' : 'KEY'} ${q(ix.name)} (${columnList(ix.columns)})`);
  }
  return `CREATE TABLE IF NOT EXISTS ${q(prefix + t.name)} (\n${lines.join(',\n')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`;
}

export const isAutoIncrement = (definition: string) => /\bAUTO_INCREMENT\b/i.test(definition);

/**
 * A column added to a table that already exists must accept the rows already in it: a
 * `NOT NULL` column without a default is added `NULL`-able (the first `NOT NULL` becomes
 * `NULL`), whether or not the table has rows today, so created and upgraded tables differ
 * only where they must.
 */
export function relaxedDefinition(definition: string): string {
  if (/\bNOT NULL\b/i.test(definition) && !/\bDEFAULT\b/i.test(definition) && !isAutoIncrement(definition)) {
    return definition.replace(/\bNOT NULL\b/i, 'NULL');
  }
  return definition;
}

/**
 * Adds a column where the definition puts it: after the column that precedes it there (or
 * first), so created and upgraded tables list their columns alike. `withPrimaryKey` adds the
 * primary key in the same statement, which an AUTO_INCREMENT column needs.
 */
export function addColumnSql(prefix: string, table: string, column: [string, string], after: string | null, withPrimaryKey = false): string {
  const position = after === null ? 'FIRST' : `AFTER ${q(after)}`;
  const key = withPrimaryKey ? `, ADD PRIMARY KEY (${q(column[0])})` : '';
  return `ALTER TABLE ${q(prefix + table)} ADD COLUMN ${q(column[0])} ${relaxedDefinition(column[1])} ${position}${key}`;
}

export function addPrimaryKeySql(prefix: string, table: string, columns: string[]): string {
  return `ALTER TABLE ${q(prefix + table)} ADD PRIMARY KEY (${columnList(columns)})`;
}

/** What information_schema says about a live column, as far as widening needs it. */
export interface LiveColumn {
  name: string;
  dataType: string;
  maxLength: number | null;
  nullable: boolean;
  charset: string | null;
  collation: string | null;
}

/**
 * The one change to an existing column that the shared schema may ask for:
 * a `varchar` that is shorter live than in the definition gets the
 * definition's length. Never narrower, never another type. The live
 * column's character set, collation and nullability are kept, so rows and
 * the plugin's readers see the same column, only longer. Undefined = nothing to do.
 */
export function widenColumnSql(prefix: string, table: string, column: [string, string], live: LiveColumn): string | undefined {
  const want = /^varchar\((\d+)\)\s*(.*)$/i.exec(column[1].trim());
  if (!want || live.dataType.toLowerCase() !== 'varchar' || live.maxLength === null || live.maxLength >= Number(want[1])) return undefined;
  let rest = want[2]!.replace(/\bNOT NULL\b|\bNULL\b/gi, '').trim();
  rest = `${live.nullable ? 'NULL' : 'NOT NULL'}${rest ? ` ${rest}` : ''}`;
  const charset = live.charset && /^\w+$/.test(live.charset) ? ` CHARACTER SET ${live.charset}` : '';
  const collation = live.collation && /^\w+$/.test(live.collation) ? ` COLLATE ${live.collation}` : '';
  return `ALTER TABLE ${q(prefix + table)} MODIFY COLUMN ${q(column[0])} varchar(${Number(want[1])})${charset}${collation} ${rest}`;
}

export function addIndexSql(prefix: string, table: string, ix: TableDef['indexes'][number]): string {
  return `ALTER TABLE ${q(prefix + table)} ADD ${ix.unique ? 'UNIQUE KEY' : 'KEY'} ${q(ix.name)} (${columnList(ix.columns)})`;
}

/** A comparable description of an index: uniqueness plus its ordered, lower-cased columns. */
export function indexShape(unique: boolean, columns: string[]): string {
  return `${unique ? 'u' : 'k'}:${columns.map((c) => c.toLowerCase()).join(',')}`;
}

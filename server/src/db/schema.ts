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
    options: `${prefix}options`,
  } as const;
}

export type Tables = ReturnType<typeof tableNames>;

const q = (id: string) => `\`${id.replace(/`/g, '')}\``;

export function createTableSql(prefix: string, t: TableDef): string {
  const lines = t.columns.map(([n, def]) => `  ${q(n)} ${def}`);
  lines.push(`  PRIMARY KEY (${t.primaryKey.map(q).join(', ')})`);
  for (const ix of t.indexes) {
    lines.push(`  ${ix.unique ? 'UNIQUE KEY' : 'KEY'} ${q(ix.name)} (${ix.columns.map(q).join(', ')})`);
  }
  return `CREATE TABLE IF NOT EXISTS ${q(prefix + t.name)} (\n${lines.join(',\n')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;
}

export function addColumnSql(prefix: string, table: string, column: [string, string]): string {
  // A column added to a table that already has rows must accept them: force NULL-able
  // unless a default is given, so AppointEase's existing rows stay valid.
  let def = column[1];
  if (/NOT NULL/i.test(def) && !/DEFAULT/i.test(def) && !/AUTO_INCREMENT/i.test(def)) def = def.replace(/NOT NULL/i, 'NULL');
  return `ALTER TABLE ${q(prefix + table)} ADD COLUMN ${q(column[0])} ${def}`;
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
  return `ALTER TABLE ${q(prefix + table)} ADD ${ix.unique ? 'UNIQUE KEY' : 'KEY'} ${q(ix.name)} (${ix.columns.map(q).join(', ')})`;
}

// The activation installer: creates AppointEase's tables from wp-bridge/schema/schema.json,
// upgrades an existing AppointEase install additively (never dropping or changing what is
// there), and does nothing the second time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originalSlotLocksTable } from '../helpers/appointease-original-schema';
import { PLUGIN_DIR, WordPress, missingPrerequisite, mysql } from './wordpress.js';

/** Activates the plugin the way WordPress does; 'ok' or the activation error. */
function activatePlugin(wp: WordPress): string {
  return wp.php(`
    require_once ABSPATH . 'wp-admin/includes/plugin.php';
    $result = activate_plugin( 'appointease-bridge/appointease-bridge.php' );
    echo is_wp_error( $result ) ? $result->get_error_message() : 'ok';
  `);
}

const prerequisite = missingPrerequisite();

interface SchemaTable {
  name: string;
  columns: Array<[string, string]>;
  primaryKey?: string[];
  indexes?: Array<{ name: string; columns: string[]; unique?: boolean }>;
}
const schema = JSON.parse(readFileSync(join(PLUGIN_DIR, 'schema/schema.json'), 'utf8')) as { tables: SchemaTable[] };

interface Report {
  created: string[];
  columns: string[];
  widened: string[];
  indexes: string[];
  errors: string[];
}

describe.skipIf(prerequisite)('schema installer', () => {
  let wp: WordPress;
  const P = 'legacy_';
  const q = (sql: string) => mysql(`USE \`${wp.dbName}\`; ${sql}`);
  const columnsOf = (table: string) =>
    q(`SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${table}' ORDER BY ORDINAL_POSITION`)
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
  const indexesOf = (table: string) =>
    q(`SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${table}'`).trim().split('\n').sort();
  const createStatements = () =>
    schema.tables.map((t) => q(`SHOW CREATE TABLE \`${P}${t.name}\``).replace(/AUTO_INCREMENT=\d+ /, '')).join('\n');

  beforeAll(async () => {
    wp = await WordPress.create({ label: 'schema', tablePrefix: P, activate: false });
    // An existing AppointEase site: its original columns only, one wider than ours, one the
    // sidecar does not know, and a booking that must survive.
    q(`CREATE TABLE ${P}appointments (
        id mediumint(9) NOT NULL AUTO_INCREMENT,
        name varchar(255) NOT NULL,
        email varchar(100) NOT NULL,
        phone varchar(20),
        appointment_date datetime NOT NULL,
        status varchar(20) DEFAULT 'confirmed',
        service_id mediumint(9),
        employee_id mediumint(9),
        legacy_flag tinyint(1) DEFAULT 1,
        strong_id varchar(20),
        created_at datetime DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY (id),
        UNIQUE KEY strong_id (strong_id),
        KEY legacy_idx (email)
      );
      INSERT INTO ${P}appointments (name, email, appointment_date, service_id, employee_id, strong_id)
        VALUES ('Ada Lovelace', 'ada@example.com', '2030-03-01 09:00:00', 1, 2, 'APT-2030-000001');
      CREATE TABLE ${P}appointease_services (
        id mediumint(9) NOT NULL AUTO_INCREMENT, name varchar(255) NOT NULL, duration int DEFAULT 30, PRIMARY KEY (id)
      );
      INSERT INTO ${P}appointease_services (name, duration) VALUES ('Haircut', 45);`);
  }, 60_000);
  afterAll(async () => wp?.destroy());

  it('activation creates the missing tables and adds missing columns and indexes to existing ones', () => {
    const activated = activatePlugin(wp);
    expect(activated).toBe('ok');

    for (const table of schema.tables) {
      const live = columnsOf(`${P}${table.name}`).map(([name]) => name);
      for (const [column] of table.columns) expect(live, `${table.name}.${column}`).toContain(column);
      const indexes = indexesOf(`${P}${table.name}`);
      for (const index of table.indexes ?? []) expect(indexes, `${table.name}.${index.name}`).toContain(index.name);
      if (table.primaryKey?.length) expect(indexes).toContain('PRIMARY');
    }
    expect(wp.php(`echo wp_json_encode( get_option( 'appointease_bridge_schema_errors', array() ) );`)).toBe('[]');
  });

  it('kept the existing rows, the extra column and index; widened a short varchar, narrowed or retyped nothing', () => {
    expect(q(`SELECT name, email, strong_id, legacy_flag FROM ${P}appointments`).trim()).toBe('Ada Lovelace\tada@example.com\tAPT-2030-000001\t1');
    expect(q(`SELECT name, duration, buffer_before, active FROM ${P}appointease_services`).trim()).toBe('Haircut\t45\t0\t1');
    const columns = Object.fromEntries(columnsOf(`${P}appointments`));
    expect(columns.name).toBe('varchar(255)'); // schema says varchar(100): an existing column is never narrowed
    expect(columns.email).toBe('varchar(190)'); // schema says varchar(190): a shorter varchar is widened, nothing else changes
    expect(columns.legacy_flag).toBe('tinyint(1)');
    expect(indexesOf(`${P}appointments`)).toContain('legacy_idx');
    // Added columns land where the definition puts them, after their predecessor.
    const order = columnsOf(`${P}appointments`).map(([name]) => name);
    expect(order.indexOf('customer_id')).toBe(order.indexOf('employee_id') + 1);
  });

  it('is idempotent: a second run changes nothing and reports nothing', () => {
    const before = createStatements();
    const report = wp.phpJson<Report>(`echo wp_json_encode( Appointease_Bridge_Schema::install() );`);
    expect(report).toEqual({ created: [], columns: [], widened: [], indexes: [], errors: [] });
    expect(createStatements()).toBe(before);
  });

  it('reports an index it cannot add (duplicate rows) in an admin notice, does the rest, and retries later', () => {
    q(`ALTER TABLE ${P}appointease_settings DROP INDEX uniq_setting_key;
       ALTER TABLE ${P}appointease_customers DROP INDEX idx_email;
       INSERT INTO ${P}appointease_settings (setting_key, setting_value) VALUES ('timezone', '"UTC"'), ('timezone', '"UTC"');`);
    const report = wp.phpJson<Report>(`echo wp_json_encode( Appointease_Bridge_Schema::install() );`);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(/appointease_settings\.uniq_setting_key: Duplicate entry/);
    expect(report.indexes).toEqual([`${P}appointease_customers.idx_email`]);

    const notice = wp.php(`
      wp_set_current_user( 1 );
      require_once ABSPATH . 'wp-admin/includes/admin.php';
      Appointease_Bridge_Settings::render_notices();
    `);
    expect(notice).toContain('could not fully create or upgrade its database tables');
    expect(notice).toContain('uniq_setting_key');

    // maybe_upgrade() retries because the definition's hash was not recorded.
    q(`DELETE FROM ${P}appointease_settings WHERE id = (SELECT MAX(id) FROM (SELECT id FROM ${P}appointease_settings) AS t)`);
    wp.php(`Appointease_Bridge_Schema::maybe_upgrade();`);
    expect(indexesOf(`${P}appointease_settings`)).toContain('uniq_setting_key');
    expect(wp.php(`echo wp_json_encode( get_option( 'appointease_bridge_schema_errors', 'none' ) );`)).toBe('"none"');
  });

  it('logged no PHP warning or notice from the plugin', () => {
    expect(wp.pluginWarnings()).toEqual([]);
  });
});

describe.skipIf(prerequisite)('schema installer on AppointEase-shaped slot locks', () => {
  let wp: WordPress;
  const P = 'ae_';
  const table = `${P}appointease_slot_locks`;
  const q = (sql: string) => mysql(`USE \`${wp.dbName}\`; ${sql}`);
  const uniqueIndexes = () =>
    q(`SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${table}' AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY' ORDER BY INDEX_NAME`)
      .trim()
      .split('\n')
      .filter(Boolean);
  const allIndexes = () =>
    q(`SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${table}'`).trim().split('\n').sort();

  beforeAll(async () => {
    wp = await WordPress.create({ label: 'schemaslot', tablePrefix: P, activate: false });
    // The AppointEase plugin's own table: its unique index has another name than ours
    // (unique_slot vs uniq_slot) over the same columns, and a live lock row.
    q(`${originalSlotLocksTable(P)};
      INSERT INTO ${table} (date, time, employee_id, client_id, expires_at) VALUES ('2030-01-01', '09:00:00', 1, 'client-abc', '2030-01-01 09:10:00');`);
  }, 60_000);
  afterAll(async () => wp?.destroy());

  it('activation adds no second unique index over the same columns, only what is really missing', () => {
    const activated = activatePlugin(wp);
    expect(activated).toBe('ok');
    expect(uniqueIndexes()).toEqual(['unique_slot']);
    expect(allIndexes()).toEqual(['PRIMARY', 'idx_client', 'idx_expires', 'idx_lock', 'unique_slot']);
    expect(q(`SELECT client_id FROM ${table}`).trim()).toBe('client-abc');
    expect(wp.php(`echo wp_json_encode( get_option( 'appointease_bridge_schema_errors', array() ) );`)).toBe('[]');
  });

  it('a second activation changes nothing', () => {
    const before = q(`SHOW CREATE TABLE \`${table}\``);
    const report = wp.phpJson<Report>(`
      require_once ABSPATH . 'wp-admin/includes/plugin.php';
      deactivate_plugins( 'appointease-bridge/appointease-bridge.php' );
      activate_plugin( 'appointease-bridge/appointease-bridge.php' );
      echo wp_json_encode( Appointease_Bridge_Schema::install() );
    `);
    expect(report).toEqual({ created: [], columns: [], widened: [], indexes: [], errors: [] });
    expect(q(`SHOW CREATE TABLE \`${table}\``)).toBe(before);
    expect(uniqueIndexes()).toEqual(['unique_slot']);
  });

  it('logged no PHP warning or notice from the plugin', () => {
    expect(wp.pluginWarnings()).toEqual([]);
  });
});

// The two installers of schema.json cannot drift: the sidecar's `npm run migrate`
// (server/src/db/migrate.ts) and the bridge's activation (Appointease_Bridge_Schema, run by
// the real WordPress) are run side by side in one database, each under its own table
// prefix, on the same starting points; what they leave in information_schema (columns with
// position, type, nullability, default, extra and collation; indexes; engine and table
// collation) must be identical, and so must what each reports having done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type MigrationReport } from '../../server/src/db/migrate';
import { createPool, type Pool } from '../../server/src/db/pool';
import { loadSchema } from '../../server/src/db/schema';
import { originalPluginTables } from '../helpers/appointease-original-schema';
import { MYSQL_ROOT } from '../helpers/services';
import { WordPress, missingPrerequisite } from './wordpress.js';

const prerequisite = missingPrerequisite();

interface PhpReport {
  created: string[];
  columns: string[];
  indexes: string[];
  errors: string[];
}

/** Everything information_schema says about the tables under one prefix, with the prefix cut off. */
async function snapshot(pool: Pool, prefix: string) {
  const strip = (rows: any[]) => rows.map((r) => ({ ...r, TABLE_NAME: String(r.TABLE_NAME).slice(prefix.length) }));
  const where = 'TABLE_SCHEMA = DATABASE() AND LEFT(TABLE_NAME, ?) = ?';
  const [tables] = await pool.query<any[]>(`SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE ${where} ORDER BY TABLE_NAME`, [
    prefix.length,
    prefix,
  ]);
  const [columns] = await pool.query<any[]>(
    `SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, CHARACTER_SET_NAME, COLLATION_NAME
       FROM information_schema.COLUMNS WHERE ${where} ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [prefix.length, prefix],
  );
  const [indexes] = await pool.query<any[]>(
    `SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, SUB_PART, INDEX_TYPE
       FROM information_schema.STATISTICS WHERE ${where} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [prefix.length, prefix],
  );
  return { tables: strip(tables), columns: strip(columns), indexes: strip(indexes) };
}

/** The report of either side as "what happened", prefix cut off, comparable across the two. */
function doneByTs(r: MigrationReport, prefix: string) {
  const cut = (xs: string[]) => xs.map((x) => x.slice(prefix.length)).sort();
  return { created: cut(r.createdTables), columns: cut(r.addedColumns), indexes: cut(r.addedIndexes), problems: cut(r.problems.map((p) => p.split(':')[0]!)) };
}
function doneByPhp(r: PhpReport, prefix: string) {
  const cut = (xs: string[]) => xs.map((x) => x.slice(prefix.length)).sort();
  return { created: cut(r.created), columns: cut(r.columns), indexes: cut(r.indexes), problems: cut(r.errors.map((p) => p.split(':')[0]!)) };
}

describe.skipIf(prerequisite)('migrate.ts and the PHP installer leave the same schema', () => {
  let wp: WordPress;
  let pool: Pool;
  const schema = loadSchema();

  const q = (sql: string, values?: unknown[]) => pool.query(sql, values);
  // The bridge's classes loaded without activating it (activation would install under wp_).
  const installPhp = (prefix: string) =>
    wp.phpJson<PhpReport>(
      `require_once WP_PLUGIN_DIR . '/appointease-bridge/appointease-bridge.php'; echo wp_json_encode( Appointease_Bridge_Schema::install( '${prefix}' ) );`,
    );
  const runBoth = async (ts: string, php: string) => ({ ts: doneByTs(await migrate(pool, ts), ts), php: doneByPhp(installPhp(php), php) });

  beforeAll(async () => {
    wp = await WordPress.create({ label: 'agree', activate: false });
    pool = createPool(`${MYSQL_ROOT}/${wp.dbName}`, { connectionLimit: 2 });
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await wp?.destroy();
  });

  it('on an empty database: every table created alike', async () => {
    const tsReport = await migrate(pool, 'tsnew_');
    const phpReport = installPhp('phpnew_');
    expect(doneByTs(tsReport, 'tsnew_')).toEqual(doneByPhp(phpReport, 'phpnew_'));
    expect(tsReport.createdTables).toHaveLength(schema.tables.length);
    expect(tsReport.problems).toEqual([]);
    const [ts, php] = await Promise.all([snapshot(pool, 'tsnew_'), snapshot(pool, 'phpnew_')]);
    expect(ts.columns.length).toBe(schema.tables.reduce((n, t) => n + t.columns.length, 0));
    expect(php).toEqual(ts);
  });

  it("on the AppointEase plugin's tables with its rows, under a WordPress collation: upgraded alike", async () => {
    for (const prefix of ['tsold_', 'phpold_']) {
      // WordPress makes its own tables (and so the plugin's) in its collation, usually utf8mb4_unicode_520_ci.
      await q(
        `CREATE TABLE ${prefix}options (option_id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, option_name varchar(191) NOT NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`,
      );
      for (const sql of originalPluginTables(prefix)) await q(`${sql} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
      await q(
        `INSERT INTO ${prefix}appointments (name, email, appointment_date, employee_id, strong_id) VALUES ('Ada', 'ada@example.com', '2030-01-07 09:00:00', 1, 'APT-2030-000001')`,
      );
      await q(`INSERT INTO ${prefix}appointease_staff (name, email) VALUES ('Sarah Johnson', 'sarah@example.com')`);
    }
    const tsReport = await migrate(pool, 'tsold_');
    const phpReport = installPhp('phpold_');
    expect(doneByTs(tsReport, 'tsold_')).toEqual(doneByPhp(phpReport, 'phpold_'));
    expect(tsReport.problems).toEqual([]);
    // Additive: new tables beside the plugin's, columns added to its tables, nothing of its own lost.
    expect(tsReport.createdTables).toContain('tsold_appointease_settings');
    expect(tsReport.addedColumns).toContain('tsold_appointments.end_date');
    expect(tsReport.relaxedColumns).toEqual([]);
    expect(tsReport.equivalentIndexes).toContain('tsold_appointments.idx_date_employee = idx_appointment_slot');
    expect(tsReport.foreign).toContain('tsold_appointments.idx_idempotency (index)');

    const [ts, php] = await Promise.all([snapshot(pool, 'tsold_'), snapshot(pool, 'phpold_')]);
    expect(php).toEqual(ts);
    expect(new Set(ts.tables.map((t: any) => t.TABLE_COLLATION))).toEqual(new Set(['utf8mb4_unicode_520_ci']));
    const endDate = ts.columns.find((c: any) => c.TABLE_NAME === 'appointments' && c.COLUMN_NAME === 'end_date');
    const createdAt = ts.columns.find((c: any) => c.TABLE_NAME === 'appointments' && c.COLUMN_NAME === 'created_at');
    // Placed after its predecessor in the definition (created_at), not at the end.
    expect(endDate.ORDINAL_POSITION).toBe(createdAt.ORDINAL_POSITION + 1);
  });

  it('a NOT NULL column without a default, an AUTO_INCREMENT column and a primary key missing from existing tables: handled alike', async () => {
    for (const prefix of ['tsodd_', 'phpodd_']) {
      // A settings table made by hand without its key column and without a primary key; a
      // time-off table with a primary key of its own but no id; an OTP table missing a NOT NULL column.
      await q(`CREATE TABLE ${prefix}appointease_settings (setting_key varchar(100) NOT NULL, setting_value longtext)`);
      await q(`INSERT INTO ${prefix}appointease_settings (setting_key, setting_value) VALUES ('timezone', '"UTC"'), ('slotInterval', '30')`);
      await q(
        `CREATE TABLE ${prefix}appointease_timeoff (staff_id mediumint(9) NOT NULL, start_date date NOT NULL, end_date date NOT NULL, PRIMARY KEY (staff_id, start_date))`,
      );
      await q(`CREATE TABLE ${prefix}appointease_otps (id mediumint(9) NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(190) NOT NULL)`);
      await q(`INSERT INTO ${prefix}appointease_otps (email) VALUES ('a@example.com')`);
      await q(`CREATE TABLE ${prefix}appointease_staff_services (staff_id mediumint(9) NOT NULL, service_id mediumint(9) NOT NULL)`);
    }
    const tsReport = await migrate(pool, 'tsodd_');
    const phpReport = installPhp('phpodd_');
    const done = doneByTs(tsReport, 'tsodd_');
    expect(doneByPhp(phpReport, 'phpodd_')).toEqual(done);
    // The id came with the primary key it is, numbering the rows already there.
    expect(done.columns).toContain('appointease_settings.id');
    expect(done.indexes).toEqual(expect.arrayContaining(['appointease_settings.PRIMARY', 'appointease_staff_services.PRIMARY']));
    // Beside another primary key an id is not forced in: reported, by both.
    expect(done.problems).toEqual(['appointease_timeoff.id']);
    expect(tsReport.relaxedColumns).toEqual(expect.arrayContaining(['tsodd_appointease_otps.code_hash', 'tsodd_appointease_otps.expires_at_ms']));
    const [ts, php] = await Promise.all([snapshot(pool, 'tsodd_'), snapshot(pool, 'phpodd_')]);
    expect(php).toEqual(ts);
    const [ids] = await q(`SELECT id, setting_key FROM tsodd_appointease_settings ORDER BY id`);
    expect(ids).toEqual([
      { id: 1, setting_key: 'timezone' },
      { id: 2, setting_key: 'slotInterval' },
    ]);
  });

  it('a second run of either changes nothing', async () => {
    for (const [ts, php] of [
      ['tsnew_', 'phpnew_'],
      ['tsold_', 'phpold_'],
    ]) {
      const before = await Promise.all([snapshot(pool, ts!), snapshot(pool, php!)]);
      const again = await runBoth(ts!, php!);
      expect(again.ts).toEqual({ created: [], columns: [], indexes: [], problems: [] });
      expect(again.php).toEqual(again.ts);
      expect(await Promise.all([snapshot(pool, ts!), snapshot(pool, php!)])).toEqual(before);
    }
  });

  it('logged no PHP warning or notice from the plugin', () => {
    expect(wp.pluginWarnings()).toEqual([]);
  });
});

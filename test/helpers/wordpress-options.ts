import type { Pool } from '../../server/src/db/pool';

/**
 * WordPress's own `{prefix}options` table, as much of it as the sidecar reads
 * (time zone, site title, language, address), with values written the way
 * WordPress stores them (the site title HTML-escaped: `Salon &amp; Spa`).
 */
export async function setWordPressOptions(pool: Pool, options: Record<string, string>, prefix = 'wp_'): Promise<void> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS \`${prefix}options\` (option_id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, option_name varchar(191) NOT NULL UNIQUE, option_value longtext NOT NULL, autoload varchar(20) NOT NULL DEFAULT 'yes')`,
  );
  for (const [name, value] of Object.entries(options)) {
    await pool.query(`INSERT INTO \`${prefix}options\` (option_name, option_value) VALUES (?, ?) ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)`, [name, value]);
  }
}

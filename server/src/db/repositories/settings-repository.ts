import { isMissingTable } from '../errors';
import type { Pool, PoolConnection } from '../pool';
import type { Tables } from '../schema';
import type { BookingRules } from '../../domain/slot-grid';
import { isValidZone } from '../../domain/time';
import { remindersFromStored, type ReminderOffset } from '../../domain/reminders';

/** The booking rules plus the limits the booking path enforces (CONTRACT §7, §11). */
export interface SiteRules extends BookingRules {
  /** Upcoming non-cancelled appointments one customer may hold; 0 = unlimited. */
  maxBookingsPerCustomer: number;
  /** Reminder mails before each appointment (CONTRACT §12), earliest first; [] = none. */
  reminders: ReminderOffset[];
}

export const DEFAULT_RULES: Omit<SiteRules, 'timezone' | 'reminders'> = {
  slotInterval: 30,
  minNoticeMinutes: 60,
  maxAdvanceDays: 90,
  maxBookingsPerCustomer: 5,
};

/**
 * WordPress's own zone: `timezone_string` when set, else `gmt_offset` hours
 * (e.g. "5.5" → UTC+5:30), else UTC. A site without the options table (the
 * demo database) is UTC.
 */
export function zoneFromWordPress(timezoneString: string | undefined, gmtOffset: string | undefined): string {
  if (timezoneString && isValidZone(timezoneString)) return timezoneString;
  const offset = Number(gmtOffset);
  if (gmtOffset !== undefined && gmtOffset !== '' && Number.isFinite(offset) && offset !== 0 && Math.abs(offset) <= 14) {
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    const h = Math.floor(abs);
    const m = Math.round((abs - h) * 60);
    return m ? `UTC${sign}${h}:${String(m).padStart(2, '0')}` : `UTC${sign}${h}`;
  }
  return 'UTC';
}

/** What the customer mails need from WordPress's own options (raw values; empty when unset). */
export interface WordPressSiteOptions {
  /** Settings → General → Site Title, as WordPress stores it (HTML entities escaped). */
  blogname: string;
  /** The site language (`fr_FR`); empty = WordPress's default, en_US. */
  locale: string;
  /** The site address (`home`, else `siteurl`). */
  home: string;
}

export class SettingsRepository {
  constructor(private readonly pool: Pool, private readonly t: Tables) {}

  async wordpressSite(): Promise<WordPressSiteOptions> {
    try {
      const [rows] = await this.pool.query<any[]>(
        `SELECT option_name, option_value FROM \`${this.t.options}\` WHERE option_name IN ('blogname', 'WPLANG', 'home', 'siteurl')`,
      );
      const get = (n: string) => String(rows.find((r) => r.option_name === n)?.option_value ?? '').trim();
      return { blogname: get('blogname'), locale: get('WPLANG'), home: get('home') || get('siteurl') };
    } catch (err: any) {
      // The demo database has no WordPress tables.
      if (err?.code === 'ER_NO_SUCH_TABLE') return { blogname: '', locale: '', home: '' };
      throw err;
    }
  }

  async wordpressZone(): Promise<string> {
    try {
      const [rows] = await this.pool.query<any[]>(
        `SELECT option_name, option_value FROM \`${this.t.options}\` WHERE option_name IN ('timezone_string', 'gmt_offset')`,
      );
      const get = (n: string) => rows.find((r) => r.option_name === n)?.option_value as string | undefined;
      return zoneFromWordPress(get('timezone_string'), get('gmt_offset'));
    } catch (err) {
      if (isMissingTable(err)) return 'UTC';
      throw err;
    }
  }

  /** Stored overrides (JSON values by key). */
  async stored(): Promise<Record<string, unknown>> {
    const [rows] = await this.pool.query<any[]>(`SELECT setting_key, setting_value FROM \`${this.t.settings}\``);
    const out: Record<string, unknown> = {};
    for (const r of rows) {
      try {
        out[r.setting_key] = JSON.parse(r.setting_value);
      } catch {
        out[r.setting_key] = r.setting_value;
      }
    }
    return out;
  }

  /** The effective booking rules: stored overrides over defaults, zone over WordPress's. */
  async rules(): Promise<SiteRules> {
    const [stored, wpZone] = await Promise.all([this.stored(), this.wordpressZone()]);
    const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fallback);
    const zone = typeof stored.timezone === 'string' && isValidZone(stored.timezone) ? stored.timezone : wpZone;
    const interval = num(stored.slotInterval, DEFAULT_RULES.slotInterval);
    return {
      timezone: zone,
      slotInterval: interval >= 5 ? interval : DEFAULT_RULES.slotInterval,
      minNoticeMinutes: num(stored.minNoticeMinutes, DEFAULT_RULES.minNoticeMinutes),
      maxAdvanceDays: num(stored.maxAdvanceDays, DEFAULT_RULES.maxAdvanceDays),
      maxBookingsPerCustomer: num(stored.maxBookingsPerCustomer, DEFAULT_RULES.maxBookingsPerCustomer),
      reminders: remindersFromStored('reminders' in stored ? stored.reminders : undefined),
    };
  }

  /**
   * Update first, insert only a key that is not there yet: an upsert
   * (ON DUPLICATE KEY UPDATE) would use up an AUTO_INCREMENT id on every save.
   * Two admins adding the same key at once collide on the unique key inside
   * their transactions; the loser's retry then finds the row.
   */
  async save(values: Record<string, unknown>, conn: PoolConnection): Promise<void> {
    for (const [key, value] of Object.entries(values)) {
      const [updated] = await conn.query<any>(`UPDATE \`${this.t.settings}\` SET setting_value = ?, updated_at = UTC_TIMESTAMP() WHERE setting_key = ?`, [
        JSON.stringify(value),
        key,
      ]);
      if (Number(updated.affectedRows) > 0) continue;
      await conn.query(`INSERT INTO \`${this.t.settings}\` (setting_key, setting_value, updated_at) VALUES (?, ?, UTC_TIMESTAMP())`, [key, JSON.stringify(value)]);
    }
  }

  /** Drops overrides, so the default (or WordPress's zone) applies again. */
  async remove(keys: string[], conn?: PoolConnection): Promise<void> {
    if (keys.length === 0) return;
    await (conn ?? this.pool).query(`DELETE FROM \`${this.t.settings}\` WHERE setting_key IN (?)`, [keys]);
  }
}

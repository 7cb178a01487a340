import { inTransaction, type Pool } from '../db/pool';
import type { AuditRepository } from '../db/repositories/audit-repository';
import type { SettingsRepository } from '../db/repositories/settings-repository';
import type { AdminActor } from './admin-catalogue';
import type { Catalogue } from './catalogue';
import type { ReminderOffset } from '../domain/reminders';

export const SETTING_KEYS = ['timezone', 'slotInterval', 'minNoticeMinutes', 'maxAdvanceDays', 'maxBookingsPerCustomer', 'reminders'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

export interface SettingsView {
  timezone: string;
  slotInterval: number;
  minNoticeMinutes: number;
  maxAdvanceDays: number;
  /** Upcoming non-cancelled appointments one customer may hold (0 = unlimited). */
  maxBookingsPerCustomer: number;
  /** Reminder mails before each appointment (CONTRACT §12); default one at 24 h before, [] = none. */
  reminders: ReminderOffset[];
  /** WordPress's own zone (timezone_string, else gmt_offset): what applies without an override. */
  wordpressTimezone: string;
  /** Which of the values are stored overrides rather than defaults. */
  overridden: SettingKey[];
}

/** `null` for a key drops its override (back to the default, or WordPress's zone). */
export type SettingsPatch = Partial<{
  timezone: string | null;
  slotInterval: number | null;
  minNoticeMinutes: number | null;
  maxAdvanceDays: number | null;
  maxBookingsPerCustomer: number | null;
  reminders: ReminderOffset[] | null;
}>;

/** Booking rules: the effective values, and overrides stored in {prefix}appointease_settings. */
export class AdminSettings {
  constructor(
    private readonly deps: {
      pool: Pool;
      catalogue: Catalogue;
      repos: { settings: SettingsRepository; audit: AuditRepository };
      /** After a change is saved and the catalogue reloaded: the reminder sweep plans offsets added (services/reminder-sweep.ts). */
      changed?: () => void;
    },
  ) {}

  async view(): Promise<SettingsView> {
    const s = this.deps.repos.settings;
    const [rules, wordpressTimezone, stored] = await Promise.all([s.rules(), s.wordpressZone(), s.stored()]);
    return { ...rules, wordpressTimezone, overridden: SETTING_KEYS.filter((k) => k in stored) };
  }

  async update(patch: SettingsPatch, who: AdminActor): Promise<SettingsView> {
    const set: Record<string, unknown> = {};
    const unset: string[] = [];
    for (const key of SETTING_KEYS) {
      if (!(key in patch) || patch[key] === undefined) continue;
      if (patch[key] === null) unset.push(key);
      else set[key] = patch[key];
    }
    if (Object.keys(set).length === 0 && unset.length === 0) return this.view();
    const before = await this.view();
    // REPEATABLE READ: two admins adding one key both find no row to update, and only the gap locks
    // of that search make their inserts deadlock (retried: the loser then updates); under READ
    // COMMITTED the loser would meet a duplicate key instead, a 500.
    await inTransaction(this.deps.pool, async (conn) => {
      await this.deps.repos.settings.save(set, conn);
      await this.deps.repos.settings.remove(unset, conn);
      await this.deps.repos.audit.record(
        { actor: who.actor, action: 'update', entity: 'settings', entityId: null, details: { set, unset, before }, ip: who.ip },
        conn,
      );
    }, { name: 'admin.settings', isolation: 'REPEATABLE READ' });
    await this.deps.catalogue.changed();
    this.deps.changed?.();
    return this.view();
  }
}

import { inTransaction, type Pool } from './pool';
import { maybeUnserialize, type PhpValue } from './php-unserialize';
import { mapPluginOptions, PLUGIN_OPTION_NAMES } from './plugin-options';
import { AuditRepository } from './repositories/audit-repository';
import { SettingsRepository } from './repositories/settings-repository';
import { StaffRepository } from './repositories/staff-repository';
import { WebhooksRepository } from './repositories/webhooks-repository';
import { generateWebhookSecret } from '../webhooks/signature';
import { WEEKDAYS, type WeeklyHours } from '../domain/weekdays';
import type { Tables } from './schema';

/**
 * The settings row that records the carry-over: when it happened and what it wrote. Its
 * presence means "done": later runs never copy from the plugin again, so a change an
 * administrator makes through our API (or a staff member they give no hours) stays.
 */
export const CARRY_OVER_KEY = 'pluginCarryOver';

export interface CarryOverReport {
  /** Whether the site has any of the original plugin's options. */
  found: boolean;
  /** When an earlier run carried them over (ISO); then nothing is written now. */
  earlier: string | null;
  /** What was written, each with where it came from. */
  carried: string[];
  /** Plugin values that were not applied because ours already say something. */
  leftAlone: string[];
  /** Plugin values with no counterpart here (`from` names the option and shows the value), each with why. */
  notCarried: { from: string; why: string }[];
}

interface CarryOverRecord {
  at: string;
  settings: Record<string, unknown>;
  staffIds: number[];
  /** Webhooks made from the plugin's appointease_webhook_url. */
  webhookIds?: number[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const shownValue = (v: unknown) => (v === undefined ? 'the default' : JSON.stringify(v));

/**
 * Carries the original AppointEase plugin's settings over to ours, once: each of our
 * settings that is still absent takes the plugin's value, and staff without any working
 * hours get the plugin's business days and hours. Runs after the schema is in place
 * (it writes {p}appointease_settings and staff hours); reads, never writes, {p}options.
 */
export async function carryOverPluginSettings(pool: Pool, t: Tables): Promise<CarryOverReport> {
  const report: CarryOverReport = { found: false, earlier: null, carried: [], leftAlone: [], notCarried: [] };
  const options = await readPluginOptions(pool, t, report);
  if (!report.found) return report;
  const mapping = mapPluginOptions(options);
  report.notCarried.push(...mapping.notCarried);

  const settings = new SettingsRepository(pool, t);
  const stored = await settings.stored();
  const earlier = stored[CARRY_OVER_KEY] as Partial<CarryOverRecord> | undefined;
  if (earlier && typeof earlier === 'object') {
    report.earlier = typeof earlier.at === 'string' ? earlier.at : 'an earlier run';
    for (const s of mapping.settings) {
      if (!same(stored[s.key], s.value)) {
        report.leftAlone.push(
          `${s.key}: ${shownValue(stored[s.key])} here, the plugin now says ${JSON.stringify(s.value)} (${s.from}); not copied again — change it under AppointEase → Settings if wanted`,
        );
      }
    }
    return report;
  }

  const staff = new StaffRepository(pool, t);
  const audit = new AuditRepository(pool, t);
  const webhooks = new WebhooksRepository(pool, t);
  const record: CarryOverRecord = { at: new Date().toISOString(), settings: {}, staffIds: [], webhookIds: [] };
  const leftAloneBefore = [...report.leftAlone];
  await inTransaction(
    pool,
    async (conn) => {
      // Run again from the start on contention: what one attempt noted must not pile up.
      report.carried = [];
      report.leftAlone = [...leftAloneBefore];
      record.settings = {};
      record.staffIds = [];
      record.webhookIds = [];
      // Taken first: a second migrate running at the same moment fails on the unique key and rolls back.
      await conn.query(`INSERT INTO \`${t.settings}\` (setting_key, setting_value, updated_at) VALUES (?, ?, UTC_TIMESTAMP())`, [
        CARRY_OVER_KEY,
        JSON.stringify(record),
      ]);
      for (const s of mapping.settings) {
        if (s.key in stored) {
          report.leftAlone.push(`${s.key}: already ${JSON.stringify(stored[s.key])} here; the plugin's ${JSON.stringify(s.value)} (${s.from}) not copied`);
          continue;
        }
        record.settings[s.key] = s.value;
        report.carried.push(`${s.key} = ${JSON.stringify(s.value)} ← ${s.from}${s.key === 'reminders' ? REMINDERS_NOTE : ''}`);
      }
      await settings.save(record.settings, conn);

      if (mapping.hours) {
        const all = await staff.all(conn);
        const without = all.filter((m) => Object.keys(m.workingHours).length === 0);
        for (const m of without) await staff.setHours(m.id, mapping.hours.hours, conn);
        record.staffIds = without.map((m) => m.id);
        const summary = describeHours(mapping.hours.hours);
        if (without.length) {
          report.carried.push(
            `working hours ${summary} for ${without.length} staff member(s) without any (id ${record.staffIds.join(', ')}) ← ${mapping.hours.from}`,
          );
        }
        if (all.length > without.length) {
          report.leftAlone.push(
            `${all.length - without.length} staff member(s) with their own hours keep them; the plugin's business hours ${summary} are not applied to them`,
          );
        }
      }
      if (mapping.webhooks.length) {
        const [existing] = await conn.query<any[]>(`SELECT id, url FROM \`${t.webhooks}\``);
        for (const w of mapping.webhooks) {
          const twin = existing.find((row) => row.url === w.url);
          if (twin) {
            report.leftAlone.push(`${w.from}: a webhook to that address is here already (#${twin.id}); not added again`);
            continue;
          }
          const made = await webhooks.create({ url: w.url, events: w.events, secret: generateWebhookSecret() }, conn);
          record.webhookIds!.push(made.id);
          report.carried.push(`webhook #${made.id} to ${w.url} for ${w.events.join(', ')} ← ${w.from}${WEBHOOK_NOTE}`);
        }
      }
      await conn.query(`UPDATE \`${t.settings}\` SET setting_value = ? WHERE setting_key = ?`, [JSON.stringify(record), CARRY_OVER_KEY]);
      await audit.record({ actor: 'npm run migrate', action: 'carry_over', entity: 'settings', entityId: null, details: { ...record } }, conn);
    },
    // REPEATABLE READ: it saves settings as the admin API does (see AdminSettings.update).
    { name: 'carry_over', isolation: 'REPEATABLE READ' },
  );
  return report;
}

/** What an owner must know about reminders the plugin only stored: it never sent them. */
const REMINDERS_NOTE = " (the plugin stored this but never sent reminder mails; the sidecar sends them from now on — AppointEase → Settings → Reminder mails)";
/** What changes for the receiver of the plugin's webhook. */
const WEBHOOK_NOTE =
  '; the receiver now gets the signed event of CONTRACT §12 (type appointment.booked, the appointment under data.appointment, AppointEase-Signature header) instead of the plugin\'s {"event":"appointment.created",…}; its secret is not shown — to verify signatures, add a webhook under AppointEase → Webhooks (the secret is shown once) and delete this one';

async function readPluginOptions(pool: Pool, t: Tables, report: CarryOverReport): Promise<Partial<Record<string, PhpValue>>> {
  let rows: any[];
  try {
    [rows] = await pool.query<any[]>(`SELECT option_name, option_value FROM \`${t.options}\` WHERE option_name IN (?)`, [[...PLUGIN_OPTION_NAMES]]);
  } catch (err: any) {
    if (err?.code === 'ER_NO_SUCH_TABLE') return {}; // not a WordPress database (the demo)
    throw err;
  }
  const out: Partial<Record<string, PhpValue>> = {};
  for (const r of rows) {
    try {
      out[r.option_name] = maybeUnserialize(r.option_value);
    } catch (err) {
      report.notCarried.push({ from: r.option_name, why: `could not be read (${(err as Error).message}); nothing taken from it` });
    }
  }
  report.found = rows.length > 0;
  return out;
}

const DAY_NAMES: Record<string, string> = { sun: 'Sun', mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat' };

/** "Mon–Fri 09:00–12:00, 13:00–17:00" style, for the migrate output. */
export function describeHours(hours: WeeklyHours): string {
  const groups: { days: string[]; windows: string }[] = [];
  for (const day of [...WEEKDAYS.slice(1), WEEKDAYS[0]]) {
    const w = hours[day];
    if (!w?.length) continue;
    const windows = w.map((x) => `${x.start}–${x.end}`).join(', ');
    const last = groups.at(-1);
    const prevDay = last?.days.at(-1);
    const consecutive = prevDay !== undefined && (WEEKDAYS.indexOf(day) - WEEKDAYS.indexOf(prevDay as (typeof WEEKDAYS)[number]) + 7) % 7 === 1;
    if (last && last.windows === windows && consecutive) last.days.push(day);
    else groups.push({ days: [day], windows });
  }
  return groups
    .map((g) => `${g.days.length > 2 ? `${DAY_NAMES[g.days[0]!]}–${DAY_NAMES[g.days.at(-1)!]}` : g.days.map((d) => DAY_NAMES[d]).join(', ')} ${g.windows}`)
    .join('; ');
}

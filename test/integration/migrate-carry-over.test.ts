// A site that ran the original AppointEase plugin switches: its tables and its option rows
// (as the plugin's activation writes them, and as its settings page saves them) are in
// the database; `npm run migrate` upgrades the tables and carries the settings over, and
// our availability then matches a table of free times derived from those settings —
// for the staff member the plugin's admin added without hours (they get the business
// hours) as for those with hours of their own (they keep them).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARRY_OVER_KEY } from '../../server/src/db/carry-over';
import { addDays, todayIn } from '../../server/src/domain/time';
import { weekdayOf } from '../../server/src/domain/weekdays';
import {
  activationCatalogueRows,
  activationOptionRows,
  savedSettingsRows,
  SMTP_PASSWORD,
  wordpressOptionsTable,
} from '../helpers/appointease-original-options';
import { originalPluginTables } from '../helpers/appointease-original-schema';
import { createTestDatabase, type TestDatabase } from '../helpers/services';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

const run = promisify(execFile);
const ZONE = 'Europe/Berlin';

async function migrateCli(url: string): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'server/src/cli/migrate.ts'], {
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: url, WP_TABLE_PREFIX: 'wp_' },
      timeout: 60_000,
    });
    return { stdout, code: 0 };
  } catch (err: any) {
    return { stdout: `${err.stdout ?? ''}${err.stderr ?? ''}`, code: err.code ?? 1 };
  }
}

/** A database as the plugin leaves it: its tables, its two services and staff, one staff member added in its admin (no hours), its options. */
async function pluginSite(options: Record<string, string>): Promise<{ db: TestDatabase; nora: number }> {
  const db = await createTestDatabase({ migrated: false });
  for (const sql of originalPluginTables()) await db.pool.query(sql);
  for (const sql of activationCatalogueRows()) await db.pool.query(sql);
  // The plugin's "Add staff" form writes name, email and phone only.
  const [r] = await db.pool.query<any>(`INSERT INTO wp_appointease_staff (name, email, phone) VALUES ('Nora New', 'nora@example.com', '555-0199')`);
  await db.pool.query(wordpressOptionsTable());
  await db.pool.query(`INSERT INTO wp_options (option_name, option_value) VALUES ('timezone_string', ?), ('gmt_offset', '1')`, [ZONE]);
  for (const [name, value] of Object.entries(options)) await db.pool.query('INSERT INTO wp_options (option_name, option_value) VALUES (?, ?)', [name, value]);
  return { db, nora: Number(r.insertId) };
}

const WEEKDAY = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } as const;

/** The first date at least `from` days ahead (business zone) that falls on `day`. */
function next(day: keyof typeof WEEKDAY, from = 2): string {
  let d = addDays(todayIn(ZONE, Date.now()), from);
  while (weekdayOf(d) !== WEEKDAY[day]) d = addDays(d, 1);
  return d;
}

const hourly = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${String(from + i).padStart(2, '0')}:00`);
const halfHourly = (from: number, to: number) => hourly(from, to).flatMap((h) => [h, `${h.slice(0, 2)}:30`]);

type Expectation = { staff: 'sarah' | 'mike' | 'nora'; date: () => string; service: 'consultation' | 'premium'; free?: string[]; reason?: string };

async function checkAvailability(s: TestSidecar, ids: Record<'sarah' | 'mike' | 'nora' | 'consultation' | 'premium', number>, table: Expectation[]) {
  for (const row of table) {
    const date = row.date();
    const res = await s.api(`/availability?date=${date}&employeeId=${ids[row.staff]}&serviceId=${ids[row.service]}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { slots: { time: string; status: string }[]; reason?: string };
    const label = `${row.staff} ${row.service} ${date} (weekday ${weekdayOf(date)})`;
    if (row.reason) {
      expect(body.reason, label).toBe(row.reason);
      expect(body.slots, label).toEqual([]);
    } else {
      expect(body.reason, label).toBeUndefined();
      expect(
        body.slots.filter((x) => x.status === 'available').map((x) => x.time),
        label,
      ).toEqual(row.free);
    }
  }
}

describe('migrate on a site with the plugin as its activation left it', () => {
  let db: TestDatabase;
  let s: TestSidecar | undefined;
  let ids: Record<'sarah' | 'mike' | 'nora' | 'consultation' | 'premium', number>;
  let first: { stdout: string; code: number };

  beforeAll(async () => {
    const site = await pluginSite(activationOptionRows);
    db = site.db;
    ids = { sarah: 1, mike: 2, nora: site.nora, consultation: 1, premium: 2 };
    first = await migrateCli(db.url);
  }, 90_000);
  afterAll(async () => {
    await s?.stop();
    await db?.drop();
  });

  it('prints what it created, changed, carried over and left alone', () => {
    expect(first.code).toBe(0);
    const out = first.stdout;
    expect(out).toMatch(/^Created \(\d+ tables\):\n {2}.*wp_appointease_settings/m);
    expect(out).toMatch(
      /^Changed \(added to existing tables, varchar columns widened; no row touched\):\n(?: {2}.*\n)*? {2}wp_appointments: \+ columns end_date, buffer_before, buffer_after, idempotency_hash, updated_at; email widened to the definition's length; \+ index idx_employee_date$/m,
    );
    expect(out).toContain('Carried over from the AppointEase plugin (WordPress options):');
    expect(out).toContain('  slotInterval = 60 ← appointease_options.slot_duration = 60');
    expect(out).toContain('  maxAdvanceDays = 30 ← appointease_options.advance_booking = 30');
    expect(out).toContain(
      `  working hours Mon–Fri 09:00–17:00 for 1 staff member(s) without any (id ${ids.nora}) ← appointease_options.working_days, appointease_options.start_time, appointease_options.end_time`,
    );
    expect(out).toContain('Left alone:');
    expect(out).toContain("  2 staff member(s) with their own hours keep them; the plugin's business hours Mon–Fri 09:00–17:00 are not applied to them");
    expect(out).toContain('  wp_appointments.idx_date_employee: served by the existing index idx_appointment_slot');
    expect(out).toContain('wp_appointments.idx_idempotency (index)');
    // Every value without a counterpart is named with why.
    expect(out).toMatch(/ {4}.*appointease_atomic_settings\.conflict_detection = 1.*\n {6}→ the sidecar always books atomically/);
    expect(out).toMatch(
      / {4}appointease_email_settings\.from_email = "admin@example\.com"; appointease_email_settings\.from_name = "AppointEase Test"\n {6}→ the sender is MAIL_FROM/,
    );
    // Reminders: on at 24 h in its activation (it stored that but never sent any): CONTRACT §12's offsets, in minutes.
    expect(out).toContain(
      '  reminders = [{"minutesBefore":1440}] ← appointease_email_settings.enable_reminders = 1, appointease_email_settings.reminder_hours = 24 (the plugin stored this but never sent reminder mails; the sidecar sends them from now on',
    );
    expect(out).not.toMatch(/reminder_hours = 24\n {6}→/);
    expect(out).toMatch(/ {4}booking_plugin_settings\.time_slots = \[.*\]\n {6}→ the sidecar derives start times/);
    expect(out).not.toContain('Problems');
  });

  it('our availability follows the carried-over settings (table of expected free times)', async () => {
    s = await startSidecar({ db });
    const settings = await (await s.api('/settings')).json();
    expect(settings).toMatchObject({ timezone: ZONE, slotInterval: 60, maxAdvanceDays: 30, minNoticeMinutes: 60 });
    const table: Expectation[] = [
      // Nora had no hours: the plugin's business hours, Monday to Friday 09:00–17:00, hourly.
      { staff: 'nora', date: () => next('mon'), service: 'consultation', free: hourly(9, 17) },
      { staff: 'nora', date: () => next('fri'), service: 'premium', free: hourly(9, 17) },
      { staff: 'nora', date: () => next('sat'), service: 'consultation', reason: 'non_working_day' },
      { staff: 'nora', date: () => next('sun'), service: 'premium', reason: 'non_working_day' },
      // The booking window: 30 days ahead is the last bookable day, 31 is too far.
      { staff: 'nora', date: () => addDays(todayIn(ZONE, Date.now()), 31), service: 'consultation', reason: 'too_far_advance' },
      // Staff with hours of their own keep them, on the carried-over hourly grid.
      { staff: 'sarah', date: () => next('tue'), service: 'premium', free: hourly(9, 17) },
      { staff: 'mike', date: () => next('wed'), service: 'consultation', free: hourly(10, 18) },
      { staff: 'mike', date: () => next('sat'), service: 'consultation', reason: 'non_working_day' },
    ];
    const lastDay = addDays(todayIn(ZONE, Date.now()), 30);
    if (weekdayOf(lastDay) >= 1 && weekdayOf(lastDay) <= 5) table.push({ staff: 'nora', date: () => lastDay, service: 'premium', free: hourly(9, 17) });
    await checkAvailability(s, ids, table);
  });

  it('an admin change through our API wins from then on: a later migrate copies nothing again', async () => {
    const put = await s!.api('/admin/settings', { method: 'PUT', token: s!.adminToken(), json: { slotInterval: 15, maxAdvanceDays: null } });
    expect(put.status).toBe(200);
    // The owner still edits the plugin's settings afterwards.
    await db.pool.query(`UPDATE wp_options SET option_value = ? WHERE option_name = 'appointease_options'`, [savedSettingsRows.appointease_options]);
    const again = await migrateCli(db.url);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Schema is up to date\./);
    expect(again.stdout).toMatch(
      /Carried over from the AppointEase plugin \(WordPress options\):\n {2}nothing now: carried over on \d{4}-\d\d-\d\dT[\d:.]+Z already/,
    );
    expect(again.stdout).toContain('  slotInterval: 15 here, the plugin now says 30 (appointease_options.slot_duration = 30); not copied again');
    expect(again.stdout).toMatch(
      / {2}maxAdvanceDays: the default here, the plugin now says 14 \(appointease_options\.advance_booking = 14\); not copied again/,
    );
    const [[row]] = await db.pool.query<any[]>(`SELECT setting_value FROM wp_appointease_settings WHERE setting_key = 'slotInterval'`);
    expect(JSON.parse(row.setting_value)).toBe(15);
    const [[marker]] = await db.pool.query<any[]>(`SELECT setting_value FROM wp_appointease_settings WHERE setting_key = ?`, [CARRY_OVER_KEY]);
    expect(JSON.parse(marker.setting_value)).toMatchObject({ settings: { slotInterval: 60, maxAdvanceDays: 30, reminders: [{ minutesBefore: 1440 }] }, staffIds: [ids.nora], webhookIds: [] });
    const [[reminders]] = await db.pool.query<any[]>(`SELECT setting_value FROM wp_appointease_settings WHERE setting_key = 'reminders'`);
    expect(JSON.parse(reminders.setting_value)).toEqual([{ minutesBefore: 1440 }]);
    const [[audit]] = await db.pool.query<any[]>(`SELECT actor, action, entity FROM wp_appointease_audit_log WHERE action = 'carry_over'`);
    expect(audit).toEqual({ actor: 'npm run migrate', action: 'carry_over', entity: 'settings' });
  });
});

describe('migrate on a site whose owner saved the plugin settings page (strings, Saturday, 30-minute slots, 2-week window, 24 h notice)', () => {
  let db: TestDatabase;
  let s: TestSidecar | undefined;
  let out: { stdout: string; code: number };
  let ids: Record<'sarah' | 'mike' | 'nora' | 'consultation' | 'premium', number>;

  beforeAll(async () => {
    const site = await pluginSite(savedSettingsRows);
    db = site.db;
    ids = { sarah: 1, mike: 2, nora: site.nora, consultation: 1, premium: 2 };
    out = await migrateCli(db.url);
  }, 90_000);
  afterAll(async () => {
    await s?.stop();
    await db?.drop();
  });

  it('carries slot length, window, notice and hours over; names the rest; never prints the SMTP password', () => {
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('  slotInterval = 30 ← appointease_options.slot_duration = 30');
    expect(out.stdout).toContain('  maxAdvanceDays = 14 ← appointease_options.advance_booking = 14');
    expect(out.stdout).toContain('  minNoticeMinutes = 1440 ← appointease_options.min_advance = 24 h');
    expect(out.stdout).toContain(`  working hours Tue–Sat 10:00–18:00 for 1 staff member(s) without any (id ${ids.nora})`);
    expect(out.stdout).toMatch(/ {4}appointease_options\.max_bookings = "10"\n {6}→ no per-day cap in the sidecar/);
    expect(out.stdout).toMatch(
      / {4}appointease_options\.primary_color = "#8e44ad"; .*appointease_options\.button_text = "Book now"\n {6}→ the widget is styled with CSS custom properties \(--appointease-accent/,
    );
    expect(out.stdout).toMatch(/appointease_email_settings\.from_name = "Studio Ümlaut"\n {6}→ the sender is MAIL_FROM/);
    expect(out.stdout).toMatch(/appointease_email_settings\.smtp_password \(set, not shown\)\n {6}→ mail goes out through MAIL_TRANSPORT/);
    expect(out.stdout).not.toContain(SMTP_PASSWORD);
    // Its webhook: one of ours, for the one event it sent, with a secret of its own.
    expect(out.stdout).toMatch(
      /^ {2}webhook #(\d+) to https:\/\/hooks\.example\.com\/appointease for appointment\.booked ← appointease_webhook_url = "https:\/\/hooks\.example\.com\/appointease"; the receiver now gets the signed event of CONTRACT §12/m,
    );
    // Its email form has no reminder fields: nothing said about reminders, ours keep their default.
    expect(out.stdout).not.toMatch(/reminder/);
  });

  it('the webhook is stored like one added through the admin API: active, appointment.booked, a generated secret', async () => {
    const [hooks] = await db.pool.query<any[]>(`SELECT id, url, events, secret, active FROM wp_appointease_webhooks`);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ url: 'https://hooks.example.com/appointease', active: 1 });
    expect(JSON.parse(hooks[0].events)).toEqual(['appointment.booked']);
    expect(hooks[0].secret).toMatch(/^whsec_[\w-]{40,}$/);
    expect(out.stdout).not.toContain(hooks[0].secret);
    const [[marker]] = await db.pool.query<any[]>(`SELECT setting_value FROM wp_appointease_settings WHERE setting_key = ?`, [CARRY_OVER_KEY]);
    expect(JSON.parse(marker.setting_value).webhookIds).toEqual([hooks[0].id]);
    const [rows] = await db.pool.query<any[]>(`SELECT setting_key FROM wp_appointease_settings WHERE setting_key = 'reminders'`);
    expect(rows).toEqual([]);
    // A second run adds no second webhook.
    await migrateCli(db.url);
    const [[count]] = await db.pool.query<any[]>(`SELECT COUNT(*) AS n FROM wp_appointease_webhooks`);
    expect(Number(count.n)).toBe(1);
  });

  it('our availability follows them', async () => {
    s = await startSidecar({ db });
    expect(await (await s.api('/settings')).json()).toMatchObject({ slotInterval: 30, maxAdvanceDays: 14, minNoticeMinutes: 1440 });
    await checkAvailability(s, ids, [
      { staff: 'nora', date: () => next('tue'), service: 'consultation', free: halfHourly(10, 18) },
      { staff: 'nora', date: () => next('sat'), service: 'premium', free: halfHourly(10, 18).slice(0, -1) },
      { staff: 'nora', date: () => next('mon'), service: 'consultation', reason: 'non_working_day' },
      { staff: 'nora', date: () => addDays(todayIn(ZONE, Date.now()), 15), service: 'consultation', reason: 'too_far_advance' },
      { staff: 'sarah', date: () => next('mon'), service: 'premium', free: halfHourly(9, 17).slice(0, -1) },
    ]);
  });
});

describe('migrate on a database without the plugin', () => {
  it('carries nothing and says nothing about the plugin', async () => {
    const db = await createTestDatabase({ migrated: false });
    try {
      const out = await migrateCli(db.url);
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/^Created \(\d+ tables\):/);
      expect(out.stdout).not.toContain('AppointEase plugin');
      const again = (await migrateCli(db.url)).stdout;
      expect(again).toMatch(/^Schema is up to date\.\n\nLeft alone:\n {2}\d+ tables already complete: wp_appointments, .*\n$/);
    } finally {
      await db.drop();
    }
  }, 90_000);
});

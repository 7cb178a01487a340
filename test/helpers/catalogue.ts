import type { Pool } from '../../server/src/db/pool';
import { tableNames } from '../../server/src/db/schema';
import { workingHoursToLegacyJson } from '../../server/src/db/repositories/staff-repository';
import { WEEKDAYS, type WeeklyHours } from '../../server/src/domain/weekdays';

export interface ServiceSpec {
  name?: string;
  duration: number;
  price?: number;
  bufferBefore?: number;
  bufferAfter?: number;
  active?: boolean;
}

export interface StaffSpec {
  name?: string;
  email?: string;
  hours: WeeklyHours;
  /** Service indexes (into the services list) this person performs; omitted = all. */
  services?: number[];
}

/** Every weekday with the same windows (tests pick dates freely). */
export const everyDay = (...windows: [string, string][]): WeeklyHours =>
  Object.fromEntries(WEEKDAYS.map((d) => [d, windows.map(([start, end]) => ({ start, end }))]));

/**
 * Writes a catalogue straight into the tables (the way the admin API or the
 * original plugin would leave it), returning the new ids in spec order.
 */
export async function seedCatalogue(
  pool: Pool,
  spec: { services: ServiceSpec[]; staff: StaffSpec[]; settings?: Record<string, unknown> },
  prefix = 'wp_',
): Promise<{ serviceIds: number[]; staffIds: number[] }> {
  const t = tableNames(prefix);
  const serviceIds: number[] = [];
  for (const [i, s] of spec.services.entries()) {
    const [r] = await pool.query<any>(
      `INSERT INTO \`${t.services}\` (name, duration, price, buffer_before, buffer_after, active) VALUES (?, ?, ?, ?, ?, ?)`,
      [s.name ?? `Service ${i + 1}`, s.duration, s.price ?? 0, s.bufferBefore ?? 0, s.bufferAfter ?? 0, s.active === false ? 0 : 1],
    );
    serviceIds.push(r.insertId);
  }
  const staffIds: number[] = [];
  for (const [i, m] of spec.staff.entries()) {
    const [r] = await pool.query<any>(`INSERT INTO \`${t.staff}\` (name, email, working_hours) VALUES (?, ?, ?)`, [
      m.name ?? `Employee ${i + 1}`,
      m.email ?? `employee${i + 1}@example.com`,
      workingHoursToLegacyJson(m.hours),
    ]);
    const id = r.insertId as number;
    staffIds.push(id);
    for (const [day, windows] of Object.entries(m.hours)) {
      for (const w of windows ?? []) {
        await pool.query(`INSERT INTO \`${t.availability}\` (staff_id, day_of_week, start_time, end_time) VALUES (?, ?, ?, ?)`, [
          id,
          WEEKDAYS.indexOf(day as (typeof WEEKDAYS)[number]),
          w.start,
          w.end,
        ]);
      }
    }
    for (const si of m.services ?? []) {
      await pool.query(`INSERT INTO \`${t.staffServices}\` (staff_id, service_id) VALUES (?, ?)`, [id, serviceIds[si]]);
    }
  }
  for (const [k, v] of Object.entries(spec.settings ?? {})) {
    await pool.query(`INSERT INTO \`${t.settings}\` (setting_key, setting_value) VALUES (?, ?)`, [k, JSON.stringify(v)]);
  }
  return { serviceIds, staffIds };
}

/** A date `days` from today in UTC, as YYYY-MM-DD. */
export function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

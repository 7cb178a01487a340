import type { Pool } from '../db/pool';
import type { Tables } from '../db/schema';
import { workingHoursToLegacyJson } from '../db/repositories/staff-repository';
import { WEEKDAYS, type WeeklyHours } from '../domain/weekdays';

const SERVICES = [
  { name: 'Haircut', description: 'Wash, cut and style.', duration: 30, price: 35, bufferBefore: 0, bufferAfter: 10 },
  { name: 'Colour & cut', description: 'Full colour with a cut and blow-dry.', duration: 90, price: 120, bufferBefore: 0, bufferAfter: 15 },
  { name: 'Beard trim', description: 'Shape and trim.', duration: 15, price: 15, bufferBefore: 0, bufferAfter: 0 },
  { name: 'Consultation', description: 'A free 30-minute chat about what you would like.', duration: 30, price: 0, bufferBefore: 0, bufferAfter: 0 },
];

const weekdays = (windows: { start: string; end: string }[], days: (typeof WEEKDAYS)[number][]): WeeklyHours =>
  Object.fromEntries(days.map((d) => [d, windows]));

const STAFF: { name: string; email: string; hours: WeeklyHours; services: string[] }[] = [
  {
    name: 'Alex Morgan',
    email: 'alex@example.com',
    // Monday to Friday, lunch 12:30–13:30.
    hours: weekdays([{ start: '09:00', end: '12:30' }, { start: '13:30', end: '17:30' }], ['mon', 'tue', 'wed', 'thu', 'fri']),
    services: ['Haircut', 'Colour & cut', 'Consultation'],
  },
  {
    name: 'Sam Rivera',
    email: 'sam@example.com',
    // Tuesday to Saturday, later start, lunch 13:00–14:00; Saturday mornings only.
    hours: {
      ...weekdays([{ start: '10:00', end: '13:00' }, { start: '14:00', end: '19:00' }], ['tue', 'wed', 'thu', 'fri']),
      sat: [{ start: '09:00', end: '14:00' }],
    },
    services: ['Haircut', 'Beard trim', 'Consultation'],
  },
];

/** Seeds the demo catalogue, only when there are no services and no staff yet. Returns whether it seeded. */
export async function seedDemoCatalogue(pool: Pool, t: Tables): Promise<boolean> {
  const [[svc]] = await pool.query<any[]>(`SELECT COUNT(*) AS n FROM \`${t.services}\``);
  const [[stf]] = await pool.query<any[]>(`SELECT COUNT(*) AS n FROM \`${t.staff}\``);
  if (Number(svc.n) > 0 || Number(stf.n) > 0) return false;
  const serviceIds = new Map<string, number>();
  for (const s of SERVICES) {
    const [r] = await pool.query<any>(
      `INSERT INTO \`${t.services}\` (name, description, duration, price, buffer_before, buffer_after, active) VALUES (?, ?, ?, ?, ?, ?, 1)`,
      [s.name, s.description, s.duration, s.price, s.bufferBefore, s.bufferAfter],
    );
    serviceIds.set(s.name, r.insertId);
  }
  for (const m of STAFF) {
    const [r] = await pool.query<any>(`INSERT INTO \`${t.staff}\` (name, email, working_hours, active) VALUES (?, ?, ?, 1)`, [
      m.name,
      m.email,
      workingHoursToLegacyJson(m.hours),
    ]);
    const staffId = r.insertId as number;
    for (const [day, windows] of Object.entries(m.hours)) {
      for (const w of windows ?? []) {
        await pool.query(`INSERT INTO \`${t.availability}\` (staff_id, day_of_week, start_time, end_time, is_available) VALUES (?, ?, ?, ?, 1)`, [
          staffId,
          WEEKDAYS.indexOf(day as (typeof WEEKDAYS)[number]),
          w.start,
          w.end,
        ]);
      }
    }
    for (const name of m.services) {
      await pool.query(`INSERT INTO \`${t.staffServices}\` (staff_id, service_id) VALUES (?, ?)`, [staffId, serviceIds.get(name)]);
    }
  }
  return true;
}

import type { Pool, PoolConnection } from '../pool';
import type { Tables } from '../schema';
import type { TimeWindow } from '../../domain/slot-grid';
import { isValidTime } from '../../domain/time';
import { WEEKDAYS, type Weekday, type WeeklyHours } from '../../domain/weekdays';


export interface StaffRecord {
  id: number;
  name: string;
  email: string;
  phone: string;
  active: boolean;
  /** Empty = performs every service (SCHEMA: no rows means all). */
  serviceIds: number[];
  workingHours: WeeklyHours;
  /** Busy calendars' iCalendar URLs (CONTRACT §13), at most 3, in order. */
  busyCalendars: string[];
}

const DAY_ALIASES: Record<string, Weekday> = {
  sun: 'sun', sunday: 'sun', mon: 'mon', monday: 'mon', tue: 'tue', tuesday: 'tue', wed: 'wed', wednesday: 'wed',
  thu: 'thu', thursday: 'thu', fri: 'fri', friday: 'fri', sat: 'sat', saturday: 'sat',
};

function hhmm(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim().slice(0, 5);
  return isValidTime(s) ? s : undefined;
}

function windowOf(v: unknown): TimeWindow | undefined {
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string') {
    const start = hhmm(v[0]);
    const end = hhmm(v[1]);
    return start && end && start < end ? { start, end } : undefined;
  }
  if (v && typeof v === 'object' && 'start' in v && 'end' in v) {
    const start = hhmm((v as any).start);
    const end = hhmm((v as any).end);
    return start && end && start < end ? { start, end } : undefined;
  }
  return undefined;
}

/**
 * Reads AppointEase's `working_hours` JSON in the shapes seen in the wild:
 * `{"mon":["09:00","17:00"]}` (AppointEase's own), `{"mon":[{"start","end"},…]}`
 * (ours, with breaks), `{"mon":[["09:00","12:00"],["13:00","17:00"]]}`, and
 * full day names; false, null or [] is a day off. Garbage reads as no hours.
 */
export function parseWorkingHoursJson(raw: unknown): WeeklyHours {
  if (typeof raw !== 'string' || raw.trim() === '') return {};
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return {};
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return {};
  const out: WeeklyHours = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const day = DAY_ALIASES[key.toLowerCase()];
    if (!day || !value) continue;
    if (value && typeof value === 'object' && 'enabled' in (value as any) && !(value as any).enabled) continue;
    const single = windowOf(value);
    const windows = single ? [single] : Array.isArray(value) ? value.map(windowOf).filter((w): w is TimeWindow => !!w) : [];
    if (windows.length) out[day] = windows.sort((a, b) => a.start.localeCompare(b.start));
  }
  return out;
}

/** AppointEase's own JSON shape (one pair a day), kept in sync for readers of the original plugin. */
export function workingHoursToLegacyJson(hours: WeeklyHours): string {
  const out: Record<string, [string, string]> = {};
  for (const day of WEEKDAYS) {
    const w = hours[day];
    if (w && w.length) out[day] = [w[0]!.start, w[w.length - 1]!.end];
  }
  return JSON.stringify(out);
}

export class StaffRepository {
  constructor(private readonly pool: Pool, private readonly t: Tables) {}

  /**
   * Every staff member with services and weekly hours. Availability rows win
   * over the JSON (they carry breaks); a member with no rows uses the JSON.
   */
  async all(conn?: PoolConnection): Promise<StaffRecord[]> {
    const db = conn ?? this.pool;
    // The busy calendars' URLs come with the staff rows (one row per calendar, at most 3): no statement more per catalogue load.
    const [joined] = await db.query<any[]>(
      `SELECT s.*, b.url AS busy_calendar_url FROM \`${this.t.staff}\` s LEFT JOIN \`${this.t.busyCalendars}\` b ON b.employee_id = s.id ORDER BY s.id, b.position, b.id`,
    );
    const rows: any[] = [];
    const urls = new Map<number, string[]>();
    for (const r of joined) {
      const id = Number(r.id);
      if (!urls.has(id)) {
        urls.set(id, []);
        rows.push(r);
      }
      if (r.busy_calendar_url != null) urls.get(id)!.push(String(r.busy_calendar_url));
    }
    const [links] = await db.query<any[]>(`SELECT staff_id, service_id FROM \`${this.t.staffServices}\``);
    const [avail] = await db.query<any[]>(
      `SELECT staff_id, day_of_week, start_time, end_time FROM \`${this.t.availability}\` WHERE is_available IS NULL OR is_available = 1 ORDER BY staff_id, day_of_week, start_time`,
    );
    const services = new Map<number, number[]>();
    for (const l of links) {
      const id = Number(l.staff_id);
      if (!services.has(id)) services.set(id, []);
      services.get(id)!.push(Number(l.service_id));
    }
    const hoursFromRows = new Map<number, WeeklyHours>();
    for (const a of avail) {
      const id = Number(a.staff_id);
      const day = WEEKDAYS[Number(a.day_of_week)];
      const start = hhmm(String(a.start_time));
      const end = hhmm(String(a.end_time));
      if (!day || !start || !end || start >= end) continue;
      if (!hoursFromRows.has(id)) hoursFromRows.set(id, {});
      const h = hoursFromRows.get(id)!;
      (h[day] ??= []).push({ start, end });
    }
    return rows.map((r) => {
      const id = Number(r.id);
      return {
        id,
        name: String(r.name ?? ''),
        email: r.email == null ? '' : String(r.email),
        phone: r.phone == null ? '' : String(r.phone),
        active: r.active == null ? true : Number(r.active) === 1,
        serviceIds: (services.get(id) ?? []).sort((a, b) => a - b),
        workingHours: hoursFromRows.get(id) ?? parseWorkingHoursJson(r.working_hours),
        busyCalendars: urls.get(id) ?? [],
      };
    });
  }

  async byId(id: number, conn?: PoolConnection): Promise<StaffRecord | undefined> {
    return (await this.all(conn)).find((s) => s.id === id);
  }

  async exists(id: number, conn?: PoolConnection): Promise<boolean> {
    const [rows] = await (conn ?? this.pool).query<any[]>(`SELECT id FROM \`${this.t.staff}\` WHERE id = ?`, [id]);
    return rows.length > 0;
  }

  async insert(s: Omit<StaffRecord, 'id'>, conn: PoolConnection): Promise<number> {
    const [r] = await conn.query<any>(
      `INSERT INTO \`${this.t.staff}\` (name, email, phone, working_hours, active, updated_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP())`,
      [s.name, s.email, s.phone || null, workingHoursToLegacyJson(s.workingHours), s.active ? 1 : 0],
    );
    const id = Number(r.insertId);
    await this.replaceHours(id, s.workingHours, conn);
    await this.replaceServices(id, s.serviceIds, conn);
    return id;
  }

  async update(s: StaffRecord, conn: PoolConnection): Promise<void> {
    await conn.query(
      `UPDATE \`${this.t.staff}\` SET name = ?, email = ?, phone = ?, working_hours = ?, active = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?`,
      [s.name, s.email, s.phone || null, workingHoursToLegacyJson(s.workingHours), s.active ? 1 : 0, s.id],
    );
    await this.replaceHours(s.id, s.workingHours, conn);
    await this.replaceServices(s.id, s.serviceIds, conn);
  }

  /** Replaces only the weekly hours (rows and the legacy JSON), leaving the rest of the record as it is. */
  async setHours(id: number, hours: WeeklyHours, conn: PoolConnection): Promise<void> {
    await conn.query(`UPDATE \`${this.t.staff}\` SET working_hours = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?`, [workingHoursToLegacyJson(hours), id]);
    await this.replaceHours(id, hours, conn);
  }

  /** Hard delete with hours, service links and time off; only for staff no appointment refers to. */
  async remove(id: number, conn: PoolConnection): Promise<void> {
    await conn.query(`DELETE FROM \`${this.t.availability}\` WHERE staff_id = ?`, [id]);
    await conn.query(`DELETE FROM \`${this.t.staffServices}\` WHERE staff_id = ?`, [id]);
    await conn.query(`DELETE FROM \`${this.t.timeOff}\` WHERE staff_id = ?`, [id]);
    await conn.query(`DELETE FROM \`${this.t.staff}\` WHERE id = ?`, [id]);
  }

  /**
   * The weekly hours as availability rows (day_of_week 0 = Sunday), one per
   * window, so breaks survive; the legacy JSON beside them keeps one span a day.
   */
  private async replaceHours(id: number, hours: WeeklyHours, conn: PoolConnection): Promise<void> {
    await conn.query(`DELETE FROM \`${this.t.availability}\` WHERE staff_id = ?`, [id]);
    const rows: [number, number, string, string, number][] = [];
    WEEKDAYS.forEach((day, dow) => {
      for (const w of hours[day] ?? []) rows.push([id, dow, w.start, w.end, 1]);
    });
    if (rows.length) {
      await conn.query(`INSERT INTO \`${this.t.availability}\` (staff_id, day_of_week, start_time, end_time, is_available) VALUES ?`, [rows]);
    }
  }

  private async replaceServices(id: number, serviceIds: number[], conn: PoolConnection): Promise<void> {
    await conn.query(`DELETE FROM \`${this.t.staffServices}\` WHERE staff_id = ?`, [id]);
    const unique = [...new Set(serviceIds)];
    if (unique.length) {
      await conn.query(`INSERT INTO \`${this.t.staffServices}\` (staff_id, service_id) VALUES ?`, [unique.map((sid) => [id, sid])]);
    }
  }
}

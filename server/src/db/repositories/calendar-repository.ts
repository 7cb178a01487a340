import type { Pool, PoolConnection } from '../pool';
import type { Tables } from '../schema';

export interface DateRange {
  id: number;
  startDate: string;
  endDate: string;
  reason: string;
}

export interface StaffDateRange extends DateRange {
  staffId: number;
}

const range = (r: any): DateRange => ({
  id: Number(r.id),
  startDate: String(r.start_date).slice(0, 10),
  endDate: String(r.end_date).slice(0, 10),
  reason: r.reason == null ? '' : String(r.reason),
});

/** Time off (one employee) and blackout dates (the whole business), inclusive date ranges. */
export class CalendarRepository {
  constructor(private readonly pool: Pool, private readonly t: Tables) {}

  async blackoutsBetween(from: string, to: string): Promise<DateRange[]> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT * FROM \`${this.t.blackouts}\` WHERE start_date <= ? AND end_date >= ? ORDER BY start_date`,
      [to, from],
    );
    return rows.map(range);
  }

  async timeOffBetween(staffId: number, from: string, to: string): Promise<StaffDateRange[]> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT * FROM \`${this.t.timeOff}\` WHERE staff_id = ? AND start_date <= ? AND end_date >= ? ORDER BY start_date`,
      [staffId, to, from],
    );
    return rows.map((r) => ({ ...range(r), staffId: Number(r.staff_id) }));
  }

  /** Blackouts and everyone's time off that end on or after `from` (the catalogue snapshot's share). */
  async rangesEndingFrom(from: string): Promise<{ blackouts: DateRange[]; timeOff: StaffDateRange[] }> {
    const [[blackouts], [timeOff]] = await Promise.all([
      this.pool.query<any[]>(`SELECT * FROM \`${this.t.blackouts}\` WHERE end_date >= ? ORDER BY start_date, id`, [from]),
      this.pool.query<any[]>(`SELECT * FROM \`${this.t.timeOff}\` WHERE end_date >= ? ORDER BY staff_id, start_date, id`, [from]),
    ]);
    return { blackouts: blackouts.map(range), timeOff: timeOff.map((r) => ({ ...range(r), staffId: Number(r.staff_id) })) };
  }

  async timeOffOf(staffId: number): Promise<StaffDateRange[]> {
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM \`${this.t.timeOff}\` WHERE staff_id = ? ORDER BY start_date, id`, [staffId]);
    return rows.map((r) => ({ ...range(r), staffId: Number(r.staff_id) }));
  }

  async timeOffById(staffId: number, id: number, conn?: PoolConnection): Promise<StaffDateRange | undefined> {
    const [rows] = await (conn ?? this.pool).query<any[]>(`SELECT * FROM \`${this.t.timeOff}\` WHERE id = ? AND staff_id = ?`, [id, staffId]);
    return rows[0] ? { ...range(rows[0]), staffId: Number(rows[0].staff_id) } : undefined;
  }

  async addTimeOff(staffId: number, r: Omit<DateRange, 'id'>, conn: PoolConnection): Promise<number> {
    const [res] = await conn.query<any>(`INSERT INTO \`${this.t.timeOff}\` (staff_id, start_date, end_date, reason) VALUES (?, ?, ?, ?)`, [
      staffId,
      r.startDate,
      r.endDate,
      r.reason || null,
    ]);
    return Number(res.insertId);
  }

  async removeTimeOff(id: number, conn: PoolConnection): Promise<void> {
    await conn.query(`DELETE FROM \`${this.t.timeOff}\` WHERE id = ?`, [id]);
  }

  async allBlackouts(): Promise<DateRange[]> {
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM \`${this.t.blackouts}\` ORDER BY start_date, id`);
    return rows.map(range);
  }

  async blackoutById(id: number, conn?: PoolConnection): Promise<DateRange | undefined> {
    const [rows] = await (conn ?? this.pool).query<any[]>(`SELECT * FROM \`${this.t.blackouts}\` WHERE id = ?`, [id]);
    return rows[0] ? range(rows[0]) : undefined;
  }

  async addBlackout(r: Omit<DateRange, 'id'>, conn: PoolConnection): Promise<number> {
    const [res] = await conn.query<any>(`INSERT INTO \`${this.t.blackouts}\` (start_date, end_date, reason) VALUES (?, ?, ?)`, [r.startDate, r.endDate, r.reason || null]);
    return Number(res.insertId);
  }

  async removeBlackout(id: number, conn: PoolConnection): Promise<void> {
    await conn.query(`DELETE FROM \`${this.t.blackouts}\` WHERE id = ?`, [id]);
  }
}

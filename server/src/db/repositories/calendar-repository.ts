import type { Pool } from '../pool';
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
}

import type { Pool, PoolConnection } from '../pool';
import type { Tables } from '../schema';

/** Statuses that no longer hold time. Everything else (confirmed, pending, completed…) does. */
export const RELEASED_STATUSES = ['cancelled', 'canceled', 'rejected'] as const;

export interface AppointmentRow {
  id: number;
  name: string;
  email: string;
  phone: string | null;
  appointment_date: string; // local 'YYYY-MM-DD HH:MM:SS'
  end_date: string | null;
  status: string;
  service_id: number | null;
  employee_id: number | null;
  customer_id: number | null;
  notes: string | null;
  strong_id: string | null;
  idempotency_key: string | null;
  idempotency_hash: string | null;
  buffer_before: number | null;
  buffer_after: number | null;
  rescheduled_at: string | null;
  original_date: string | null;
  created_at: string | null;
}

export class AppointmentsRepository {
  constructor(private readonly pool: Pool, private readonly t: Tables) {}

  // ---- Admin view (admin API): listing, status changes, references from the catalogue ----

  /** Every appointment (any status) starting in [fromLocal, toLocal), optionally of one employee. */
  async adminList(fromLocal: string, toLocal: string, employeeId: number | undefined, limit: number): Promise<AppointmentRow[]> {
    const byEmployee = employeeId === undefined ? '' : 'AND employee_id = ?';
    const [rows] = await this.pool.query<any[]>(
      `SELECT * FROM \`${this.t.appointments}\` WHERE appointment_date >= ? AND appointment_date < ? ${byEmployee} ORDER BY appointment_date, id LIMIT ?`,
      employeeId === undefined ? [fromLocal, toLocal, limit] : [fromLocal, toLocal, employeeId, limit],
    );
    return rows as AppointmentRow[];
  }

  /** By reference (APT-…), or by numeric id for AppointEase rows that never got one. Locks the row when given a connection. */
  async adminFind(reference: string, conn?: PoolConnection): Promise<AppointmentRow | undefined> {
    const byId = /^\d{1,9}$/.test(reference);
    const [rows] = await (conn ?? this.pool).query<any[]>(
      `SELECT * FROM \`${this.t.appointments}\` WHERE ${byId ? 'id = ?' : 'strong_id = ?'} ${conn ? 'FOR UPDATE' : ''}`,
      [byId ? Number(reference) : reference],
    );
    return rows[0] as AppointmentRow | undefined;
  }

  async adminSetStatus(id: number, status: string, conn: PoolConnection): Promise<void> {
    await conn.query(`UPDATE \`${this.t.appointments}\` SET status = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?`, [status, id]);
  }

  /** Whether any appointment (any status: history must stay readable) refers to this service or employee. */
  async isReferenced(column: 'service_id' | 'employee_id', id: number, conn?: PoolConnection): Promise<boolean> {
    const [rows] = await (conn ?? this.pool).query<any[]>(
      `SELECT 1 FROM \`${this.t.appointments}\` WHERE ${column === 'service_id' ? 'service_id' : 'employee_id'} = ? LIMIT 1`,
      [id],
    );
    return rows.length > 0;
  }

  /**
   * Appointments of one employee that hold time and start in [fromLocal, toLocal).
   * Pass a connection to read inside a booking transaction.
   */
  async holdingTimeBetween(employeeId: number, fromLocal: string, toLocal: string, conn?: PoolConnection): Promise<AppointmentRow[]> {
    const db = conn ?? this.pool;
    const [rows] = await db.query<any[]>(
      `SELECT * FROM \`${this.t.appointments}\`
        WHERE employee_id = ? AND appointment_date >= ? AND appointment_date < ?
          AND (status IS NULL OR status NOT IN (${RELEASED_STATUSES.map(() => '?').join(',')}))
        ORDER BY appointment_date`,
      [employeeId, fromLocal, toLocal, ...RELEASED_STATUSES],
    );
    return rows as AppointmentRow[];
  }
}

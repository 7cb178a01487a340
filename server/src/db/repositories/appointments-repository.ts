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

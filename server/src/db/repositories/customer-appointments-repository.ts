import type { Pool, PoolConnection } from '../pool';
import type { Tables } from '../schema';
import { RELEASED_STATUSES, type AppointmentRow } from './appointments-repository';

/**
 * A customer's own appointments (CONTRACT §6). Every query is scoped by the
 * session's email, so a reference that belongs to someone else simply does
 * not exist here (404, never 403).
 */
export class CustomerAppointmentsRepository {
  constructor(private readonly pool: Pool, private readonly t: Tables) {}

  async listByEmail(email: string, limit = 500): Promise<AppointmentRow[]> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT * FROM \`${this.t.appointments}\` WHERE email = ? ORDER BY appointment_date DESC, id DESC LIMIT ?`,
      [email, limit],
    );
    return rows as AppointmentRow[];
  }

  /** Pass a connection to lock the row (FOR UPDATE) inside a transaction. */
  async byReference(email: string, reference: string, conn?: PoolConnection): Promise<AppointmentRow | undefined> {
    const [rows] = await (conn ?? this.pool).query<any[]>(
      `SELECT * FROM \`${this.t.appointments}\` WHERE strong_id = ? AND email = ?${conn ? ' FOR UPDATE' : ''}`,
      [reference, email],
    );
    return rows[0] as AppointmentRow | undefined;
  }

  async markCancelled(id: number, conn: PoolConnection): Promise<void> {
    await conn.query(`UPDATE \`${this.t.appointments}\` SET status = 'cancelled', updated_at = UTC_TIMESTAMP() WHERE id = ?`, [id]);
  }
}

export function isReleased(status: string | null | undefined): boolean {
  return status != null && (RELEASED_STATUSES as readonly string[]).includes(status.toLowerCase());
}

import type { Pool, PoolConnection } from '../pool';
import type { Tables } from '../schema';
import type { AppointmentRow } from './appointments-repository';

/**
 * A customer's own appointments (CONTRACT §6), beside the booking's
 * `byReferenceForCustomer`: every query is scoped by the session's email.
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

  async markCancelled(id: number, conn: PoolConnection): Promise<void> {
    await conn.query(`UPDATE \`${this.t.appointments}\` SET status = 'cancelled', updated_at = UTC_TIMESTAMP() WHERE id = ?`, [id]);
  }
}


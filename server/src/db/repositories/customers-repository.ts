import type { Pool, PoolConnection } from '../pool';
import type { Tables } from '../schema';

/**
 * AppointEase's customer records. `email` is not unique in that table (old
 * sites may hold duplicates), so the oldest row for an address is the one
 * kept up to date.
 */
export class CustomersRepository {
  constructor(private readonly pool: Pool, private readonly t: Tables) {}

  /** Creates the customer on their first booking, or refreshes name/phone and counts the booking. Returns the id. */
  async recordBooking(customer: { email: string; name: string; phone?: string | null }, conn?: PoolConnection): Promise<number> {
    const db = conn ?? this.pool;
    const [rows] = await db.query<any[]>(`SELECT id FROM \`${this.t.customers}\` WHERE email = ? ORDER BY id LIMIT 1 FOR UPDATE`, [customer.email]);
    if (rows[0]) {
      const id = Number(rows[0].id);
      await db.query(
        `UPDATE \`${this.t.customers}\` SET name = ?, phone = COALESCE(?, phone), total_appointments = COALESCE(total_appointments, 0) + 1, updated_at = UTC_TIMESTAMP() WHERE id = ?`,
        [customer.name, customer.phone ?? null, id],
      );
      return id;
    }
    const [r] = await db.query<any>(`INSERT INTO \`${this.t.customers}\` (name, email, phone, total_appointments) VALUES (?, ?, ?, 1)`, [
      customer.name,
      customer.email,
      customer.phone ?? null,
    ]);
    return Number(r.insertId);
  }
}

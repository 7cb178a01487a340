import type { Pool, PoolConnection } from '../pool';
import type { Tables } from '../schema';

export interface ServiceRecord {
  id: number;
  name: string;
  description: string;
  duration: number;
  price: number;
  bufferBefore: number;
  bufferAfter: number;
  active: boolean;
}

export function serviceFromRow(r: any): ServiceRecord {
  return {
    id: Number(r.id),
    name: String(r.name ?? ''),
    description: r.description == null ? '' : String(r.description),
    duration: Number(r.duration ?? 30),
    price: r.price == null ? 0 : Number(r.price),
    bufferBefore: Number(r.buffer_before ?? 0),
    bufferAfter: Number(r.buffer_after ?? 0),
    active: r.active == null ? true : Number(r.active) === 1,
  };
}

export class ServicesRepository {
  constructor(private readonly pool: Pool, private readonly t: Tables) {}

  async all(): Promise<ServiceRecord[]> {
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM \`${this.t.services}\` ORDER BY id`);
    return rows.map(serviceFromRow);
  }

  async byId(id: number, conn?: PoolConnection): Promise<ServiceRecord | undefined> {
    const [rows] = await (conn ?? this.pool).query<any[]>(`SELECT * FROM \`${this.t.services}\` WHERE id = ?`, [id]);
    return rows[0] ? serviceFromRow(rows[0]) : undefined;
  }

  /** Which of `ids` exist (active or not). */
  async existing(ids: number[], conn?: PoolConnection): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const [rows] = await (conn ?? this.pool).query<any[]>(`SELECT id FROM \`${this.t.services}\` WHERE id IN (?)`, [ids]);
    return new Set(rows.map((r) => Number(r.id)));
  }

  async insert(s: Omit<ServiceRecord, 'id'>, conn: PoolConnection): Promise<number> {
    const [r] = await conn.query<any>(
      `INSERT INTO \`${this.t.services}\` (name, description, duration, price, buffer_before, buffer_after, active, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP())`,
      [s.name, s.description, s.duration, s.price, s.bufferBefore, s.bufferAfter, s.active ? 1 : 0],
    );
    return Number(r.insertId);
  }

  async update(s: ServiceRecord, conn: PoolConnection): Promise<void> {
    await conn.query(
      `UPDATE \`${this.t.services}\` SET name = ?, description = ?, duration = ?, price = ?, buffer_before = ?, buffer_after = ?, active = ?, updated_at = UTC_TIMESTAMP()
        WHERE id = ?`,
      [s.name, s.description, s.duration, s.price, s.bufferBefore, s.bufferAfter, s.active ? 1 : 0, s.id],
    );
  }

  /** Hard delete, with the staff links; only for a service no appointment refers to. */
  async remove(id: number, conn: PoolConnection): Promise<void> {
    await conn.query(`DELETE FROM \`${this.t.staffServices}\` WHERE service_id = ?`, [id]);
    await conn.query(`DELETE FROM \`${this.t.services}\` WHERE id = ?`, [id]);
  }
}

import type { Pool } from '../pool';
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

  async byId(id: number): Promise<ServiceRecord | undefined> {
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM \`${this.t.services}\` WHERE id = ?`, [id]);
    return rows[0] ? serviceFromRow(rows[0]) : undefined;
  }
}

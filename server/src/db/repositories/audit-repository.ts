import type { Pool, PoolConnection } from '../pool';
import type { Tables } from '../schema';

export interface AuditEntry {
  /** `admin:{wpUserId}`, `customer` (never the email in clear), or `system`. */
  actor: string;
  action: string;
  entity: string;
  entityId?: string | number | null;
  details?: Record<string, unknown>;
  ip?: string | null;
}

/** The audit log (blueprint: audit logs live in MySQL). Pass a connection to write inside a transaction. */
export class AuditRepository {
  constructor(private readonly pool: Pool, private readonly t: Tables) {}

  async record(entry: AuditEntry, conn?: PoolConnection): Promise<void> {
    await (conn ?? this.pool).query(
      `INSERT INTO \`${this.t.auditLog}\` (at, actor, action, entity, entity_id, details, ip) VALUES (UTC_TIMESTAMP(3), ?, ?, ?, ?, ?, ?)`,
      [entry.actor, entry.action, entry.entity, entry.entityId == null ? null : String(entry.entityId), entry.details ? JSON.stringify(entry.details) : null, entry.ip ?? null],
    );
  }

  /** What was recorded in the last `seconds` (by MySQL's clock, as `at` is), oldest first, at most `limit` rows. */
  async since(seconds: number, limit: number): Promise<{ action: string; entity: string; entity_id: string | null; details: string | null }[]> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT action, entity, entity_id, details FROM \`${this.t.auditLog}\` WHERE at >= UTC_TIMESTAMP(3) - INTERVAL ? SECOND ORDER BY id LIMIT ?`,
      [Math.ceil(seconds), limit],
    );
    return rows;
  }

  async recent(limit = 100): Promise<any[]> {
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM \`${this.t.auditLog}\` ORDER BY id DESC LIMIT ?`, [limit]);
    return rows;
  }
}

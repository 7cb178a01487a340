import { isWebhookEventType, type WebhookEventType } from '../../webhooks/webhook-event';
import { inTransaction, retryOnContention, type Pool, type PoolConnection } from '../pool';
import type { Tables } from '../schema';
import { utcFromSql } from './outbox-repository';

/**
 * Webhooks (CONTRACT §12) and their deliveries: one delivery row per
 * (webhook, event), the admin's view of what happened to it. The work itself
 * (when to send, retries, leases) is the outbox row beside it; the delivery
 * row only records each attempt's result.
 */

export interface WebhookRecord {
  id: number;
  url: string;
  events: WebhookEventType[];
  /** Kept in clear: every delivery is signed with it. */
  secret: string;
  /** The secret a rotation replaced, still signed with until `previousSecretUntil`; null once that has passed. */
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  active: boolean;
  createdAt: Date;
  updatedAt: Date | null;
}

/**
 * What a booking change needs of an active webhook: whom to write a delivery
 * for. Never its URL or secret: each attempt reads those afresh.
 */
export interface WebhookSubscription {
  id: number;
  events: readonly WebhookEventType[];
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveryRecord {
  id: number;
  webhookId: number;
  eventId: string;
  event: WebhookEventType;
  appointmentId: number | null;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  responseExcerpt: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
}

export interface DeliveryAttempt {
  /** `pending` when another attempt will follow, `failed` when this was the last. */
  status: DeliveryStatus;
  statusCode?: number;
  error?: string;
  excerpt?: string;
}

type Queryable = Pick<PoolConnection, 'query'>;

function parseEvents(text: string): WebhookEventType[] {
  try {
    const list = JSON.parse(text);
    return Array.isArray(list) ? list.filter(isWebhookEventType) : [];
  } catch {
    return [];
  }
}

function toWebhook(r: any): WebhookRecord {
  const previousUntil = r.previous_secret_until ? utcFromSql(r.previous_secret_until) : null;
  const previousLive = !!r.previous_secret && previousUntil !== null && previousUntil.getTime() > Date.now();
  return {
    id: Number(r.id),
    url: r.url,
    events: parseEvents(r.events),
    secret: r.secret,
    previousSecret: previousLive ? r.previous_secret : null,
    previousSecretUntil: previousLive ? previousUntil : null,
    active: Number(r.active) === 1,
    createdAt: utcFromSql(r.created_at),
    updatedAt: r.updated_at === null ? null : utcFromSql(r.updated_at),
  };
}

/** What a delivery is signed with: the current secret, and the rotated-out one while it is honoured. */
export function signingSecrets(w: Pick<WebhookRecord, 'secret' | 'previousSecret'>): string[] {
  return w.previousSecret ? [w.secret, w.previousSecret] : [w.secret];
}

function toDelivery(r: any): WebhookDeliveryRecord {
  return {
    id: Number(r.id),
    webhookId: Number(r.webhook_id),
    eventId: r.event_id,
    event: r.event_type,
    appointmentId: r.appointment_id === null ? null : Number(r.appointment_id),
    status: r.status,
    attempts: Number(r.attempts),
    lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
    lastError: r.last_error,
    responseExcerpt: r.response_excerpt,
    createdAt: utcFromSql(r.created_at),
    lastAttemptAt: r.last_attempt_at === null ? null : utcFromSql(r.last_attempt_at),
    deliveredAt: r.delivered_at === null ? null : utcFromSql(r.delivered_at),
  };
}

const clip = (text: string | undefined, max: number) => (text === undefined ? null : text.length > max ? `${text.slice(0, max - 1)}…` : text);

export class WebhooksRepository {
  private readonly webhooks: string;
  private readonly deliveries: string;

  constructor(
    private readonly pool: Pool,
    t: Pick<Tables, 'webhooks' | 'webhookDeliveries'>,
  ) {
    this.webhooks = `\`${t.webhooks}\``;
    this.deliveries = `\`${t.webhookDeliveries}\``;
  }

  /** `conn`: inside the caller's transaction (the plugin carry-over of `npm run migrate`). */
  async create(input: { url: string; events: readonly WebhookEventType[]; secret: string; active?: boolean }, conn?: Queryable): Promise<WebhookRecord> {
    const [res] = await (conn ?? this.pool).query<any>(
      `INSERT INTO ${this.webhooks} (url, events, secret, active, created_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))`,
      [input.url, JSON.stringify([...new Set(input.events)]), input.secret, input.active === false ? 0 : 1],
    );
    return (await this.find(Number(res.insertId), conn))!;
  }

  async list(): Promise<WebhookRecord[]> {
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM ${this.webhooks} ORDER BY id`);
    return rows.map(toWebhook);
  }

  async find(id: number, conn?: Queryable): Promise<WebhookRecord | undefined> {
    const [rows] = await (conn ?? this.pool).query<any[]>(`SELECT * FROM ${this.webhooks} WHERE id = ?`, [id]);
    return rows[0] ? toWebhook(rows[0]) : undefined;
  }

  async update(id: number, patch: { url?: string; events?: readonly WebhookEventType[]; active?: boolean; secret?: string }): Promise<WebhookRecord | undefined> {
    const changes: [column: string, value: unknown][] = [];
    if (patch.url !== undefined) changes.push(['url', patch.url]);
    if (patch.events !== undefined) changes.push(['events', JSON.stringify([...new Set(patch.events)])]);
    if (patch.active !== undefined) changes.push(['active', patch.active ? 1 : 0]);
    if (patch.secret !== undefined) changes.push(['secret', patch.secret]);
    const sets = changes.map(([column]) => `${column} = ?`);
    const values = changes.map(([, value]) => value);
    if (sets.length > 0) {
      await this.pool.query(`UPDATE ${this.webhooks} SET ${sets.join(', ')}, updated_at = UTC_TIMESTAMP(3) WHERE id = ?`, [...values, id]);
    }
    return this.find(id);
  }

  /**
   * `secret` signs from now on; the one it replaces is kept and signed with too for `keepPreviousMs`
   * (receivers switch over without missing a delivery). A second rotation inside that time drops
   * the oldest. Undefined when there is no such webhook.
   */
  async rotateSecret(id: number, secret: string, keepPreviousMs: number): Promise<WebhookRecord | undefined> {
    // Assignments run left to right (MySQL and MariaDB alike): previous_secret takes the old value.
    const [res] = await this.pool.query<any>(
      `UPDATE ${this.webhooks}
          SET previous_secret = secret, previous_secret_until = TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(3)), secret = ?, updated_at = UTC_TIMESTAMP(3)
        WHERE id = ?`,
      [Math.round(keepPreviousMs * 1000), secret, id],
    );
    return Number(res.affectedRows) === 0 ? undefined : this.find(id);
  }

  /**
   * Deletes the webhook and its delivery history. Its pending outbox rows find no webhook and are
   * cancelled, and a delivery row written after this by a change that read the list before it is
   * removed then (webhook-delivery-handler.ts): READ COMMITTED, the pool's level, is enough.
   */
  async delete(id: number): Promise<boolean> {
    return inTransaction(this.pool, async (conn) => {
      const [res] = await conn.query<any>(`DELETE FROM ${this.webhooks} WHERE id = ?`, [id]);
      await conn.query(`DELETE FROM ${this.deliveries} WHERE webhook_id = ?`, [id]);
      return Number(res.affectedRows) === 1;
    }, { name: 'webhooks.delete' });
  }

  /** Every active webhook, as a booking change needs it (services/active-webhooks.ts keeps this in memory). */
  async active(): Promise<WebhookSubscription[]> {
    const [rows] = await this.pool.query<any[]>(`SELECT id, events FROM ${this.webhooks} WHERE active = 1 ORDER BY id`);
    return rows.map((r) => ({ id: Number(r.id), events: parseEvents(r.events) }));
  }

  async insertDeliveries(conn: Queryable, rows: readonly { webhookId: number; eventId: string; event: WebhookEventType; appointmentId?: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await conn.query(
      `INSERT INTO ${this.deliveries} (webhook_id, event_id, event_type, appointment_id, status, attempts, created_at) VALUES ${rows.map(() => "(?, ?, ?, ?, 'pending', 0, UTC_TIMESTAMP(3))").join(', ')}`,
      rows.flatMap((r) => [r.webhookId, r.eventId, r.event, r.appointmentId ?? null]),
    );
  }

  /** One attempt's result. A delivered row stays delivered (a duplicate attempt after a crash changes only the count). */
  async recordAttempt(webhookId: number, eventId: string, attempt: DeliveryAttempt): Promise<void> {
    await retryOnContention(this.pool, 'webhooks.record_attempt', () => this.pool.query(
      `UPDATE ${this.deliveries}
          SET attempts = attempts + 1, last_attempt_at = UTC_TIMESTAMP(3),
              status = IF(status = 'delivered', 'delivered', ?),
              last_status_code = ?, last_error = ?, response_excerpt = ?,
              delivered_at = IF(? = 'delivered' AND delivered_at IS NULL, UTC_TIMESTAMP(3), delivered_at)
        WHERE webhook_id = ? AND event_id = ?`,
      [attempt.status, attempt.statusCode ?? null, clip(attempt.error, 255), clip(attempt.excerpt, 512), attempt.status, webhookId, eventId],
    ));
  }

  /** Marks a delivery failed without an attempt (the webhook was paused before it went out). */
  async markFailed(webhookId: number, eventId: string, error: string): Promise<void> {
    await retryOnContention(this.pool, 'webhooks.mark_failed', () =>
      this.pool.query(`UPDATE ${this.deliveries} SET status = 'failed', last_error = ? WHERE webhook_id = ? AND event_id = ? AND status = 'pending'`, [clip(error, 255), webhookId, eventId]),
    );
  }

  /** The delivery record of an event whose webhook was deleted after the event was written (its history went with it). */
  async deleteDelivery(webhookId: number, eventId: string): Promise<void> {
    await retryOnContention(this.pool, 'webhooks.delete_delivery', () => this.pool.query(`DELETE FROM ${this.deliveries} WHERE webhook_id = ? AND event_id = ?`, [webhookId, eventId]));
  }

  /** Newest first (CONTRACT §12). */
  async listDeliveries(webhookId: number, limit = 50): Promise<WebhookDeliveryRecord[]> {
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM ${this.deliveries} WHERE webhook_id = ? ORDER BY id DESC LIMIT ?`, [webhookId, limit]);
    return rows.map(toDelivery);
  }

  async findDelivery(webhookId: number, eventId: string): Promise<WebhookDeliveryRecord | undefined> {
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM ${this.deliveries} WHERE webhook_id = ? AND event_id = ?`, [webhookId, eventId]);
    return rows[0] ? toDelivery(rows[0]) : undefined;
  }

  /** Deletes finished delivery records older than the retention, in small batches. */
  async purgeDeliveries(olderThanMs: number, batch = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      // Ids first, then deletes by primary key: no range locks where new deliveries are inserted.
      const [rows] = await this.pool.query<any[]>(
        `SELECT id FROM ${this.deliveries} WHERE created_at < TIMESTAMPADD(MICROSECOND, ?, UTC_TIMESTAMP(3)) AND status <> 'pending' ORDER BY created_at LIMIT ?`,
        [-Math.round(olderThanMs * 1000), batch],
      );
      if (rows.length === 0) return total;
      const ids = rows.map((r) => Number(r.id));
      const [res] = await retryOnContention(this.pool, 'webhooks.purge', () => this.pool.query<any>(`DELETE FROM ${this.deliveries} WHERE id IN (?) AND status <> 'pending'`, [ids]));
      total += Number(res.affectedRows);
      if (rows.length < batch) return total;
    }
  }
}

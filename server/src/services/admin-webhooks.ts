import type { PingResult } from '../contract';
import type { AuditRepository } from '../db/repositories/audit-repository';
import type { WebhookDeliveryRecord, WebhookRecord, WebhooksRepository } from '../db/repositories/webhooks-repository';
import { fail, notFound } from '../errors';
import { DEFAULT_OUTBOUND_TIMEOUT_MS, type OutboundClient } from '../outbound/http-client';
import { postToWebhook } from '../webhooks/webhook-delivery-handler';
import { generateWebhookSecret } from '../webhooks/signature';
import { buildPingEvent } from '../webhooks/webhook-event';
import type { WebhookEventType } from '../webhooks/webhook-event';
import type { ActiveWebhooks } from './active-webhooks';
import type { AdminActor } from './admin-catalogue';

/** A webhook as the admin API lists it: never its secret (CONTRACT §12). */
export interface WebhookView {
  id: number;
  url: string;
  events: WebhookEventType[];
  active: boolean;
  createdAt: string;
  updatedAt: string | null;
  /** While a rotated-out secret is still signed with (rotateSecret): until when; else null. */
  previousSecretExpiresAt: string | null;
}

/** How long a rotated-out secret still signs deliveries beside the new one: a day to switch receivers over. */
export const PREVIOUS_SECRET_KEPT_MS = 24 * 60 * 60 * 1000;

/** The deliveries list (CONTRACT §12), plus what helps an admin see why one failed. */
export interface DeliveryView {
  id: number;
  event: WebhookEventType;
  eventId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** At most 512 characters of the first KiB of the receiver's last answer. */
  responseExcerpt: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function webhookView(w: WebhookRecord): WebhookView {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    active: w.active,
    createdAt: w.createdAt.toISOString(),
    updatedAt: iso(w.updatedAt),
    previousSecretExpiresAt: iso(w.previousSecretUntil),
  };
}

function deliveryView(d: WebhookDeliveryRecord): DeliveryView {
  return {
    id: d.id,
    event: d.event,
    eventId: d.eventId,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    responseExcerpt: d.responseExcerpt,
    createdAt: d.createdAt.toISOString(),
    lastAttemptAt: iso(d.lastAttemptAt),
    deliveredAt: iso(d.deliveredAt),
  };
}

/** Why a URL is refused, in words for the admin (the outbound client's codes). */
const REFUSAL: Record<string, string> = {
  invalid_url: 'not a valid URL',
  unsupported_scheme: 'only http: and https: URLs can receive webhooks',
  forbidden_address: 'it points at a loopback, private or link-local address (set OUTBOUND_ALLOW_PRIVATE=true to allow that)',
  dns_failed: 'its host name does not resolve',
};

/**
 * Webhook administration (CONTRACT §12). A URL is checked when saved (scheme,
 * and what its name resolves to now) and again by the outbound client on
 * every delivery, at connect time (DNS rebinding). The secret is generated
 * when none is given and shown in the create answer only. Changes are
 * audited: a webhook receives customers' names and addresses. Every change
 * reaches every instance's in-memory list (services/active-webhooks.ts)
 * before the admin gets the answer.
 */
export class AdminWebhooks {
  constructor(
    private readonly deps: {
      webhooks: WebhooksRepository;
      client: Pick<OutboundClient, 'checkUrl' | 'request'>;
      audit: AuditRepository;
      active: Pick<ActiveWebhooks, 'changed'>;
    },
  ) {}

  async list(): Promise<WebhookView[]> {
    return (await this.deps.webhooks.list()).map(webhookView);
  }

  async create(input: { url: string; events: WebhookEventType[]; secret?: string }, who: AdminActor): Promise<WebhookView & { secret: string }> {
    const url = await this.checkedUrl(input.url);
    const record = await this.deps.webhooks.create({ url, events: input.events, secret: input.secret ?? generateWebhookSecret() });
    await this.deps.active.changed();
    await this.audit(who, 'create', record.id, { url, events: record.events });
    return { ...webhookView(record), secret: record.secret };
  }

  async update(id: number, patch: { url?: string; events?: WebhookEventType[]; active?: boolean }, who: AdminActor): Promise<WebhookView> {
    if (!(await this.deps.webhooks.find(id))) throw notFound(`Webhook ${id} not found`);
    const url = patch.url === undefined ? undefined : await this.checkedUrl(patch.url);
    const record = await this.deps.webhooks.update(id, { ...patch, ...(url !== undefined ? { url } : {}) });
    // Whatever came of it: a row deleted meanwhile changed the list too.
    await this.deps.active.changed();
    if (!record) throw notFound(`Webhook ${id} not found`);
    await this.audit(who, 'update', id, { ...patch, ...(url !== undefined ? { url } : {}) });
    return webhookView(record);
  }

  /**
   * A new secret (given, or generated), shown in this answer only. The old one keeps signing
   * beside it (a second `v1` in the signature) for PREVIOUS_SECRET_KEPT_MS, so a receiver can
   * switch over without a delivery it cannot verify.
   */
  async rotateSecret(id: number, input: { secret?: string }, who: AdminActor): Promise<WebhookView & { secret: string }> {
    const record = await this.deps.webhooks.rotateSecret(id, input.secret ?? generateWebhookSecret(), PREVIOUS_SECRET_KEPT_MS);
    if (!record) throw notFound(`Webhook ${id} not found`);
    await this.audit(who, 'rotate_secret', id, { previousSecretExpiresAt: iso(record.previousSecretUntil) });
    return { ...webhookView(record), secret: record.secret };
  }

  /**
   * One signed POST of a `webhook.ping` event to the webhook's URL, now, paused or not, sent as
   * a delivery attempt is (postToWebhook: the address checked at connect time, no redirects,
   * 10 s, the answer's first KiB): the receiver's owner sees their parsing and signature check work before
   * a customer books. Not an outbox row and not in the deliveries list: a test is not an event.
   */
  async ping(id: number, who: AdminActor): Promise<PingResult> {
    const webhook = await this.deps.webhooks.find(id);
    if (!webhook) throw notFound(`Webhook ${id} not found`);
    const { id: eventId, body } = buildPingEvent(webhook);
    const started = performance.now();
    const { excerpt, ...result } = await postToWebhook(this.deps.client, webhook, eventId, body, { timeoutMs: DEFAULT_OUTBOUND_TIMEOUT_MS });
    await this.audit(who, 'ping', id, { ok: result.ok, statusCode: result.statusCode });
    return { eventId, ...result, responseExcerpt: excerpt, ms: Math.round(performance.now() - started) };
  }

  async remove(id: number, who: AdminActor): Promise<void> {
    if (!(await this.deps.webhooks.delete(id))) throw notFound(`Webhook ${id} not found`);
    await this.deps.active.changed();
    await this.audit(who, 'delete', id, {});
  }

  async deliveries(id: number, limit: number): Promise<DeliveryView[]> {
    if (!(await this.deps.webhooks.find(id))) throw notFound(`Webhook ${id} not found`);
    return (await this.deps.webhooks.listDeliveries(id, limit)).map(deliveryView);
  }

  private async checkedUrl(raw: string): Promise<string> {
    const check = await this.deps.client.checkUrl(raw);
    if (!check.ok) throw fail('invalid_webhook_url', REFUSAL[check.code] ?? check.message);
    // Parsed and without its fragment: what every delivery will ask for.
    return check.url;
  }

  private async audit(who: AdminActor, action: string, id: number, details: Record<string, unknown>): Promise<void> {
    await this.deps.audit.record({ actor: who.actor, action, entity: 'webhook', entityId: id, details, ip: who.ip });
  }
}

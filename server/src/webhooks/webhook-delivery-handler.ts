import type { OutboxRow } from '../db/repositories/outbox-repository';
import type { DeliveryStatus, WebhookRecord, WebhooksRepository } from '../db/repositories/webhooks-repository';
import { DEFAULT_OUTBOUND_TIMEOUT_MS, type OutboundClient } from '../outbound/http-client';
import { isOutboundError } from '../outbound/outbound-error';
import type { OutboxHandler, OutboxOutcome } from '../outbox/outbox-worker';
import type { WebhookOutboxPayload } from './enqueue-webhook-event';
import { signingSecrets } from '../db/repositories/webhooks-repository';
import { deliveryHeaders, isWebhookEventType } from './webhook-event';

/** Bytes of a receiver's answer read (the rest is never downloaded) and characters of it kept. */
const EXCERPT_BYTES = 1024;
const EXCERPT_CHARS = 512;

function isPayload(p: unknown): p is WebhookOutboxPayload {
  const v = p as WebhookOutboxPayload;
  return !!v && Number.isSafeInteger(v.webhookId) && typeof v.eventId === 'string' && isWebhookEventType(v.eventType) && typeof v.body === 'string';
}

/** A receiver's answer as something safe to store and show: text, no control characters, short. */
export function responseExcerpt(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  const text = body.toString('utf8').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
  return text.length > EXCERPT_CHARS ? text.slice(0, EXCERPT_CHARS) : text;
}

/** What one signed POST to a webhook got back. */
export interface WebhookPostResult {
  /** The receiver answered 2xx. */
  ok: boolean;
  statusCode: number | null;
  /** Why it did not count: the HTTP status, or the outbound client's code and reason. */
  error: string | null;
  excerpt: string | null;
}

/**
 * One signed POST of `body` to the webhook's current URL, under the delivery rules (the address
 * checked at connect time, no redirects, the answer's first KiB): what a delivery attempt and an
 * admin's test delivery both send. An outbound refusal or failure is a result, not a throw.
 */
export async function postToWebhook(
  client: Pick<OutboundClient, 'request'>,
  webhook: Pick<WebhookRecord, 'url' | 'secret' | 'previousSecret'>,
  eventId: string,
  body: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<WebhookPostResult> {
  try {
    const res = await client.request({
      url: webhook.url,
      method: 'POST',
      headers: deliveryHeaders(signingSecrets(webhook), eventId, body),
      body,
      timeoutMs: options.timeoutMs,
      maxBodyBytes: EXCERPT_BYTES,
      overflow: 'truncate',
      maxRedirects: 0,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const excerpt = responseExcerpt(res.body) ?? null;
    if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status, error: null, excerpt };
    const error = res.status >= 300 && res.status < 400 ? `HTTP ${res.status} (redirects are not followed)` : `HTTP ${res.status}`;
    return { ok: false, statusCode: res.status, error, excerpt };
  } catch (err) {
    if (!isOutboundError(err)) throw err;
    return { ok: false, statusCode: null, error: `${err.code}: ${err.message}`, excerpt: null };
  }
}

/**
 * The outbox handler for kind 'webhook': one signed POST per attempt
 * (CONTRACT §12). A 2xx within the timeout is delivered; anything else (a
 * status, a timeout, a refused address, a redirect, which is not followed) is
 * a failed attempt the outbox retries on its schedule. Each attempt is signed
 * afresh with the webhook's current secret and sent to its current URL; the
 * body and event id never change.
 */
export function webhookDeliveryHandler(deps: {
  client: OutboundClient;
  webhooks: WebhooksRepository;
  /** Per attempt, everything included. Default 10 s. */
  timeoutMs?: number;
  retryDelaysMs?: readonly number[];
}): OutboxHandler {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS;
  return {
    // Room beyond the request itself for reading the webhook and recording the attempt.
    timeoutMs: timeoutMs + 5_000,
    ...(deps.retryDelaysMs ? { retryDelaysMs: deps.retryDelaysMs } : {}),
    async handle(row: OutboxRow, ctx): Promise<OutboxOutcome> {
      if (!isPayload(row.payload)) return { result: 'failed', error: 'not a webhook delivery payload' };
      const { webhookId, eventId, body } = row.payload;
      const webhook = await deps.webhooks.find(webhookId);
      if (!webhook) {
        // Its history went with it; a delivery row written after that (by a change that began before the
        // delete) would stay pending for good, unseen and never purged.
        await deps.webhooks.deleteDelivery(webhookId, eventId);
        return { result: 'cancelled', reason: 'webhook deleted' };
      }
      if (!webhook.active) {
        await deps.webhooks.markFailed(webhookId, eventId, 'webhook paused');
        return { result: 'cancelled', reason: 'webhook paused' };
      }
      const sent = await postToWebhook(deps.client, webhook, eventId, body, { timeoutMs, signal: ctx.signal });
      const seen = { ...(sent.statusCode !== null ? { statusCode: sent.statusCode } : {}), ...(sent.excerpt ? { excerpt: sent.excerpt } : {}) };
      if (sent.ok) {
        await deps.webhooks.recordAttempt(webhookId, eventId, { status: 'delivered', ...seen });
        return { result: 'done' };
      }
      const attemptStatus: DeliveryStatus = ctx.finalAttempt ? 'failed' : 'pending';
      await deps.webhooks.recordAttempt(webhookId, eventId, { status: attemptStatus, ...seen, error: sent.error! });
      return { result: 'retry', error: sent.error! };
    },
  };
}

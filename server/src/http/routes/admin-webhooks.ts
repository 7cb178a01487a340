import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps';
import { MIN_SECRET_LENGTH } from '../../webhooks/signature';
import { WEBHOOK_EVENT_TYPES } from '../../webhooks/webhook-event';
import { fields, parse } from '../validate';
import { actorOf } from './admin-catalogue';

// The URL is only typed here; whether it may be used (scheme, address) is the service's 422 invalid_webhook_url.
const url = z.string({ error: 'expected a URL' }).trim().min(1, 'required');
const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `expected one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }), { error: 'expected a list of event names' })
  .min(1, 'at least one event')
  .transform((list) => [...new Set(list)]);

// Stored in clear (signing needs it) in a varchar(255).
const secret = z.string({ error: 'expected text' }).min(MIN_SECRET_LENGTH, `at least ${MIN_SECRET_LENGTH} characters`).max(255, 'at most 255 characters');

const webhookCreate = z.object({ url, events, secret: secret.optional() });
const secretRotation = z.object({ secret: secret.optional() });

const webhookPatch = z.object({
  url: url.optional(),
  events: events.optional(),
  active: z.boolean({ error: 'expected true or false' }).optional(),
});

const idParam = z.object({ id: fields.id });
const deliveriesQuery = z.object({ limit: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(1, 'at least 1').max(200, 'at most 200').optional() });

/**
 * Webhooks (CONTRACT §12): add, list, change (pause = `active: false`),
 * rotate the secret, send a test, delete, and each webhook's deliveries, newest first. A
 * secret appears only in the answer that made it (create, rotate-secret).
 */
export function adminWebhookRoutes(deps: AppDeps): Router {
  const r = Router();
  const admin = deps.admin.webhooks;

  r.get('/webhooks', async (_req, res) => {
    res.json({ webhooks: await admin.list() });
  });
  r.post('/webhooks', async (req, res) => {
    const body = parse(webhookCreate, req.body);
    res.status(201).json({ webhook: await admin.create(body, actorOf(req)) });
  });
  r.put('/webhooks/:id', async (req, res) => {
    const { id } = parse(idParam, req.params);
    const patch = parse(webhookPatch, req.body);
    res.json({ webhook: await admin.update(id, patch, actorOf(req)) });
  });
  // Beside CONTRACT §12 (its PUT changes url, events and active): a new secret without losing the
  // webhook's history, the old one honoured for a day. Same shape as the calendar feed's rotate (§13).
  r.post('/webhooks/:id/rotate-secret', async (req, res) => {
    const { id } = parse(idParam, req.params);
    const body = parse(secretRotation, req.body ?? {});
    res.json({ webhook: await admin.rotateSecret(id, body, actorOf(req)) });
  });
  // Beside CONTRACT §12: one signed test POST (type webhook.ping), answered with what the receiver said.
  r.post('/webhooks/:id/ping', async (req, res) => {
    const { id } = parse(idParam, req.params);
    res.json({ ping: await admin.ping(id, actorOf(req)) });
  });
  r.delete('/webhooks/:id', async (req, res) => {
    const { id } = parse(idParam, req.params);
    await admin.remove(id, actorOf(req));
    res.status(204).end();
  });
  r.get('/webhooks/:id/deliveries', async (req, res) => {
    const { id } = parse(idParam, req.params);
    const { limit } = parse(deliveriesQuery, req.query);
    res.json({ deliveries: await admin.deliveries(id, limit ?? 50) });
  });

  return r;
}

import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps';
import { requireCustomer } from '../auth';
import { parse } from '../validate';

/**
 * Addresses are compared and stored trimmed and lower-cased. 190 characters
 * is what the fallback tables' indexed email columns hold (RFC 5321 allows
 * 254, but no real mailbox needs the difference).
 */
export const customerEmail = z
  .string({ error: 'expected an email address' })
  .trim()
  .toLowerCase()
  .max(190, 'at most 190 characters')
  .pipe(z.email({ error: 'expected an email address' }));

const otpRequest = z.object({ email: customerEmail });
const otpVerify = z.object({ email: customerEmail, code: z.string({ error: 'expected a 6-digit code' }).regex(/^\d{6}$/, 'expected a 6-digit code') });

/** CONTRACT §5: email one-time codes and the session they open. */
export function identityRoutes(deps: AppDeps): Router {
  const r = Router();

  r.post('/otp', async (req, res) => {
    const { email } = parse(otpRequest, req.body);
    await deps.identity.requestCode(email, req.clientGroup);
    res.status(202).json({ status: 'sent' });
  });

  r.post('/otp/verify', async (req, res) => {
    const { email, code } = parse(otpVerify, req.body);
    res.json(await deps.identity.verifyCode(email, code, req.clientGroup));
  });

  r.get('/session', requireCustomer(deps.sessions), (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json({ email: req.customer!.email, expiresAt: new Date(req.customer!.expiresAt).toISOString() });
  });

  r.delete('/session', requireCustomer(deps.sessions), async (req, res) => {
    await deps.identity.signOut(req.customer!.token);
    res.status(204).end();
  });

  return r;
}

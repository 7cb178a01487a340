import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { z } from 'zod';
import { requireCustomer } from '../auth';
import { fields, parse } from '../validate';
import { notFound } from '../../errors';

/** References are `APT-YYYY-NNNNNN`; older AppointEase rows may differ, so only the column's shape is enforced. A malformed one is simply not found. */
function referenceOf(raw: unknown): string {
  const ref = String(raw ?? '');
  if (!/^[A-Za-z0-9-]{1,20}$/.test(ref)) throw notFound('No such appointment');
  return ref.toUpperCase();
}

/** CONTRACT §6: a customer's own appointments; the session's email is the customer. */
export function myAppointmentsRoutes(deps: AppDeps): Router {
  const r = Router();
  const customer = requireCustomer(deps.sessions);

  r.get('/appointments', customer, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json({ appointments: await deps.selfService.list(req.customer!.email) });
  });

  r.get('/appointments/:reference', customer, async (req, res) => {
    const reference = referenceOf(req.params.reference);
    res.set('Cache-Control', 'no-store');
    res.json({ appointment: await deps.selfService.get(req.customer!.email, reference) });
  });

  r.delete('/appointments/:reference', customer, async (req, res) => {
    const reference = referenceOf(req.params.reference);
    const appointment = await deps.selfService.cancel(req.customer!.email, reference, req.clientIp);
    res.json({ status: appointment.status, appointment });
  });

  r.patch('/appointments/:reference', customer, async (req, res) => {
    const reference = referenceOf(req.params.reference);
    const body = parse(rescheduleBody, req.body);
    const appointment = await deps.booking.reschedule({ ...body, reference, email: req.customer!.email, ip: req.clientIp });
    res.json({ appointment });
  });

  return r;
}

/** Moves to a time the customer holds a lock on; the booking's overlap guard decides. */
const rescheduleBody = z.object({
  lockToken: z.string().min(1, 'required').max(200, 'too long'),
  date: fields.date,
  time: fields.time,
  employeeId: fields.bodyId.optional(),
});

import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps';
import { invalid } from '../../errors';
import { requireCustomer } from '../auth';
import { fields, parse } from '../validate';

const NO_CONTROL = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;

/** Limits follow the columns (`name varchar(100)`, `phone varchar(20)`); notes are kept to a sane size. */
export const bookingBody = z.object({
  lockToken: z.string().min(1, 'required').max(200, 'too long'),
  date: fields.date,
  time: fields.time,
  employeeId: fields.bodyId,
  serviceId: fields.bodyId,
  name: z.string().trim().min(1, 'required').max(100, 'at most 100 characters').regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters'),
  phone: z
    .string()
    .trim()
    .max(20, 'at most 20 characters')
    .regex(/^[0-9+()\-.\s/]*$/, 'digits, spaces and + ( ) - . / only')
    .optional()
    .transform((v) => (v ? v : undefined)),
  notes: z
    .string()
    .max(2000, 'at most 2000 characters')
    .regex(NO_CONTROL, 'must not contain control characters')
    .optional()
    .transform((v) => (v && v.trim() ? v : undefined)),
});

/**
 * Booking (CONTRACT §6, POST only; the customer's own list, cancel and move
 * live with the identity routes and call `deps.booking.reschedule`).
 */
export function appointmentRoutes(deps: AppDeps): Router {
  const r = Router();

  r.post('/appointments', requireCustomer(deps.sessions), async (req, res) => {
    const body = parse(bookingBody, req.body);
    const key = req.get('Idempotency-Key');
    if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw invalid('Invalid Idempotency-Key: 1 to 255 visible ASCII characters', [{ field: 'Idempotency-Key', message: '1 to 255 visible ASCII characters' }]);
    }
    const { appointment } = await deps.booking.book({ ...body, email: req.customer!.email, idempotencyKey: key, ip: req.clientIp });
    res.status(201).json({ appointment });
  });

  return r;
}

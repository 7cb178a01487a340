import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps';
import { notFound } from '../../errors';
import { ADMIN_STATUSES } from '../../services/admin-appointments';
import { addDays, todayIn } from '../../domain/time';
import { fields, parse } from '../validate';
import { actorOf } from './admin-catalogue';

const listQuery = z.object({ from: fields.date.optional(), to: fields.date.optional(), employeeId: fields.id.optional() });
const statusBody = z.object({ status: z.enum(ADMIN_STATUSES, { error: `expected one of ${ADMIN_STATUSES.join(', ')}` }) });
/** APT-YYYY-NNNNNN, or the numeric id of an AppointEase row that has no reference. */
const REFERENCE = /^(APT-\d{4}-\d{6}|\d{1,9})$/;

/** Appointments as administrators see them (CONTRACT §7): every status, with contact data. */
export function adminAppointmentsRoutes(deps: AppDeps): Router {
  const r = Router();
  const appointments = deps.admin.appointments;

  r.get('/appointments', async (req, res) => {
    const q = parse(listQuery, req.query);
    const from = q.from ?? todayIn((await deps.catalogue.snapshot()).rules.timezone, Date.now());
    const to = q.to ?? addDays(from, 30);
    res.json({ appointments: await appointments.list(from, to, q.employeeId) });
  });

  r.put('/appointments/:reference', async (req, res) => {
    const reference = String(req.params.reference);
    if (!REFERENCE.test(reference)) throw notFound(`Appointment ${reference.slice(0, 40)} not found`);
    const { status } = parse(statusBody, req.body);
    res.json({ appointment: await appointments.setStatus(reference, status, actorOf(req)) });
  });

  return r;
}

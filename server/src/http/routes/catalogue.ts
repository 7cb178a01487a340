import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps';
import { fields, parse } from '../validate';

/** The public catalogue and availability (CONTRACT §3). Never any customer or staff contact data. */
export function catalogueRoutes(deps: AppDeps): Router {
  const r = Router();

  r.get('/services', async (_req, res) => {
    const snap = await deps.catalogue.snapshot();
    const services = [...snap.services.values()]
      .filter((s) => s.active)
      .map((s) => ({ id: s.id, name: s.name, description: s.description, duration: s.duration, price: s.price, bufferBefore: s.bufferBefore, bufferAfter: s.bufferAfter }));
    res.json({ services });
  });

  r.get('/staff', async (req, res) => {
    const q = parse(z.object({ serviceId: fields.id.optional() }), req.query);
    const snap = await deps.catalogue.snapshot();
    const staff = [...snap.staff.values()]
      .filter((s) => s.active && (q.serviceId === undefined || s.serviceIds.length === 0 || s.serviceIds.includes(q.serviceId)))
      .map((s) => ({ id: s.id, name: s.name }));
    res.json({ staff });
  });

  r.get('/settings', async (_req, res) => {
    const { rules } = await deps.catalogue.snapshot();
    res.json({
      timezone: rules.timezone,
      slotInterval: rules.slotInterval,
      minNoticeMinutes: rules.minNoticeMinutes,
      maxAdvanceDays: rules.maxAdvanceDays,
      lockTtlSeconds: deps.config.lockTtlSeconds,
    });
  });

  r.get('/availability', async (req, res) => {
    const q = parse(z.object({ date: fields.date, employeeId: fields.id, serviceId: fields.id }), req.query);
    res.json(await deps.availability.forDay(q.date, q.employeeId, q.serviceId));
  });

  r.get('/availability/month', async (req, res) => {
    const q = parse(z.object({ month: fields.month, employeeId: fields.id, serviceId: fields.id }), req.query);
    res.json(await deps.availability.forMonth(q.month, q.employeeId, q.serviceId));
  });

  return r;
}

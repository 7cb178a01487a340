import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps';
import { fields, parse } from '../validate';

const lockToken = z.string().min(1, 'required').max(200, 'too long');
// Built once: zod 4 compiles an object schema on its first parse, so a schema made per request costs that every time.
const acquireBody = z.object({ date: fields.date, time: fields.time, employeeId: fields.bodyId, serviceId: fields.bodyId });
const releaseBody = z.object({ date: fields.date, time: fields.time, employeeId: fields.bodyId, lockToken });
const listQuery = z.object({ date: fields.date, employeeId: fields.id });

/** Slot holds (CONTRACT §4). The client is its IP (TRUST_PROXY honoured), for the per-client cap. */
export function lockRoutes(deps: AppDeps): Router {
  const r = Router();

  r.post('/locks', async (req, res) => {
    const body = parse(acquireBody, req.body);
    res.status(201).json(await deps.locks.acquire({ ...body, owner: req.clientIp }));
  });

  r.delete('/locks', async (req, res) => {
    const body = parse(releaseBody, req.body);
    await deps.locks.release(body);
    res.status(204).end();
  });

  r.get('/locks', async (req, res) => {
    const q = parse(listQuery, req.query);
    res.json({ locks: await deps.locks.listDay(q.date, q.employeeId) });
  });

  return r;
}

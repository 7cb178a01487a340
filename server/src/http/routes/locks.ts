import type { Express } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps';
import { API_BASE } from '../base';
import { fields, parse } from '../validate';

const lockToken = z.string().min(1, 'required').max(200, 'too long');
// Built once: zod 4 compiles an object schema on its first parse, so a schema made per request costs that every time.
const acquireBody = z.object({ date: fields.date, time: fields.time, employeeId: fields.bodyId, serviceId: fields.bodyId });
const releaseBody = z.object({ date: fields.date, time: fields.time, employeeId: fields.bodyId, lockToken });
const listQuery = z.object({ date: fields.date, employeeId: fields.id });

/**
 * Slot holds (CONTRACT §4). The client is its IP (TRUST_PROXY honoured), for the per-client cap.
 *
 * Registered on the app itself at full paths, unlike the other parts' routers:
 * these are the hottest routes (every hold, every day view's lock list), and a
 * mounted router costs each request a prefix match, a URL rewrite and a
 * second dispatch loop (about 10 µs of CPU per request in `npm run bench -- locks`).
 */
export function mountLockRoutes(app: Express, deps: AppDeps): void {
  const path = `${API_BASE}/locks`;

  app.post(path, async (req, res) => {
    const body = parse(acquireBody, req.body);
    res.status(201).json(await deps.locks.acquire({ ...body, owner: req.clientGroup }));
  });

  app.delete(path, async (req, res) => {
    const body = parse(releaseBody, req.body);
    await deps.locks.release(body);
    res.status(204).end();
  });

  app.get(path, async (req, res) => {
    const q = parse(listQuery, req.query);
    res.json({ locks: await deps.locks.listDay(q.date, q.employeeId) });
  });
}

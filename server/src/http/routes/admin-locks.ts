import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps';
import { requireAdmin } from '../auth';
import { fields, parse } from '../validate';

const forceReleaseBody = z.object({ date: fields.date, time: fields.time, employeeId: fields.bodyId });

/** The live lock page of wp-admin (CONTRACT §7): every hold with owner and store; forced release. */
export function adminLockRoutes(deps: AppDeps): Router {
  const r = Router();
  r.use('/admin/locks', requireAdmin(deps.config.secret));

  r.get('/admin/locks', async (_req, res) => {
    res.json({ locks: await deps.locks.adminList() });
  });

  r.delete('/admin/locks', async (req, res) => {
    const body = parse(forceReleaseBody, req.body);
    await deps.locks.adminRelease({ ...body, adminId: req.admin!.userId, ip: req.clientIp });
    res.status(204).end();
  });

  return r;
}

import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { fail } from '../../errors';
import { verifyAdminToken } from '../../services/admin-token';
import { bearerOf } from '../auth';
import { serverAddress } from '../../redis/connections';
import { withTimeout } from '../../with-timeout';

/** Health and metrics: what an operator and a load balancer look at. */
export function opsRoutes(deps: AppDeps): Router {
  const r = Router();

  r.get('/health', async (_req, res) => {
    const mysql = await mysqlAnswers(deps);
    const redis = deps.guard.state === 'disabled' ? 'disabled' : deps.guard.state === 'up' ? 'connected' : 'disconnected';
    const status = mysql && redis !== 'disconnected' ? 'ok' : 'degraded';
    res.status(mysql ? 200 : 503).json({
      status,
      mysql: mysql ? 'connected' : 'disconnected',
      redis,
      websocket: { clients: deps.clientCount() },
      version: deps.config.version,
      // Several instances behind one proxy: which one answered.
      instance: deps.config.instanceName,
      // CONTRACT §14: which Redis this instance uses (the primary the sentinels named), while it uses one.
      redisPrimary: deps.redis && redis === 'connected' ? serverAddress(deps.redis) : null,
    });
  });

  r.get('/metrics', async (req, res, next) => {
    const token = bearerOf(req);
    const allowed =
      !!token &&
      ((deps.config.metricsToken !== '' && safeEqual(token, deps.config.metricsToken)) || verifyAdminToken(token, deps.config.secret) !== undefined);
    if (!allowed) return next(fail('unauthorized', 'Metrics need an admin token or METRICS_TOKEN').withLogContext({ check: 'metrics token' }));
    deps.metrics.wsClients.set(deps.clientCount());
    res.set('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  return r;
}

export async function mysqlAnswers(deps: AppDeps): Promise<boolean> {
  try {
    await withTimeout(deps.pool.query('SELECT 1'), 1_000, 'mysql health check');
    return true;
  } catch {
    return false;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

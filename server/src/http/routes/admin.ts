import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { requireAdmin } from '../auth';
import { adminAppointmentsRoutes } from './admin-appointments';
import { adminCatalogueRoutes } from './admin-catalogue';
import { adminSettingsRoutes } from './admin-settings';
import { adminWebhookRoutes } from './admin-webhooks';
import { mysqlAnswers } from './ops';

const sum = async (metric: { get(): Promise<{ values: { value: number }[] }> }) => (await metric.get()).values.reduce((n, v) => n + v.value, 0);

/**
 * Everything under /admin: a WordPress admin JWT first (CONTRACT §7), then
 * the catalogue, settings, appointments and stats. Mounted at `/admin`, so
 * the token check never touches public routes; the lock routes live in their
 * own router under the same prefix.
 */
export function adminRoutes(deps: AppDeps): Router {
  const r = Router();
  r.use(requireAdmin(deps.config.secret));
  r.use(adminCatalogueRoutes(deps));
  r.use(adminSettingsRoutes(deps));
  r.use(adminAppointmentsRoutes(deps));
  r.use(adminWebhookRoutes(deps));

  r.get('/stats', async (_req, res) => {
    const [hits, misses, fallbacks, mysql, activeLocks] = await Promise.all([
      sum(deps.metrics.cacheHits),
      sum(deps.metrics.cacheMisses),
      sum(deps.metrics.fallbackOperations),
      mysqlAnswers(deps),
      deps.lockCount ? deps.lockCount().catch(() => null) : Promise.resolve(null),
    ]);
    res.json({
      cache: { hits, misses, hitRate: hits + misses === 0 ? null : Math.round((hits / (hits + misses)) * 1000) / 1000 },
      locks: { active: activeLocks },
      fallbackOperations: fallbacks,
      websocket: { clients: deps.clientCount() },
      redis: deps.guard.state === 'disabled' ? 'disabled' : deps.guard.state === 'up' ? 'connected' : 'disconnected',
      mysql: mysql ? 'connected' : 'disconnected',
    });
  });

  return r;
}

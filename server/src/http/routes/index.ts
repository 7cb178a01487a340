import type { Express } from 'express';
import type { AppDeps } from '../../deps';
import { API_BASE } from '../base';
import { adminLockRoutes } from './admin-locks';
import { appointmentRoutes } from './appointments';
import { catalogueRoutes } from './catalogue';
import { mountLockRoutes } from './locks';
import { demoRoutes } from './demo';
import { identityRoutes } from './identity';
import { myAppointmentsRoutes } from './my-appointments';
import { opsRoutes } from './ops';
import { widgetRoutes } from './widget';
import { adminRoutes } from './admin';

/** Every router, in one list: each part of the product adds its line here. */
export function mountRoutes(app: Express, deps: AppDeps): void {
  // The lock routes are the hottest (every hold, every day view's lock list): first, so
  // express does not walk the other routers' routes for each of them. Only '/locks' is theirs.
  mountLockRoutes(app, deps);
  app.use(API_BASE, opsRoutes(deps));
  app.use(`${API_BASE}/admin`, adminRoutes(deps));
  app.use(API_BASE, catalogueRoutes(deps));
  app.use(API_BASE, widgetRoutes(deps));
  app.use(API_BASE, appointmentRoutes(deps));
  app.use(API_BASE, adminLockRoutes(deps));
  app.use(API_BASE, identityRoutes(deps));
  app.use(API_BASE, myAppointmentsRoutes(deps));
  app.use(demoRoutes(deps));
}

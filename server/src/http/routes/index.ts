import type { Express, Router } from 'express';
import type { AppDeps } from '../../deps';
import { API_BASE } from '../base';
import { adminLockRoutes } from './admin-locks';
import { appointmentRoutes } from './appointments';
import { catalogueRoutes } from './catalogue';
import { mountLockRoutes } from './locks';
import { demoRoutes } from './demo';
import { identityRoutes } from './identity';
import { managePageRoutes } from './manage-page';
import { myAppointmentsRoutes } from './my-appointments';
import { opsRoutes } from './ops';
import { widgetRoutes } from './widget';
import { adminRoutes } from './admin';
import { calendarFeedRoutes } from './calendar-feed';

/** Mounts a router under a base path (app.use), and tells the latency histogram that base. */
export type MountRouter = (base: string, router: Router) => void;

/** Every router, in one list: each part of the product adds its line here. */
export function mountRoutes(app: Express, deps: AppDeps, mount: MountRouter): void {
  // The lock routes are the hottest (every hold, every day view's lock list): first, so
  // express does not walk the other routers' routes for each of them. Only '/locks' is theirs.
  mountLockRoutes(app, deps);
  mount(API_BASE, opsRoutes(deps));
  mount(`${API_BASE}/admin`, adminRoutes(deps));
  mount(API_BASE, catalogueRoutes(deps));
  mount(API_BASE, widgetRoutes(deps));
  mount(API_BASE, appointmentRoutes(deps));
  mount(API_BASE, adminLockRoutes(deps));
  mount(API_BASE, identityRoutes(deps));
  mount(API_BASE, myAppointmentsRoutes(deps));
  mount(API_BASE, managePageRoutes(deps));
  mount(API_BASE, calendarFeedRoutes(deps));
  mount('/', demoRoutes(deps));
}

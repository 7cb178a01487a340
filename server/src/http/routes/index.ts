import type { Express } from 'express';
import type { AppDeps } from '../../deps';
import { API_BASE } from '../base';
import { catalogueRoutes } from './catalogue';
import { demoRoutes } from './demo';
import { opsRoutes } from './ops';
import { widgetRoutes } from './widget';

/** Every router, in one list: each part of the product adds its line here. */
export function mountRoutes(app: Express, deps: AppDeps): void {
  app.use(API_BASE, opsRoutes(deps));
  app.use(API_BASE, catalogueRoutes(deps));
  app.use(API_BASE, widgetRoutes(deps));
  app.use(demoRoutes(deps));
}

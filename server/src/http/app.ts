import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { clientIpOf } from './client-ip';
import { errorHandler } from './error-handler';
import { originAllowed } from './origin';
import { mountRoutes } from './routes';

export { API_BASE } from './base';

/**
 * Builds the HTTP app without listening (Hono's createApp habit): tests call
 * it on port 0, index.ts wires it to a server with the WebSocket beside it.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req: Request, res: Response, next: NextFunction) => {
    req.requestId = randomUUID();
    req.clientIp = clientIpOf(req, deps.config.trustProxy);
    res.set('X-Request-Id', req.requestId);
    res.set('X-Content-Type-Options', 'nosniff');
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      deps.metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  });

  app.use(cors(deps));
  app.use(express.json({ limit: '16kb', strict: true }));

  mountRoutes(app, deps);

  app.use((_req, _res, next) => next(new AppError(404, 'not_found', 'No such route')));
  app.use(errorHandler(deps.logger));
  return app;
}

/**
 * CORS from ALLOWED_ORIGINS only (plus our own origin). A browser request
 * from any other origin is refused outright, not merely left without headers,
 * so a foreign page cannot make state-changing calls with the visitor's IP.
 */
function cors(deps: AppDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (!origin) return next();
    if (!originAllowed(req, deps.config.allowedOrigins)) {
      return next(new AppError(403, 'forbidden', 'This origin is not allowed'));
    }
    res.set('Access-Control-Allow-Origin', origin);
    res.vary('Origin');
    if (req.method === 'OPTIONS') {
      res.set('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
      res.set('Access-Control-Allow-Headers', 'Content-Type, Authorization, Idempotency-Key');
      res.set('Access-Control-Max-Age', '600');
      return res.status(204).end();
    }
    res.set('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
    next();
  };
}

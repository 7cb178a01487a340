import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../deps';
import { fail, notFound } from '../errors';
import { clientGroupOf, clientIpOf } from './client-ip';
import { errorHandler, type RouteOf } from './error-handler';
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

  defineRequestContext(app, deps.config.trustProxy);
  // Each route's mount path: a request that leaves its router with an error has lost req.baseUrl by the time it ends.
  const routeBases = new WeakMap<object, string>();
  const routeOf: RouteOf = (req) => (req.route?.path ? `${routeBases.get(req.route) ?? req.baseUrl}${req.route.path}` : 'unmatched');
  app.use(requestEntry(deps, routeOf));
  app.use(express.json({ limit: '16kb', strict: true }));

  mountRoutes(app, deps, (base, router) => {
    app.use(base, router);
    const prefix = base === '/' ? '' : base;
    for (const layer of router.stack) if (layer.route) routeBases.set(layer.route, prefix);
  });

  app.use((_req, _res, next) => next(notFound('No such route')));
  app.use(errorHandler(deps.logger, routeOf));
  return app;
}

/**
 * `req.clientIp`, `req.clientGroup` and `req.requestId` as getters on this app's request
 * prototype, worked out only when a route asks, instead of being written onto
 * every request (each new own property gives the request object another
 * shape for express, router and body-parser to handle). With the two
 * middleware layers folded into one, this took about 10% off a hold's CPU
 * in `npm run bench -- locks`.
 */
function defineRequestContext(app: Express, trustProxy: boolean): void {
  const requestIds = new WeakMap<Request, string>();
  Object.defineProperties(app.request, {
    clientIp: {
      configurable: true,
      get(this: Request) {
        return clientIpOf(this, trustProxy);
      },
    },
    clientGroup: {
      configurable: true,
      get(this: Request) {
        return clientGroupOf(clientIpOf(this, trustProxy));
      },
    },
    requestId: {
      configurable: true,
      get(this: Request) {
        let id = requestIds.get(this);
        if (!id) requestIds.set(this, (id = (trustProxy && proxyRequestId(this)) || randomUUID()));
        return id;
      },
    },
  });
}

/**
 * Behind a trusted proxy, its id for the request (nginx: `proxy_set_header
 * X-Request-Id $request_id`), so one id finds the request in both logs.
 */
function proxyRequestId(req: Request): string | undefined {
  const id = req.headers['x-request-id'];
  return typeof id === 'string' && /^[\w.-]{8,64}$/.test(id) ? id : undefined;
}

/**
 * The one middleware every request passes (one layer, not one per concern):
 * nosniff, then CORS; when the response is finished, the latency histogram and
 * the access-log line.
 */
function requestEntry(deps: AppDeps, routeOf: RouteOf) {
  const cors = corsCheck(deps);
  const logger = deps.logger;
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const started = performance.now();
    res.on('finish', () => {
      const ms = performance.now() - started;
      const route = routeOf(req);
      const status = res.statusCode;
      deps.metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, ms / 1000);
      // The route's pattern, never the URL: paths carry references and queries carry
      // addresses. An unmatched path is shown up to its query, shortened.
      if (logger.isLevelEnabled('info')) {
        logger.info(
          { method: req.method, route: route === 'unmatched' ? `unmatched ${req.path.slice(0, 80)}` : route, status, ms: Math.round(ms * 10) / 10, requestId: req.requestId },
          'request',
        );
      }
    });
    cors(req, res, next);
  };
}

/**
 * CORS from ALLOWED_ORIGINS only (plus our own origin). A browser request
 * from any other origin is refused outright, not merely left without headers,
 * so a foreign page cannot make state-changing calls with the visitor's IP.
 */
function corsCheck(deps: AppDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (!origin) return next();
    if (!originAllowed(req, deps.config.allowedOrigins, deps.config.trustProxy)) {
      return next(fail('forbidden'));
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.vary('Origin');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, Idempotency-Key');
      res.setHeader('Access-Control-Max-Age', '600');
      return res.status(204).end();
    }
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
    next();
  };
}

import type { NextFunction, Request, Response } from 'express';
import { databaseUnavailable } from '../db/database-guard';
import { isConnectionLevel } from '../db/errors';
import { AppError, fail, invalid } from '../errors';
import type { Logger } from '../logger';
import { originContext } from './origin';

/**
 * The one error handler: AppError → its status and code; body-parser's
 * errors → 400/413; anything else → a plain 500 that leaks nothing.
 */
/** The route pattern a request matched (its full path, e.g. `/appointease/v1/locks`), or `unmatched`. */
export type RouteOf = (req: Request) => string;

export function errorHandler(logger: Logger, routeOf: RouteOf = (req) => (req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched')) {
  // Express recognises error handlers by their four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let e: AppError;
    if (err instanceof AppError) e = err;
    else if (isBodyError(err, 'entity.too.large')) e = fail('payload_too_large');
    else if (isBodyError(err, 'entity.parse.failed')) e = invalid('The request body is not valid JSON');
    else if (isBodyError(err)) e = invalid('The request body could not be read');
    // The database went away under work that does not go through the pool's guard: the same 503.
    else if (isConnectionLevel(err)) e = databaseUnavailable(err);
    else {
      logger.error({ err, requestId: req.requestId, path: req.path }, 'unhandled error');
      e = fail('internal_error');
    }
    if (e.status === 401 || e.status === 403 || e.code === 'too_many_attempts') logRefusal(logger, req, e, routeOf(req));
    if (res.headersSent) return;
    // Only errors carry an id: it is what a customer or operator quotes, and what the 500 log line holds.
    res.setHeader('X-Request-Id', req.requestId);
    if (e.headers) res.set(e.headers);
    const body: { error: { code: string; message: string; details?: unknown } } = { error: { code: e.code, message: e.message } };
    if (e.details !== undefined) body.error.details = e.details;
    res.status(e.status).json(body);
  };
}

function isBodyError(err: unknown, type?: string): boolean {
  if (!err || typeof err !== 'object') return false;
  const t = (err as { type?: unknown }).type;
  if (typeof t !== 'string' || !('status' in err)) return false;
  return type ? t === type : t.startsWith('entity.') || t.startsWith('request.') || t === 'charset.unsupported' || t === 'encoding.unsupported';
}

/**
 * Every refused origin and failed verification leaves a warn line an operator can
 * find by the request id the client saw (X-Request-Id): what was refused and why,
 * the origin and hosts for origin refusals. Never the client's address, a token or
 * an email.
 */
function logRefusal(logger: Logger, req: Request, e: AppError, route: string): void {
  const context: Record<string, unknown> = { requestId: req.requestId, status: e.status, code: e.code, method: req.method, route, ...e.logContext };
  if (e.code === 'forbidden' && req.headers.origin) Object.assign(context, originContext(req));
  logger.warn(context, `refused: ${e.message}`);
}

import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors';
import type { Logger } from '../logger';

/**
 * The one error handler: AppError → its status and code; body-parser's
 * errors → 400/413; anything else → a plain 500 that leaks nothing.
 */
export function errorHandler(logger: Logger) {
  // Express recognises error handlers by their four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let e: AppError;
    if (err instanceof AppError) e = err;
    else if (isBodyError(err, 'entity.too.large')) e = new AppError(413, 'payload_too_large', 'The request body is larger than 16 KB');
    else if (isBodyError(err, 'entity.parse.failed')) e = new AppError(400, 'invalid_request', 'The request body is not valid JSON');
    else if (isBodyError(err)) e = new AppError(400, 'invalid_request', 'The request body could not be read');
    else {
      logger.error({ err, requestId: req.requestId, path: req.path }, 'unhandled error');
      e = new AppError(500, 'internal_error', 'Something went wrong on our side; please try again');
    }
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

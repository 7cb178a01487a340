/**
 * The one error class (Hono's HTTPException habit): services throw it with the
 * contract's status and snake_case code; the HTTP error handler turns it into
 * `{"error":{"code","message","details"?}}`. Anything else becomes a plain 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** What the refusal's warn line adds (never personal data): e.g. why a token failed. */
  logContext?: Record<string, unknown>;

  withLogContext(context: Record<string, unknown>): this {
    this.logContext = { ...this.logContext, ...context };
    return this;
  }
}

export const notFound = (what = 'Not found') => new AppError(404, 'not_found', what);
export const invalid = (message: string, details?: unknown) => new AppError(400, 'invalid_request', message, details);
export const unauthorized = (message = 'Authentication required') => new AppError(401, 'unauthorized', message);
export const unavailable = (message = 'Service temporarily unavailable') => new AppError(503, 'unavailable', message);

import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors';
import { verifyAdminToken, type AdminIdentity } from '../services/admin-token';

export function bearerOf(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

declare module 'express-serve-static-core' {
  interface Request {
    admin?: AdminIdentity;
    clientIp: string;
    requestId: string;
  }
}

/** Admin routes: a valid WordPress admin JWT or 401. */
export function requireAdmin(secret: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerOf(req);
    const admin = token ? verifyAdminToken(token, secret) : undefined;
    if (!admin) return next(new AppError(401, 'unauthorized', 'A valid admin token is required'));
    req.admin = admin;
    next();
  };
}

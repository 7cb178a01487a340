import type { NextFunction, Request, Response } from 'express';
import { fail } from '../errors';
import { adminTokenProblem, verifyAdminToken, type AdminIdentity } from '../services/admin-token';

export function bearerOf(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

declare module 'express-serve-static-core' {
  interface Request {
    admin?: AdminIdentity;
    customer?: { email: string; expiresAt: number; token: string };
    clientIp: string;
    /** What per-client limits count: the IPv4 address, or the IPv6 /64 (http/client-ip.ts). */
    clientGroup: string;
    requestId: string;
  }
}

/** Admin routes: a valid WordPress admin JWT or 401. */
export function requireAdmin(secret: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerOf(req);
    const admin = token ? verifyAdminToken(token, secret) : undefined;
    if (!admin) {
      return next(fail('unauthorized', 'A valid admin token is required').withLogContext({ check: 'admin token', reason: adminTokenProblem(token, secret) }));
    }
    req.admin = admin;
    next();
  };
}

/** Customer routes: a live session token or 401. The session's email is the customer. */
export function requireCustomer(sessions: { get(token: string): Promise<{ email: string; expiresAt: number } | undefined> }) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    try {
      const token = bearerOf(req);
      const session = token ? await sessions.get(token) : undefined;
      if (!session) {
        return next(fail('unauthorized', 'Sign in with the code we emailed you').withLogContext({ check: 'session', reason: token ? 'unknown or expired session' : 'no bearer token' }));
      }
      req.customer = { email: session.email, expiresAt: session.expiresAt, token: token! };
      next();
    } catch (err) {
      next(err);
    }
  };
}

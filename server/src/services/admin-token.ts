import jwt from 'jsonwebtoken';

export const ADMIN_AUDIENCE = 'appointease-admin';
/** CONTRACT §7: exp at most one hour ahead; a minute of clock skew between WordPress and us is tolerated. */
const MAX_LIFETIME_SECONDS = 3600;
const CLOCK_SKEW_SECONDS = 60;

export interface AdminIdentity {
  userId: string;
  expiresAt: number;
}

/**
 * Verifies a WordPress admin JWT: HS256 only (algorithm pinned, so "none" and
 * RS/HS confusion are refused), audience appointease-admin, exp required and
 * not too far ahead. Returns undefined for anything else.
 */
export function verifyAdminToken(token: string, secret: string, now = Date.now()): AdminIdentity | undefined {
  try {
    const payload = jwt.verify(token, secret, {
      algorithms: ['HS256'],
      audience: ADMIN_AUDIENCE,
      clockTimestamp: Math.floor(now / 1000),
      clockTolerance: 5,
    });
    if (typeof payload !== 'object' || payload === null) return undefined;
    if (typeof payload.exp !== 'number') return undefined;
    if (payload.exp > Math.floor(now / 1000) + MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) return undefined;
    const sub = payload.sub;
    if (sub === undefined || sub === null || String(sub) === '') return undefined;
    return { userId: String(sub), expiresAt: payload.exp * 1000 };
  } catch {
    return undefined;
  }
}

/**
 * Why a token failed verifyAdminToken, for the refusal's log line (worked out only
 * after a failure): an operator tells a clock or secret mismatch from an attack.
 */
export function adminTokenProblem(token: string | undefined, secret: string, now = Date.now()): string {
  if (!token) return 'no bearer token';
  try {
    const payload = jwt.verify(token, secret, { algorithms: ['HS256'], audience: ADMIN_AUDIENCE, clockTimestamp: Math.floor(now / 1000), clockTolerance: 5 });
    if (typeof payload !== 'object' || payload === null || typeof payload.exp !== 'number') return 'no expiry';
    if (payload.exp > Math.floor(now / 1000) + MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) return 'expiry more than an hour ahead';
    return 'no subject';
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) return 'expired (check the clocks of WordPress and the sidecar)';
    const message = err instanceof Error ? err.message : '';
    if (message === 'invalid signature') return 'invalid signature (is APPOINTEASE_SECRET the same in WordPress and the sidecar?)';
    if (message.startsWith('jwt audience invalid')) return 'wrong audience';
    if (message === 'invalid algorithm') return 'algorithm other than HS256';
    return 'malformed token';
  }
}

/** Mints an admin token (tests, the demo's printed token); the bridge mints its own in PHP. */
export function signAdminToken(secret: string, userId: string | number, lifetimeSeconds = 600): string {
  return jwt.sign({ sub: String(userId) }, secret, { algorithm: 'HS256', audience: ADMIN_AUDIENCE, expiresIn: lifetimeSeconds });
}

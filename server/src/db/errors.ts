/**
 * What the MySQL driver's errors mean, known here and nowhere else: callers
 * ask "was this a duplicate of that unique key?" instead of matching mysql2's
 * codes and message texts themselves. (Contention — deadlocks, lock waits,
 * snapshot conflicts — is db/pool.ts's, which retries it.)
 */

interface DriverError {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

const asDriverError = (err: unknown): DriverError => (err && typeof err === 'object' ? (err as DriverError) : {});

/**
 * The unique key a row collided with, or undefined when `err` is not a
 * duplicate-key error. MariaDB names the key (`for key 'strong_id'`), MySQL 8
 * prefixes the table (`for key 'wp_appointease_appointments.strong_id'`);
 * either way the index name comes back.
 */
export function duplicateKeyOf(err: unknown): string | undefined {
  const e = asDriverError(err);
  if (e.code !== 'ER_DUP_ENTRY') return undefined;
  const key = /for key '([^']+)'/.exec(String(e.message ?? ''))?.[1] ?? '';
  return key.slice(key.lastIndexOf('.') + 1);
}

/**
 * True for a duplicate-key error, on the unique key `key` when one is named
 * (or a copy MySQL named `key_2`, … when the index was added twice).
 */
export function isDuplicateKey(err: unknown, key?: string): boolean {
  const hit = duplicateKeyOf(err);
  return hit !== undefined && (key === undefined || hit === key || new RegExp(`^${key}_\\d+$`).test(hit));
}

/** The table does not exist (yet): a WordPress site the plugin never set up. */
export function isMissingTable(err: unknown): boolean {
  return asDriverError(err).code === 'ER_NO_SUCH_TABLE';
}

/** Socket and protocol failures by which the database is gone (or the connection to it), not a statement refused. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  // The server is shutting down, or has no room for another connection.
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_CONNECTION_KILLED',
]);

/**
 * True when `err` says the database (or the connection to it) is gone rather
 * than that a statement was wrong or lost a race: refused, reset or lost
 * connections, a server shutting down, and whatever mysql2 marks `fatal`
 * (the connection cannot be used again).
 */
export function isConnectionLevel(err: unknown): boolean {
  const e = asDriverError(err) as DriverError & { fatal?: unknown };
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  return e.fatal === true;
}

import { stdSerializers } from 'pino';

/**
 * Customer data must not reach the logs (CONTRACT §11), and errors are where
 * it leaks: a mysql2 error carries the statement with every value inlined
 * (`err.sql`: the customer's email, name and phone of a failed booking) and
 * MySQL's own message quotes values (`Duplicate entry 'jane@example.com' …`).
 * The logger's `err` serializer passes every logged error through here, so
 * no call site has to remember.
 */

/** Any address-shaped token: the cheap net under everything else. */
const EMAIL = /[^\s'"`<>()[\]{},;:@]+@[^\s'"`<>()[\]{},;:@]+\.[^\s'"`<>()[\]{},;:@]+/g;

/**
 * A quoted literal in a MySQL message, unless the word before it says it is a
 * name of ours (`for key 'uniq_email'`, `column 'email'`, `Table 'wp_x'`,
 * `in 'field list'`): those help debugging and hold no customer data.
 */
const QUOTED_IN_MESSAGE = /(\b(?:column|key|table|index|constraint|database|schema|function|procedure|trigger|savepoint|variable|in)\s+)?'(?:[^'\\]|\\.|'')*'/gi;

/** String literals in SQL text ('…' and "…", with either escape). */
const SQL_STRING = /'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"/g;

export function scrubEmails(text: string): string {
  return text.replace(EMAIL, '[email]');
}

/** A MySQL (or any) error message: quoted values and addresses out, names of columns and keys kept. */
export function scrubMessage(text: string): string {
  return scrubEmails(text.replace(QUOTED_IN_MESSAGE, (whole, nameWord: string | undefined) => (nameWord ? whole : "'?'")));
}

/** A statement with its values inlined: every string literal becomes '?' (numbers are ids and instants). */
export function scrubSql(sql: string): string {
  return scrubEmails(sql.replace(SQL_STRING, "'?'"));
}

function isMysqlError(err: Record<string, unknown>): boolean {
  return typeof err.sqlState === 'string' || typeof err.sqlMessage === 'string' || typeof err.sql === 'string' || /^ER_/.test(String(err.code ?? ''));
}

/** The `err` serializer: pino's own, then the customer's data out of message, stack, SQL and nested errors. */
export function redactedErr(value: unknown): unknown {
  if (typeof value === 'string') return scrubMessage(value);
  if (!value || typeof value !== 'object') return value;
  const serialized = stdSerializers.err(value as Error) as unknown as Record<string, unknown>;
  if (serialized === value) return value; // not an error: pino leaves it as it is, and so do we
  return redactSerialized(serialized, chainHasMysqlError(value));
}

/** pino folds `cause` messages into the outer message: a wrapped mysql2 error makes the whole chain one. */
function chainHasMysqlError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (isMysqlError(e as Record<string, unknown>)) return true;
  }
  return false;
}

function redactSerialized(e: Record<string, unknown>, mysql: boolean): Record<string, unknown> {
  const text = mysql ? scrubMessage : scrubEmails;
  if (typeof e.message === 'string') e.message = text(e.message);
  if (typeof e.stack === 'string') e.stack = text(e.stack);
  if (typeof e.sqlMessage === 'string') e.sqlMessage = scrubMessage(e.sqlMessage);
  if (typeof e.sql === 'string') e.sql = scrubSql(e.sql);
  // mysql2 may attach the bound values; they are customer data by nature.
  for (const key of ['values', 'parameters', 'params']) if (key in e) e[key] = '[redacted]';
  // Nested errors (an AggregateError's members, errors kept in properties) were serialized by pino too.
  const nested = (v: unknown) => v && typeof v === 'object' && typeof (v as Record<string, unknown>).message === 'string' && typeof (v as Record<string, unknown>).stack === 'string';
  const redactNested = (v: Record<string, unknown>) => redactSerialized(v, mysql || chainHasMysqlError((v as { raw?: unknown }).raw ?? v));
  if (Array.isArray(e.aggregateErrors)) e.aggregateErrors = e.aggregateErrors.map((a) => (nested(a) ? redactNested(a) : a));
  for (const [key, v] of Object.entries(e)) if (key !== 'aggregateErrors' && nested(v)) e[key] = redactNested(v as Record<string, unknown>);
  return e;
}

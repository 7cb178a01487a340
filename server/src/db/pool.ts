import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';

export type { Pool, PoolConnection };

/**
 * One pool for the WordPress database. Dates come back as strings: the
 * AppointEase columns hold local business time, which must never be
 * reinterpreted in the server's own zone.
 */
export function createPool(databaseUrl: string, options: { connectionLimit?: number } = {}): Pool {
  const u = new URL(databaseUrl);
  return mysql.createPool({
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    connectionLimit: options.connectionLimit ?? 10,
    dateStrings: true,
    timezone: 'Z',
    decimalNumbers: true,
    supportBigNumbers: true,
    charset: 'utf8mb4_unicode_ci',
    connectTimeout: 5_000,
    enableKeepAlive: true,
  });
}

/** Runs `work` in one transaction; rolls back on any error. */
export async function inTransaction<T>(pool: Pool, work: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const result = await work(conn);
    await conn.commit();
    return result;
  } catch (err) {
    await conn.rollback().catch(() => {});
    throw err;
  } finally {
    conn.release();
  }
}

/** Creates the database named in the URL if it does not exist (demo and tests). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const u = new URL(databaseUrl);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$]+$/.test(name)) throw new Error(`Unsupported database name "${name}"`);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
  });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
}

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { startPrivateMariaDb, type PrivateMariaDb } from '../helpers/private-mariadb';

/** The helper later tests rely on to crash a database: its own server, crash-safe commits, nothing left behind. */
describe('private mariadbd (test helper)', () => {
  let db: PrivateMariaDb | undefined;
  afterAll(() => db?.stop());

  it('starts on a free port, keeps committed rows across a SIGKILL and a restart, and leaves no directory behind', async () => {
    db = await startPrivateMariaDb();
    expect(db.port).not.toBe(3306);
    expect(existsSync(db.socket)).toBe(true);
    const c = await mysql.createConnection(`${db.rootUrl}`);
    await c.query('CREATE DATABASE crash_test');
    await c.query('CREATE TABLE crash_test.t (id INT PRIMARY KEY) ENGINE=InnoDB');
    await c.query('INSERT INTO crash_test.t VALUES (1), (2)');
    await c.end();

    await db.kill('SIGKILL');
    expect(db.running()).toBe(false);
    await expect(mysql.createConnection({ host: '127.0.0.1', port: db.port, user: 'root', connectTimeout: 500 })).rejects.toThrow();
    await db.start();
    const again = await mysql.createConnection(`${db.rootUrl}/crash_test`);
    const [rows] = await again.query<any[]>('SELECT id FROM t ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([1, 2]);
    await again.end();

    const dir = dirname(db.socket);
    await db.stop();
    db = undefined;
    expect(existsSync(dir)).toBe(false);
  });
});

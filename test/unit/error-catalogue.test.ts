import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { docWithTable, ERRORS_DOC } from '../../scripts/error-reference';
import { isDuplicateKey, isMissingTable } from '../../server/src/db/errors';
import { ERROR_CATALOGUE, fail, invalid } from '../../server/src/errors';

const SRC = fileURLToPath(new URL('../../server/src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const rel = (p: string) => p.slice(SRC.length);

/** The error codes CONTRACT §2 names, with their statuses. */
const CONTRACT_CODES = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

describe('the error catalogue (server/src/errors.ts)', () => {
  it('docs/errors.md lists exactly the catalogue (run: npm run docs:errors)', () => {
    const doc = readFileSync(ERRORS_DOC, 'utf8');
    expect(doc === docWithTable(doc), 'docs/errors.md is stale: npm run docs:errors').toBe(true);
  });

  it('holds every code of the contract, with the contract’s status', () => {
    for (const [code, status] of Object.entries(CONTRACT_CODES)) {
      expect(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE]?.status, code).toBe(status);
    }
    for (const [code, s] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(s.meaning.length, code).toBeGreaterThan(10);
    }
  });

  it('builds each error with its own status, message and headers', () => {
    expect(fail('too_many_locks', 3, 300)).toMatchObject({ status: 429, code: 'too_many_locks', message: 'At most 3 times can be held at once; release one first', headers: { 'Retry-After': '300' } });
    expect(fail('rate_limited', 'codes', 42)).toMatchObject({ status: 429, headers: { 'Retry-After': '42' } });
    expect(fail('slot_unavailable', { date: '2030-01-02', time: '09:00', why: 'held' }).message).toBe('2030-01-02 09:00 is held by someone else');
    expect(fail('slot_unavailable', { date: '2030-01-02', dayReason: 'time_off' }).message).toBe('No bookable times on 2030-01-02 (time_off)');
    expect(fail('not_found')).toMatchObject({ status: 404, message: 'Not found' });
    expect(invalid('Invalid date', [{ field: 'date', message: 'bad' }])).toMatchObject({ status: 400, code: 'invalid_request', details: [{ field: 'date', message: 'bad' }] });
  });

  it('is the only place that pairs a status with a code: no AppError is built anywhere else', () => {
    const builders = sourceFiles(SRC)
      .filter((p) => /new AppError\(|super\(\d{3}/.test(readFileSync(p, 'utf8')))
      .map(rel);
    expect(builders).toEqual(['errors.ts']);
  });

  it('keeps the MySQL driver’s error codes inside db/', () => {
    const outside = sourceFiles(SRC)
      .filter((p) => !rel(p).startsWith('db/'))
      .filter((p) => /\bER_[A-Z_]+\b|\berrno\b.*\b1[0-9]{3}\b/.test(readFileSync(p, 'utf8')))
      .map(rel);
    expect(outside).toEqual([]);
  });
});

describe('db/errors.ts', () => {
  const dup = (key: string) => Object.assign(new Error(`Duplicate entry 'APT-2030-000001' for key '${key}'`), { code: 'ER_DUP_ENTRY', errno: 1062 });

  it('names the unique key a row collided with (MariaDB and MySQL 8 spellings)', () => {
    expect(isDuplicateKey(dup('strong_id'), 'strong_id')).toBe(true);
    expect(isDuplicateKey(dup('wp_appointease_appointments.strong_id'), 'strong_id')).toBe(true);
    expect(isDuplicateKey(dup('strong_id_2'), 'strong_id')).toBe(true);
    expect(isDuplicateKey(dup('idempotency_key'), 'strong_id')).toBe(false);
    expect(isDuplicateKey(dup('idempotency_key'))).toBe(true);
    expect(isDuplicateKey(new Error('Duplicate entry'), 'strong_id')).toBe(false);
    expect(isDuplicateKey(undefined)).toBe(false);
  });

  it('knows a missing table', () => {
    expect(isMissingTable(Object.assign(new Error("Table 'x.wp_options' doesn't exist"), { code: 'ER_NO_SUCH_TABLE' }))).toBe(true);
    expect(isMissingTable(new Error('other'))).toBe(false);
  });
});

import type { Pool } from '../../server/src/db/pool';
import { RELEASED_STATUSES } from '../../server/src/db/repositories/appointments-repository';

/**
 * The product's promise, checked straight in the database: no two
 * non-cancelled appointments of one employee overlap (start to end; with
 * `buffers`, their stored buffers included). Rows without an end take the
 * service's duration. Throws listing the clashing pairs.
 */
export async function assertNoOverlaps(pool: Pool, options: { prefix?: string; buffers?: boolean } = {}): Promise<number> {
  const p = options.prefix ?? 'wp_';
  const [rows] = await pool.query<any[]>(
    `SELECT a.id, a.employee_id, a.appointment_date, a.end_date, a.buffer_before, a.buffer_after, s.duration
       FROM \`${p}appointments\` a LEFT JOIN \`${p}appointease_services\` s ON s.id = a.service_id
      WHERE a.status IS NULL OR a.status NOT IN (?)`,
    [RELEASED_STATUSES],
  );
  // Stored datetimes are local wall time; comparing them as UTC keeps their order (tests run in UTC zones).
  const ms = (v: string) => Date.parse(`${v.replace(' ', 'T')}Z`);
  const byEmployee = new Map<number, { id: number; from: number; to: number }[]>();
  for (const r of rows) {
    const start = ms(r.appointment_date);
    const end = r.end_date ? ms(r.end_date) : start + Number(r.duration ?? 30) * 60_000;
    const before = options.buffers ? Number(r.buffer_before ?? 0) * 60_000 : 0;
    const after = options.buffers ? Number(r.buffer_after ?? 0) * 60_000 : 0;
    const list = byEmployee.get(Number(r.employee_id)) ?? [];
    list.push({ id: Number(r.id), from: start - before, to: end + after });
    byEmployee.set(Number(r.employee_id), list);
  }
  const clashes: string[] = [];
  for (const [emp, list] of byEmployee) {
    list.sort((a, b) => a.from - b.from);
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length && list[j]!.from < list[i]!.to; j++) {
        clashes.push(`employee ${emp}: appointments ${list[i]!.id} and ${list[j]!.id} overlap`);
      }
    }
  }
  if (clashes.length) throw new Error(`Double booking in the database:\n${clashes.join('\n')}`);
  return rows.length;
}

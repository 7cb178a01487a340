import { createHash } from 'node:crypto';
import type { Pool, PoolConnection } from '../pool';
import type { Tables } from '../schema';

/** Statuses that no longer hold time. Everything else (confirmed, pending, completed…) does. */
export const RELEASED_STATUSES = ['cancelled', 'canceled', 'rejected'] as const;

/** Whether a status no longer holds time; case-insensitive like the SQL `NOT IN` under the table's collation. */
export function isReleased(status: string | null | undefined): boolean {
  return status != null && (RELEASED_STATUSES as readonly string[]).includes(status.toLowerCase());
}

/** Statuses of an appointment that has taken place (AppointEase writes `no_show`, our admin API `no-show`). */
export const FINISHED_STATUSES = ['completed', 'no_show', 'no-show'] as const;

/** Whether the appointment has taken place (by status), case-insensitive. */
export function isFinished(status: string | null | undefined): boolean {
  return status != null && (FINISHED_STATUSES as readonly string[]).includes(status.toLowerCase());
}

export interface AppointmentRow {
  id: number;
  name: string;
  email: string;
  phone: string | null;
  appointment_date: string; // local 'YYYY-MM-DD HH:MM:SS'
  end_date: string | null;
  status: string;
  service_id: number | null;
  employee_id: number | null;
  customer_id: number | null;
  notes: string | null;
  strong_id: string | null;
  idempotency_key: string | null;
  idempotency_hash: string | null;
  buffer_before: number | null;
  buffer_after: number | null;
  rescheduled_at: string | null;
  original_date: string | null;
  created_at: string | null;
}

export class AppointmentsRepository {
  constructor(private readonly pool: Pool, private readonly t: Tables) {}

  // ---- Admin view (admin API): listing, status changes, references from the catalogue ----

  /** Every appointment (any status) starting in [fromLocal, toLocal), optionally of one employee. */
  async adminList(fromLocal: string, toLocal: string, employeeId: number | undefined, limit: number): Promise<AppointmentRow[]> {
    const byEmployee = employeeId === undefined ? '' : 'AND employee_id = ?';
    const [rows] = await this.pool.query<any[]>(
      `SELECT * FROM \`${this.t.appointments}\` WHERE appointment_date >= ? AND appointment_date < ? ${byEmployee} ORDER BY appointment_date, id LIMIT ?`,
      employeeId === undefined ? [fromLocal, toLocal, limit] : [fromLocal, toLocal, employeeId, limit],
    );
    return rows as AppointmentRow[];
  }

  /**
   * One page of the appointments a reminder may be due for: starting in [fromLocal, toLocal),
   * still holding their time and not yet taken place, with an address to write to. Keyset-paged
   * on (appointment_date, id) after `after`, so a long window is read in bounded pieces.
   */
  async remindable(fromLocal: string, toLocal: string, after: { date: string; id: number } | null, limit: number): Promise<Pick<AppointmentRow, 'id' | 'appointment_date'>[]> {
    const excluded = [...RELEASED_STATUSES, ...FINISHED_STATUSES];
    const page = after ? 'AND (appointment_date > ? OR (appointment_date = ? AND id > ?))' : '';
    const [rows] = await this.pool.query<any[]>(
      `SELECT id, appointment_date FROM \`${this.t.appointments}\`
        WHERE appointment_date >= ? AND appointment_date < ? AND (status IS NULL OR status NOT IN (?)) AND email <> '' ${page}
        ORDER BY appointment_date, id LIMIT ?`,
      after ? [fromLocal, toLocal, excluded, after.date, after.date, after.id, limit] : [fromLocal, toLocal, excluded, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), appointment_date: r.appointment_date }));
  }

  /** By reference (APT-…), or by numeric id for AppointEase rows that never got one. Locks the row when given a connection. */
  async adminFind(reference: string, conn?: PoolConnection): Promise<AppointmentRow | undefined> {
    const byId = /^\d{1,9}$/.test(reference);
    const [rows] = await (conn ?? this.pool).query<any[]>(
      `SELECT * FROM \`${this.t.appointments}\` WHERE ${byId ? 'id = ?' : 'strong_id = ?'} ${conn ? 'FOR UPDATE' : ''}`,
      [byId ? Number(reference) : reference],
    );
    return rows[0] as AppointmentRow | undefined;
  }

  async adminSetStatus(id: number, status: string, conn: PoolConnection): Promise<void> {
    await conn.query(`UPDATE \`${this.t.appointments}\` SET status = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?`, [status, id]);
  }

  /** Whether any appointment (any status: history must stay readable) refers to this service or employee. */
  async isReferenced(column: 'service_id' | 'employee_id', id: number, conn?: PoolConnection): Promise<boolean> {
    const [rows] = await (conn ?? this.pool).query<any[]>(
      `SELECT 1 FROM \`${this.t.appointments}\` WHERE ${column === 'service_id' ? 'service_id' : 'employee_id'} = ? LIMIT 1`,
      [id],
    );
    return rows.length > 0;
  }

  /**
   * Appointments of one employee that hold time and start in [fromLocal, toLocal).
   * Pass a connection to read inside a booking transaction (READ COMMITTED,
   * with the staff row locked: a plain read then sees every committed row).
   */
  async holdingTimeBetween(employeeId: number, fromLocal: string, toLocal: string, conn?: PoolConnection): Promise<AppointmentRow[]> {
    const db = conn ?? this.pool;
    const [rows] = await db.query<any[]>(
      `SELECT * FROM \`${this.t.appointments}\`
        WHERE employee_id = ? AND appointment_date >= ? AND appointment_date < ?
          AND (status IS NULL OR status NOT IN (${RELEASED_STATUSES.map(() => '?').join(',')}))
        ORDER BY appointment_date`,
      [employeeId, fromLocal, toLocal, ...RELEASED_STATUSES],
    );
    return rows as AppointmentRow[];
  }

  // ---- Writes (booking and reschedule; always inside the caller's READ COMMITTED transaction) ----
  //
  // Serialisation comes from two row locks taken first, never from gap locks:
  // the customer's key row (one customer's bookings one after another) and the
  // employee's staff row (one employee's bookings and moves one after another).
  // Under READ COMMITTED a plain read then sees everything committed before the
  // lock was granted, and bookings of different customers for different
  // employees share no lock at all, so they cannot deadlock each other.

  /**
   * Locks one customer (by address) for the rest of the transaction: their
   * bookings run one after another, so the per-customer cap and the customers
   * row cannot race. The key row is created on first use; an upsert on a
   * table without AUTO_INCREMENT uses up nothing, and a duplicate key takes
   * the row lock straight away (no shared lock to upgrade, so two bookings of
   * one customer queue rather than deadlock).
   */
  async lockCustomer(conn: PoolConnection, email: string): Promise<void> {
    const hash = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
    await conn.query(`INSERT INTO \`${this.t.customerLocks}\` (email_hash) VALUES (?) ON DUPLICATE KEY UPDATE email_hash = email_hash`, [hash]);
  }

  /**
   * Locks the employee's staff row for the rest of the transaction: every
   * booking or move for one employee runs one after another, so the overlap
   * check cannot race another insert. Answers the database's clock (UTC,
   * 'YYYY-MM-DD HH:MM:SS', as the statement began) for the timestamps the
   * change writes, so the change knows them without reading its row back;
   * undefined when there is no such row.
   */
  async lockEmployee(conn: PoolConnection, employeeId: number): Promise<string | undefined> {
    const [rows] = await conn.query<any[]>(`SELECT id, UTC_TIMESTAMP() AS now FROM \`${this.t.staff}\` WHERE id = ? FOR UPDATE`, [employeeId]);
    return rows[0] ? String(rows[0].now) : undefined;
  }

  /** Upcoming appointments (starting after `nowLocal`) of one address that still hold time: the per-customer cap. */
  async upcomingCount(conn: PoolConnection, email: string, nowLocal: string): Promise<number> {
    const [[row]] = await conn.query<any[]>(
      `SELECT COUNT(*) AS n FROM \`${this.t.appointments}\`
        WHERE email = ? AND appointment_date > ? AND (status IS NULL OR status NOT IN (${RELEASED_STATUSES.map(() => '?').join(',')}))`,
      [email, nowLocal, ...RELEASED_STATUSES],
    );
    return Number(row.n);
  }

  async byIdempotencyKey(key: string, conn?: PoolConnection): Promise<AppointmentRow | undefined> {
    const [rows] = await (conn ?? this.pool).query<any[]>(
      `SELECT * FROM \`${this.t.appointments}\` WHERE idempotency_key = ?${conn ? ' FOR UPDATE' : ''}`,
      [key],
    );
    return rows[0] as AppointmentRow | undefined;
  }

  /** One customer's appointment by reference (someone else's reads as absent). */
  async byReferenceForCustomer(reference: string, email: string, conn?: PoolConnection): Promise<AppointmentRow | undefined> {
    const [rows] = await (conn ?? this.pool).query<any[]>(
      `SELECT * FROM \`${this.t.appointments}\` WHERE strong_id = ? AND email = ?${conn ? ' FOR UPDATE' : ''}`,
      [reference, email],
    );
    return rows[0] as AppointmentRow | undefined;
  }

  /** Appointments by id or by reference (the audit log names them either way). */
  async byIdsOrReferences(ids: number[], references: string[]): Promise<AppointmentRow[]> {
    if (ids.length === 0 && references.length === 0) return [];
    const [rows] = await this.pool.query<any[]>(`SELECT * FROM \`${this.t.appointments}\` WHERE id IN (?) OR strong_id IN (?)`, [ids.length ? ids : [0], references.length ? references : ['']]);
    return rows as AppointmentRow[];
  }

  /** Pass the transaction's connection to read its own uncommitted write. */
  async byId(id: number, conn?: PoolConnection): Promise<AppointmentRow | undefined> {
    const [rows] = await (conn ?? this.pool).query<any[]>(`SELECT * FROM \`${this.t.appointments}\` WHERE id = ?`, [id]);
    return rows[0] as AppointmentRow | undefined;
  }

  /**
   * Inserts a confirmed appointment and answers it as `SELECT *` would give
   * its AppointmentRow fields, without reading it: every one of them is
   * written here, none is left to a column default. Values the server would
   * store otherwise than sent — cut to the column, a character the table's
   * charset lacks, a non-strict sql_mode's conversions — come with a warning;
   * then the row is read back (the transaction's own write). Duplicate
   * strong_id / idempotency_key surface as ER_DUP_ENTRY.
   */
  async insert(
    conn: PoolConnection,
    a: {
      name: string;
      email: string;
      phone: string | null;
      notes: string | null;
      startLocal: string;
      endLocal: string;
      serviceId: number;
      employeeId: number;
      customerId: number | null;
      totalAmount: number | null;
      reference: string;
      idempotencyKey: string | null;
      idempotencyHash: string | null;
      bufferBefore: number;
      bufferAfter: number;
      /** The database's UTC clock ('YYYY-MM-DD HH:MM:SS'), as `lockEmployee` answers it. */
      createdAt: string;
    },
  ): Promise<AppointmentRow> {
    const [r] = await conn.query<any>(
      `INSERT INTO \`${this.t.appointments}\`
        (name, email, phone, notes, appointment_date, end_date, status, service_id, employee_id, customer_id, total_amount,
         strong_id, idempotency_key, idempotency_hash, buffer_before, buffer_after, rescheduled_at, original_date, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'confirmed', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)`,
      [a.name, a.email, a.phone, a.notes, a.startLocal, a.endLocal, a.serviceId, a.employeeId, a.customerId, a.totalAmount, a.reference, a.idempotencyKey, a.idempotencyHash, a.bufferBefore, a.bufferAfter, a.createdAt],
    );
    const id = Number(r.insertId);
    if (Number(r.warningStatus) > 0) return (await this.byId(id, conn))!;
    return {
      id,
      name: a.name,
      email: a.email,
      phone: a.phone,
      appointment_date: a.startLocal,
      end_date: a.endLocal,
      status: 'confirmed',
      service_id: a.serviceId,
      employee_id: a.employeeId,
      customer_id: a.customerId,
      notes: a.notes,
      strong_id: a.reference,
      idempotency_key: a.idempotencyKey,
      idempotency_hash: a.idempotencyHash,
      buffer_before: a.bufferBefore,
      buffer_after: a.bufferAfter,
      rescheduled_at: null,
      original_date: null,
      created_at: a.createdAt,
    };
  }

  /**
   * Moves an appointment (`row`: as read, locked, in this transaction); the
   * first original time is kept across several moves. Answers the row as it
   * now is, built like `insert`'s (read back only after a warning).
   */
  async reschedule(
    conn: PoolConnection,
    row: AppointmentRow,
    to: {
      startLocal: string;
      endLocal: string;
      employeeId: number;
      bufferBefore: number;
      bufferAfter: number;
      /** The database's UTC clock, as `lockEmployee` answers it. */
      now: string;
    },
  ): Promise<AppointmentRow> {
    const [r] = await conn.query<any>(
      `UPDATE \`${this.t.appointments}\`
          SET original_date = COALESCE(original_date, appointment_date),
              appointment_date = ?, end_date = ?, employee_id = ?, buffer_before = ?, buffer_after = ?,
              rescheduled_at = ?, updated_at = ?
        WHERE id = ?`,
      [to.startLocal, to.endLocal, to.employeeId, to.bufferBefore, to.bufferAfter, to.now, to.now, row.id],
    );
    if (Number(r.warningStatus) > 0) return (await this.byId(row.id, conn))!;
    const moved: AppointmentRow & { updated_at?: string | null } = {
      ...row,
      original_date: row.original_date ?? row.appointment_date,
      appointment_date: to.startLocal,
      end_date: to.endLocal,
      employee_id: to.employeeId,
      buffer_before: to.bufferBefore,
      buffer_after: to.bufferAfter,
      rescheduled_at: to.now,
    };
    // Not an AppointmentRow field, but `row` came from SELECT *: the object stays what a read would give.
    if ('updated_at' in row) moved.updated_at = to.now;
    return moved;
  }

  /**
   * AppointEase's customers table has no unique email: the oldest row for an
   * address is its customer. Name and phone follow the latest booking. Call
   * with the customer locked (lockCustomer): that, not a locking read here,
   * keeps it one row per address; a locking read of an absent address would
   * take a gap lock, and two new customers' gap locks deadlock their inserts.
   */
  async upsertCustomer(conn: PoolConnection, c: { email: string; name: string; phone: string | null }): Promise<number> {
    const [rows] = await conn.query<any[]>(`SELECT id FROM \`${this.t.customers}\` WHERE email = ? ORDER BY id LIMIT 1`, [c.email]);
    if (rows[0]) {
      await conn.query(
        `UPDATE \`${this.t.customers}\` SET name = ?, phone = COALESCE(?, phone), total_appointments = COALESCE(total_appointments, 0) + 1, updated_at = UTC_TIMESTAMP() WHERE id = ?`,
        [c.name, c.phone, rows[0].id],
      );
      return Number(rows[0].id);
    }
    const [r] = await conn.query<any>(
      `INSERT INTO \`${this.t.customers}\` (name, email, phone, total_appointments, created_at) VALUES (?, ?, ?, 1, UTC_TIMESTAMP())`,
      [c.name, c.email, c.phone],
    );
    return Number(r.insertId);
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppointmentRow } from '../../server/src/db/repositories/appointments-repository';
import { AppointmentsRepository } from '../../server/src/db/repositories/appointments-repository';
import { tableNames } from '../../server/src/db/schema';
import { appointmentView, type BookedEvent, type RescheduledEvent } from '../../server/src/services/booking';
import { daysFromNow, everyDay, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

/**
 * A booking and a move answer, mail and webhook from the row they wrote,
 * built from what they sent, not read back (db/repositories/
 * appointments-repository.ts `insert`, `reschedule`). That row must be
 * exactly what a read gives — the database's own conversions included —
 * for every kind of booking: phone and notes or none, a returning customer,
 * an Idempotency-Key, buffers, business time zones east and west of UTC.
 */
const ROW_FIELDS: (keyof AppointmentRow)[] = [
  'id',
  'name',
  'email',
  'phone',
  'appointment_date',
  'end_date',
  'status',
  'service_id',
  'employee_id',
  'customer_id',
  'notes',
  'strong_id',
  'idempotency_key',
  'idempotency_hash',
  'buffer_before',
  'buffer_after',
  'rescheduled_at',
  'original_date',
  'created_at',
];
const pick = (row: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, row[k]]));

for (const zone of ['America/New_York', 'Asia/Kolkata']) {
  describe(`the row a booking or a move holds is the row in the table (business zone ${zone})`, () => {
    let s: TestSidecar;
    let cut: number;
    let colour: number;
    let ana: number;
    let ben: number;
    const booked: BookedEvent[] = [];
    const moved: RescheduledEvent[] = [];
    const date = daysFromNow(8);
    let ip = 0;

    beforeAll(async () => {
      s = await startSidecar({ env: { TRUST_PROXY: 'true' } });
      const ids = await seedCatalogue(s.db.pool, {
        services: [
          { name: 'Cut', duration: 30, price: 19.99 },
          { name: 'Colour', duration: 60, price: 80.5, bufferBefore: 10, bufferAfter: 15 },
        ],
        staff: [
          { name: 'Ana', hours: everyDay(['08:00', '20:00']) },
          { name: 'Ben', hours: everyDay(['08:00', '20:00']) },
        ],
        settings: { timezone: zone, minNoticeMinutes: 0, maxBookingsPerCustomer: 0 },
      });
      [cut, colour] = ids.serviceIds as [number, number];
      [ana, ben] = ids.staffIds as [number, number];
      await s.deps.catalogue.changed();
      s.deps.booking.onBooked.push((e) => void booked.push(e));
      s.deps.booking.onRescheduled.push((e) => void moved.push(e));
    });
    afterAll(() => s?.stop());

    const hold = async (time: string, serviceId: number, employeeId: number) => {
      const res = await s.api('/locks', { method: 'POST', json: { date, time, employeeId, serviceId }, headers: { 'X-Forwarded-For': `10.20.0.${++ip}` } });
      expect(res.status).toBe(201);
      return (await res.json()).lockToken as string;
    };
    const readBack = async (id: number) => (await s.db.pool.query<any[]>('SELECT * FROM wp_appointments WHERE id = ?', [id]))[0][0] as Record<string, unknown>;

    it('bookings: the row the hooks get and the answer are what a read gives', async () => {
      const cases: { email: string; time: string; serviceId: number; employeeId: number; body: Record<string, unknown>; key?: string }[] = [
        {
          email: 'zoe@example.com',
          time: '09:00',
          serviceId: colour,
          employeeId: ana,
          body: { name: 'Zoë Ünal 😀', phone: ' +49 (30) 123-45 ', notes: '  Window seat, please.\nAnd tea 🍵  ' },
          key: 'key-1',
        },
        { email: 'max@example.com', time: '11:00', serviceId: cut, employeeId: ana, body: { name: 'Max', phone: '', notes: '   ' } },
        // A returning customer (its customers row found, not inserted), no optional field at all.
        { email: 'zoe@example.com', time: '12:00', serviceId: cut, employeeId: ben, body: { name: 'Zoë' } },
        {
          email: 'o.brien@example.com',
          time: '19:30',
          serviceId: cut,
          employeeId: ben,
          body: { name: "Seán O'Brien", notes: 'x'.repeat(2000) },
          key: 'K'.repeat(255),
        },
      ];
      for (const c of cases) {
        const { token } = await s.deps.sessions.create(c.email);
        const lockToken = await hold(c.time, c.serviceId, c.employeeId);
        const res = await s.api('/appointments', {
          method: 'POST',
          token,
          json: { lockToken, date, time: c.time, employeeId: c.employeeId, serviceId: c.serviceId, ...c.body },
          headers: c.key ? { 'Idempotency-Key': c.key } : {},
        });
        expect(res.status, c.time).toBe(201);
        const answer = (await res.json()).appointment;
        await expect.poll(() => booked.find((e) => e.row.id === answer.id)).toBeDefined();
        const { row, snap } = booked.find((e) => e.row.id === answer.id)!;
        const stored = await readBack(answer.id);
        expect(Object.keys(row).sort()).toEqual([...ROW_FIELDS].sort());
        expect(row).toEqual(pick(stored, ROW_FIELDS));
        expect(answer).toEqual(appointmentView(stored as unknown as AppointmentRow, snap, { withEmail: true }));
        // What was not built is what the table sets by itself.
        expect(stored).toMatchObject({ payment_status: 'pending', updated_at: null, total_amount: c.serviceId === cut ? 19.99 : 80.5 });
      }
    });

    it('moves: the moved row the hooks get and the answer are what a read gives, all of it', async () => {
      const email = 'mover@example.com';
      const { token } = await s.deps.sessions.create(email);
      const first = await s.api('/appointments', {
        method: 'POST',
        token,
        json: { lockToken: await hold('14:00', colour, ana), date, time: '14:00', employeeId: ana, serviceId: colour, name: 'Mover', phone: '030 1234' },
      });
      expect(first.status).toBe(201);
      const { reference, id } = (await first.json()).appointment;
      // Twice: the second keeps the first original time (original_date), to another employee and back.
      for (const [time, employeeId] of [
        ['16:00', ben],
        ['17:30', ana],
      ] as const) {
        const res = await s.api(`/appointments/${reference}`, {
          method: 'PATCH',
          token,
          json: { lockToken: await hold(time, colour, employeeId), date, time, employeeId },
        });
        expect(res.status, time).toBe(200);
        const answer = (await res.json()).appointment;
        await expect.poll(() => moved.filter((e) => e.row.id === id).length).toBe(time === '16:00' ? 1 : 2);
        const { row, snap } = moved.filter((e) => e.row.id === id).at(-1)!;
        const stored = await readBack(id);
        expect(row).toEqual(stored);
        expect(answer).toEqual(appointmentView(stored as unknown as AppointmentRow, snap, { withEmail: true }));
        expect(stored).toMatchObject({ original_date: `${date} 14:00:00`, appointment_date: `${date} ${time}:00`, employee_id: employeeId });
      }
    });
  });
}

describe('the row an insert answers, when the server changed a value on the way in', () => {
  let s: TestSidecar;
  beforeAll(async () => {
    s = await startSidecar();
    await seedCatalogue(s.db.pool, { services: [{ duration: 30 }], staff: [{ hours: everyDay(['09:00', '17:00']) }] });
  });
  afterAll(() => s?.stop());

  it('is read back (here a non-strict sql_mode cut a phone number to its column): what the table holds, not what was sent', async () => {
    const repo = new AppointmentsRepository(s.db.pool, tableNames('wp_'));
    const conn = await s.db.pool.getConnection();
    try {
      await conn.query("SET SESSION sql_mode = ''");
      await conn.beginTransaction();
      const [[{ now }]] = await conn.query<any[]>('SELECT UTC_TIMESTAMP() AS now');
      const write = (phone: string, reference: string) =>
        repo.insert(conn, {
          name: 'Long Phone',
          email: 'long@example.com',
          phone,
          notes: null,
          startLocal: '2030-01-02 10:00:00',
          endLocal: '2030-01-02 10:30:00',
          serviceId: 1,
          employeeId: 1,
          customerId: null,
          totalAmount: 12.5,
          reference,
          idempotencyKey: null,
          idempotencyHash: null,
          bufferBefore: 0,
          bufferAfter: 0,
          createdAt: now,
        });
      const cut = await write('+49 30 1234 5678 9012 3456', 'APT-2030-000001');
      expect(cut.phone).toBe('+49 30 1234 5678 901');
      const [[stored]] = await conn.query<any[]>('SELECT * FROM wp_appointments WHERE id = ?', [cut.id]);
      expect(cut).toEqual(stored);
      // Without a warning: built, and the same as a read.
      const exact = await write('+49 30 1234', 'APT-2030-000002');
      const [[again]] = await conn.query<any[]>('SELECT * FROM wp_appointments WHERE id = ?', [exact.id]);
      expect(exact).toEqual(pick(again, ROW_FIELDS));
      await conn.rollback();
    } finally {
      // Its session was changed: not back into the pool.
      conn.destroy();
    }
  });
});

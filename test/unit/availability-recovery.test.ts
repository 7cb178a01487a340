import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { AppointmentRow } from '../../server/src/db/repositories/appointments-repository';
import { AvailabilityRecovery, type AuditedChange } from '../../server/src/services/availability-recovery';
import type { CatalogueSnapshot } from '../../server/src/services/catalogue';

/** Which audited changes void which employee-days (the integration test shows it end to end). */
function recoveryWith(rows: Partial<AppointmentRow>[]) {
  const snap = {
    services: new Map([[1, { id: 1, duration: 60, bufferBefore: 0, bufferAfter: 0 }]]),
    staff: new Map(),
    rules: { timezone: 'UTC', slotInterval: 30, minNoticeMinutes: 0, maxAdvanceDays: 90 },
  } as unknown as CatalogueSnapshot;
  return new AvailabilityRecovery({
    guard: new EventEmitter() as never,
    cache: {} as never,
    catalogue: { snapshot: async () => snap } as never,
    audit: { since: async () => [] },
    appointments: {
      byIdsOrReferences: async (ids: number[], refs: string[]) => rows.filter((r) => ids.includes(Number(r.id)) || refs.includes(String(r.strong_id))) as AppointmentRow[],
    },
    metrics: {} as never,
    logger: { info() {}, warn() {} },
    cacheTtlSeconds: 30,
  });
}
const change = (entity: string, entity_id: string | null, action = 'x', details: unknown = null): AuditedChange => ({ entity, entity_id, action, details: details ? JSON.stringify(details) : null });
const row = (id: number, ref: string, at: string, emp: number, end?: string): Partial<AppointmentRow> => ({ id, strong_id: ref, appointment_date: at, end_date: end ?? null, employee_id: emp, service_id: 1, buffer_before: 0, buffer_after: 0 });

describe('AvailabilityRecovery.changedDays', () => {
  it('voids the days an appointment touches, found by id or by reference', async () => {
    const r = recoveryWith([row(7, 'APT-2030-000007', '2030-01-10 09:00:00', 2), row(8, 'APT-2030-000008', '2030-01-11 23:30:00', 3, '2030-01-12 00:30:00')]);
    const { catalogue, days } = await r.changedDays([change('appointment', '7', 'appointment.booked'), change('appointment', 'APT-2030-000008', 'appointment.cancel')]);
    expect(catalogue).toBe(false);
    expect(days.sort()).toEqual([
      ['2030-01-10', 2],
      ['2030-01-11', 3],
      ['2030-01-12', 3], // its busy time runs past midnight
    ]);
  });

  it('a reschedule also voids the days of the time it left, for the employee it left', async () => {
    const r = recoveryWith([row(9, 'APT-2030-000009', '2030-02-01 10:00:00', 4)]);
    const { days } = await r.changedDays([change('appointment', '9', 'appointment.rescheduled', { from: '2030-01-20 15:00:00', fromEmployeeId: 5, to: '2030-02-01 10:00:00', employeeId: 4 })]);
    expect(days.sort()).toEqual([
      ['2030-01-20', 5],
      ['2030-02-01', 4],
    ]);
  });

  it('a forced unlock changes no cached day; nothing at all needs no query', async () => {
    expect(await recoveryWith([]).changedDays([change('slot_lock', '2030-01-01 09:00 emp1', 'lock.force_release')])).toEqual({ catalogue: false, days: [] });
    expect(await recoveryWith([]).changedDays([])).toEqual({ catalogue: false, days: [] });
    // Webhooks (CONTRACT §12) are not part of any cached day.
    expect(await recoveryWith([]).changedDays([change('webhook', '3', 'create')])).toEqual({ catalogue: false, days: [] });
  });

  it('any catalogue change, or an entry it does not know, voids the whole catalogue', async () => {
    for (const entity of ['service', 'staff', 'time_off', 'blackout_date', 'settings', 'something_new']) {
      expect((await recoveryWith([]).changedDays([change('appointment', '1'), change(entity, '3')])).catalogue, entity).toBe(true);
    }
    expect((await recoveryWith([]).changedDays([change('appointment', null)])).catalogue).toBe(true);
    expect((await recoveryWith([]).changedDays([change('appointment', '1', 'appointment.rescheduled', { from: 'garbage' })])).catalogue).toBe(true);
  });
});

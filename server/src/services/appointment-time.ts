import type { AppointmentRow } from '../db/repositories/appointments-repository';
import type { SlotEventHub } from '../realtime/events';
import { busyBlockOf } from '../domain/busy-blocks';
import type { AvailabilityService } from './availability';
import type { CatalogueSnapshot } from './catalogue';
import { localInstant, minutesOf, wallClock } from '../domain/time';
import { weekdayNameOf } from '../domain/weekdays';

/**
 * What happens to an appointment's time when it stops holding it (a
 * cancellation by the customer or an admin, a reschedule away): the cached
 * days it touches are recomputed and subscribers hear `slot_released`. One
 * place, so the three paths cannot drift apart.
 */

/** Every local date an appointment's busy time (buffers included) reaches: those days' plans hold it. */
export function datesTouchedBy(row: AppointmentRow, snap: CatalogueSnapshot): string[] {
  const zone = snap.rules.timezone;
  const block = busyBlockOf(row, snap, zone);
  return [...new Set([wallClock(block.from, zone).date, row.appointment_date.slice(0, 10), wallClock(block.to - 1, zone).date])];
}

/**
 * The grid cells of the appointment's day that its busy time touches, laid
 * out as the slot grid lays them (from each working window's start; the
 * whole day when the employee no longer works that day) — the cells its lock
 * held, for the event's `times`.
 */
export function cellsOfAppointment(row: AppointmentRow, snap: CatalogueSnapshot): string[] {
  const zone = snap.rules.timezone;
  const interval = snap.rules.slotInterval;
  const date = row.appointment_date.slice(0, 10);
  const { from, to } = busyBlockOf(row, snap, zone);
  const employee = row.employee_id == null ? undefined : snap.staff.get(Number(row.employee_id));
  const windows = employee?.workingHours[weekdayNameOf(date)] ?? [];
  const spans = windows.length ? windows : [{ start: '00:00', end: '23:59' }];
  const out: string[] = [];
  for (const w of spans) {
    for (let m = minutesOf(w.start); m < minutesOf(w.end); m += interval) {
      const at = localInstant(date, m, zone);
      if (at !== null && at < to && at + interval * 60_000 > from) out.push(wallClock(at, zone).time);
    }
  }
  return out;
}

export async function invalidateDaysOf(availability: AvailabilityService, row: AppointmentRow, snap: CatalogueSnapshot): Promise<void> {
  if (row.employee_id == null) return;
  await Promise.all(datesTouchedBy(row, snap).map((d) => availability.invalidateDay(d, Number(row.employee_id))));
}

/** The time of `row` (as it was stored before the change) is free again. */
export async function releaseAppointmentTime(
  deps: { availability: AvailabilityService; hub: SlotEventHub },
  row: AppointmentRow,
  snap: CatalogueSnapshot,
  reason: 'cancelled' | 'rescheduled',
): Promise<void> {
  if (row.employee_id == null) return;
  await invalidateDaysOf(deps.availability, row, snap);
  deps.hub.publish({
    type: 'slot_released',
    reason,
    date: row.appointment_date.slice(0, 10),
    time: row.appointment_date.slice(11, 16),
    times: cellsOfAppointment(row, snap),
    employeeId: Number(row.employee_id),
    serviceId: row.service_id == null ? undefined : Number(row.service_id),
  });
}

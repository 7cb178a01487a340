import type { AppointmentRow } from '../db/repositories/appointments-repository';
import type { CatalogueSnapshot } from './catalogue';
import { isoUtc, localDateTimeInstant, wallClock } from './time';

/** An appointment as CONTRACT §6 shows it to its customer. */
export interface AppointmentView {
  id: number;
  reference: string;
  date: string;
  time: string;
  endTime: string;
  start: string;
  end: string;
  employeeId: number | null;
  serviceId: number | null;
  status: string;
  name: string;
  email: string;
}

/** Start and end instants; rows without a stored end (AppointEase's) take the service's duration. */
export function appointmentInstants(row: AppointmentRow, snap: CatalogueSnapshot): { start: number; end: number } {
  const zone = snap.rules.timezone;
  const start = localDateTimeInstant(row.appointment_date, zone);
  const service = row.service_id == null ? undefined : snap.services.get(Number(row.service_id));
  const end = row.end_date ? localDateTimeInstant(row.end_date, zone) : start + (service?.duration ?? snap.rules.slotInterval) * 60_000;
  return { start, end };
}

export function appointmentView(row: AppointmentRow, snap: CatalogueSnapshot): AppointmentView {
  const zone = snap.rules.timezone;
  const { start, end } = appointmentInstants(row, snap);
  const local = wallClock(start, zone);
  return {
    id: Number(row.id),
    reference: String(row.strong_id ?? ''),
    date: local.date,
    time: local.time,
    endTime: wallClock(end, zone).time,
    start: isoUtc(start),
    end: isoUtc(end),
    employeeId: row.employee_id == null ? null : Number(row.employee_id),
    serviceId: row.service_id == null ? null : Number(row.service_id),
    status: String(row.status ?? 'confirmed'),
    name: String(row.name ?? ''),
    email: String(row.email ?? ''),
  };
}

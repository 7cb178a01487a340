import type { BusyBlock, ServiceShape } from './slot-grid';
import { localDateTimeInstant } from './time';

const MINUTE = 60_000;

/** What a stored appointment says about its time (the columns of AppointEase's appointments table). */
export interface StoredAppointmentTime {
  /** Local 'YYYY-MM-DD HH:MM:SS' in the business zone. */
  appointment_date: string;
  end_date: string | null;
  service_id: number | null;
  buffer_before: number | null;
  buffer_after: number | null;
}

/** The catalogue as far as a busy block needs it. */
export interface ServiceDurations {
  services: ReadonlyMap<number, ServiceShape>;
  rules: { slotInterval: number };
}

/**
 * The busy time of a stored appointment; rows without an end (AppointEase's)
 * take the service's duration, rows without buffers the service's.
 */
export function busyBlockOf(row: StoredAppointmentTime, catalogue: ServiceDurations, zone: string): BusyBlock {
  const service = row.service_id == null ? undefined : catalogue.services.get(Number(row.service_id));
  const start = localDateTimeInstant(row.appointment_date, zone);
  const end = row.end_date ? localDateTimeInstant(row.end_date, zone) : start + (service?.duration ?? catalogue.rules.slotInterval) * MINUTE;
  const before = row.buffer_before ?? service?.bufferBefore ?? 0;
  const after = row.buffer_after ?? service?.bufferAfter ?? 0;
  return { start, end, from: start - before * MINUTE, to: end + after * MINUTE };
}

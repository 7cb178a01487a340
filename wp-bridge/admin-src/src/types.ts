// Shapes of the sidecar's admin API (CONTRACT §7), as far as these pages use them.

export interface Lock {
  date: string;
  time: string;
  times: string[];
  /** When the held service ends (HH:MM); absent on live-feed events. */
  endTime?: string | null;
  employeeId: number;
  serviceId: number;
  owner: string;
  expiresAt: string;
  ttlSeconds: number;
  store: 'redis' | 'mysql';
}

export interface Service {
  id: number;
  name: string;
  description?: string | null;
  duration: number;
  price: number | string;
  bufferBefore?: number;
  bufferAfter?: number;
  active?: boolean;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export type WorkingHours = Partial<Record<Weekday, Array<{ start: string; end: string }>>>;

export interface Staff {
  id: number;
  name: string;
  email: string;
  phone?: string | null;
  serviceIds: number[];
  workingHours: WorkingHours;
  active?: boolean;
}

export interface Appointment {
  id: number;
  /** Null for rows the original AppointEase plugin stored without one; those are addressed by id. */
  reference: string | null;
  date: string;
  time: string;
  endTime?: string;
  employeeId: number | null;
  employeeName?: string | null;
  serviceId: number | null;
  serviceName?: string | null;
  status: string;
  name: string;
  email: string;
  phone?: string | null;
  notes?: string | null;
  createdAt?: string | null;
}

/** What an administrator may set an appointment to (PUT /admin/appointments/{reference}). */
export type AppointmentStatus = 'confirmed' | 'pending' | 'completed' | 'cancelled' | 'no-show';

export interface TimeOff {
  id: number;
  staffId?: number;
  startDate: string;
  endDate: string;
  reason?: string | null;
}

export interface BusinessSettings {
  timezone: string;
  slotInterval: number;
  minNoticeMinutes: number;
  maxAdvanceDays: number;
  maxBookingsPerCustomer: number;
}

/** Slot events of CONTRACT §8, as an admin socket receives them. */
export interface SlotEvent {
  type: 'slot_locked' | 'slot_unlocked' | 'slot_booked' | 'slot_released';
  date: string;
  time: string;
  times: string[];
  employeeId: number;
  ts: number;
  reason?: string;
  owner?: string;
  expiresAt?: string;
}

// Shapes of the sidecar's answers (CONTRACT §3–§6), only the fields the widget reads.
export interface Service {
  id: number;
  name: string;
  description?: string | null;
  duration: number;
  price?: number | string | null;
  bufferBefore?: number;
  bufferAfter?: number;
}
export interface StaffMember {
  id: number;
  name: string;
}
export interface Settings {
  timezone: string;
  slotInterval: number;
  minNoticeMinutes?: number;
  maxAdvanceDays: number;
  lockTtlSeconds?: number;
}
export type SlotStatus = 'available' | 'locked' | 'booked' | 'unavailable';
export interface Slot {
  time: string;
  start: string;
  status: SlotStatus;
}
export interface DayAvailability {
  date: string;
  employeeId: number;
  serviceId: number;
  timezone: string;
  slots: Slot[];
  unavailable?: string[];
  reason?: string;
}
export interface MonthDay {
  date: string;
  available: number;
}
export interface Hold {
  lockToken: string;
  date: string;
  time: string;
  times: string[];
  employeeId: number;
  serviceId: number;
  expiresAt: string;
  ttlSeconds: number;
  /** UTC start of the held slot, copied from the availability answer (the lock answer lacks it). */
  start?: string;
}
export interface Session {
  sessionToken: string;
  email: string;
  expiresAt: string;
}
export interface Appointment {
  id: number;
  reference: string;
  date: string;
  time: string;
  endTime: string;
  start: string;
  end: string;
  employeeId: number;
  serviceId: number;
  status: string;
  name: string;
  email: string;
}
export interface SlotEvent {
  type: 'slot_locked' | 'slot_unlocked' | 'slot_booked' | 'slot_released';
  date: string;
  time: string;
  times: string[];
  employeeId: number;
  ts?: number;
  reason?: string;
}

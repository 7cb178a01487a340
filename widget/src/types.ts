// Shapes of the sidecar's answers (CONTRACT §3–§6), only the fields the widget reads.
// The hold, the appointment and the slot event are the server's own definitions
// (server/src/contract.ts), imported as types only: the bundle gains nothing.
import type { AppointmentView, Hold as GrantedHold, PublicSlotEvent } from '../../server/src/contract';

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
export type Hold = GrantedHold & {
  /** UTC start of the held slot, copied from the availability answer (the lock answer lacks it). */
  start?: string;
};
export interface Session {
  sessionToken: string;
  email: string;
  expiresAt: string;
}
export type Appointment = AppointmentView;
export type SlotEvent = PublicSlotEvent;

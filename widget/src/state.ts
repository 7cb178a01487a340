import type { Appointment, Hold } from './types';

export type Step = 'service' | 'employee' | 'date' | 'details' | 'verify' | 'reschedule' | 'success' | 'manage';

export interface Details {
  name: string;
  email: string;
  phone: string;
  notes: string;
}

export type EmployeeChoice = number | 'any';

export interface FlowState {
  step: Step;
  serviceId: number | null;
  employee: EmployeeChoice | null;
  /** Steps that were decided for the visitor (by attribute or a single choice) and are skipped going back. */
  skipService: boolean;
  skipEmployee: boolean;
  date: string | null;
  hold: Hold | null;
  /** Local clock time the hold ends; from `ttlSeconds` so a wrong visitor clock cannot shorten it. */
  holdEndsAt: number | null;
  details: Details;
  /** Whether the verify step asks for a code (false when a session for this email exists). */
  needsCode: boolean;
  /** One key per hold and details: a retried confirm is the same request to the server. */
  idempotencyKey: string | null;
  appointment: Appointment | null;
  /** The booking being moved, while rescheduling. */
  moving: Appointment | null;
  /** The lock a booking or move consumed: it must not be released afterwards. */
  consumedLock: string | null;
  /** What the page itself decided (attribute or single choice): "start over" comes back here. */
  home: { serviceId: number | null; employee: EmployeeChoice | null };
}

export type Action =
  | { type: 'chooseService'; serviceId: number; skipService: boolean; onlyEmployee: number | null }
  | { type: 'chooseEmployee'; employee: EmployeeChoice }
  | { type: 'chooseDate'; date: string }
  | { type: 'held'; hold: Hold; now: number }
  | { type: 'detailsDone'; details: Details; needsCode: boolean; idempotencyKey: string }
  | { type: 'needCode' }
  | { type: 'booked'; appointment: Appointment }
  | { type: 'holdLost' }
  | { type: 'back' }
  | { type: 'openManage' }
  | { type: 'reschedule'; appointment: Appointment }
  | { type: 'restart' };

export const emptyDetails: Details = { name: '', email: '', phone: '', notes: '' };

/** Where the widget opens: the booking flow, or (`view="manage"`) the manage view with an address filled in. */
export interface FlowStart {
  manage?: boolean;
  email?: string | null;
}

export function initialState(start: FlowStart = {}): FlowState {
  return {
    step: start.manage ? 'manage' : 'service',
    serviceId: null,
    employee: null,
    skipService: false,
    skipEmployee: false,
    date: null,
    hold: null,
    holdEndsAt: null,
    details: start.email ? { ...emptyDetails, email: start.email } : emptyDetails,
    needsCode: true,
    idempotencyKey: null,
    appointment: null,
    moving: null,
    consumedLock: null,
    home: { serviceId: null, employee: null },
  };
}

/** Where "Back" goes from the date step: the last step the visitor actually chose on. */
function beforeDate(s: FlowState): FlowState {
  if (s.moving) return { ...s, step: 'manage', moving: null, date: null };
  if (!s.skipEmployee) return { ...s, step: 'employee', date: null };
  if (!s.skipService) return { ...s, step: 'service', employee: null, date: null };
  return s;
}

export function reducer(s: FlowState, a: Action): FlowState {
  switch (a.type) {
    case 'chooseService': {
      const home = {
        serviceId: a.skipService ? a.serviceId : null,
        employee: a.skipService ? a.onlyEmployee : null,
      };
      const base = { ...s, serviceId: a.serviceId, skipService: a.skipService, date: null, home };
      // Opened on the manage view: the page's own choice is remembered for "Back", the view stays.
      if (s.step === 'manage' && a.skipService) {
        return { ...base, employee: a.onlyEmployee, skipEmployee: a.onlyEmployee !== null, step: 'manage' };
      }
      return a.onlyEmployee !== null
        ? { ...base, employee: a.onlyEmployee, skipEmployee: true, step: 'date' }
        : { ...base, employee: null, skipEmployee: false, step: 'employee' };
    }
    case 'chooseEmployee':
      return { ...s, employee: a.employee, step: 'date', date: null };
    case 'chooseDate':
      return { ...s, date: a.date };
    case 'held':
      return {
        ...s,
        hold: a.hold,
        holdEndsAt: a.now + a.hold.ttlSeconds * 1000,
        date: a.hold.date,
        step: s.moving ? 'reschedule' : 'details',
        consumedLock: null,
      };
    case 'detailsDone':
      return { ...s, details: a.details, needsCode: a.needsCode, idempotencyKey: a.idempotencyKey, step: 'verify' };
    case 'needCode':
      return { ...s, needsCode: true };
    case 'booked':
      return {
        ...s,
        appointment: a.appointment,
        consumedLock: s.hold?.lockToken ?? null,
        hold: null,
        holdEndsAt: null,
        step: 'success',
      };
    case 'holdLost':
      return { ...s, hold: null, holdEndsAt: null, step: 'date' };
    case 'back':
      switch (s.step) {
        case 'employee':
          return s.skipService ? s : { ...s, step: 'service', employee: null };
        case 'date':
          return beforeDate(s);
        case 'details':
        case 'reschedule':
          return { ...s, hold: null, holdEndsAt: null, step: 'date' };
        case 'verify':
          return { ...s, step: 'details' };
        case 'manage':
          return reducer(s, { type: 'restart' });
        default:
          return s;
      }
    case 'openManage':
      return { ...s, hold: null, holdEndsAt: null, moving: null, step: 'manage' };
    case 'reschedule':
      return {
        ...s,
        moving: a.appointment,
        serviceId: a.appointment.serviceId,
        employee: a.appointment.employeeId,
        date: a.appointment.date,
        step: 'date',
      };
    case 'restart': {
      // Keep what the page fixed (attribute or a single choice) and the typed details, forget the rest.
      const { serviceId, employee } = s.home;
      return {
        ...initialState(),
        home: s.home,
        details: s.details,
        serviceId,
        employee,
        skipService: serviceId !== null,
        skipEmployee: employee !== null,
        step: serviceId === null ? 'service' : employee === null ? 'employee' : 'date',
      };
    }
  }
}

/** True when leaving `prev` for `next` abandons a hold that must be given back. */
export function holdToRelease(prev: FlowState, next: FlowState): Hold | null {
  const h = prev.hold;
  if (!h || next.hold?.lockToken === h.lockToken) return null;
  if (next.consumedLock === h.lockToken) return null;
  return h;
}

import { describe, expect, it } from 'vitest';
import { holdToRelease, initialState, reducer, type Action, type FlowState } from '../src/state';
import type { Appointment, Hold } from '../src/types';

const hold: Hold = {
  lockToken: 'tok-1', date: '2025-10-28', time: '09:00', times: ['09:00'], employeeId: 2, serviceId: 1,
  expiresAt: '2025-10-28T07:10:00Z', ttlSeconds: 600,
};
const appt = { reference: 'APT-2025-000001', serviceId: 3, employeeId: 4, date: '2025-11-02' } as Appointment;
const details = { name: 'Ada', email: 'ada@example.com', phone: '', notes: '' };

const run = (actions: Action[], from: FlowState = initialState()) => actions.reduce(reducer, from);

describe('flow reducer', () => {
  it('visitor picks service, then employee, then a time', () => {
    let s = run([{ type: 'chooseService', serviceId: 1, skipService: false, onlyEmployee: null }]);
    expect(s.step).toBe('employee');
    s = reducer(s, { type: 'chooseEmployee', employee: 'any' });
    expect([s.step, s.employee]).toEqual(['date', 'any']);
    s = reducer(s, { type: 'held', hold, now: 1000 });
    expect(s.step).toBe('details');
    // The countdown runs on the local clock from the TTL, not the server's expiresAt.
    expect(s.holdEndsAt).toBe(1000 + 600_000);
  });

  it('a single employee skips the employee step, and Back skips it too', () => {
    let s = run([{ type: 'chooseService', serviceId: 1, skipService: false, onlyEmployee: 7 }]);
    expect([s.step, s.employee]).toEqual(['date', 7]);
    s = reducer(s, { type: 'back' });
    expect(s.step).toBe('service');
  });

  it('service and employee fixed by the page: no way back past the date step', () => {
    const s = run([{ type: 'chooseService', serviceId: 1, skipService: true, onlyEmployee: 2 }]);
    expect(s.step).toBe('date');
    expect(reducer(s, { type: 'back' })).toBe(s);
  });

  it('back from details gives the hold up; back from verify keeps it', () => {
    const base = run([
      { type: 'chooseService', serviceId: 1, skipService: true, onlyEmployee: 2 },
      { type: 'held', hold, now: 0 },
      { type: 'detailsDone', details, needsCode: true, idempotencyKey: 'k1' },
    ]);
    expect(base.step).toBe('verify');
    const toDetails = reducer(base, { type: 'back' });
    expect(toDetails.step).toBe('details');
    expect(toDetails.hold).toBe(hold);
    expect(holdToRelease(base, toDetails)).toBeNull();
    const toDate = reducer(toDetails, { type: 'back' });
    expect(toDate.step).toBe('date');
    expect(toDate.date).toBe('2025-10-28');
    expect(holdToRelease(toDetails, toDate)).toBe(hold);
  });

  it('a booking consumes the hold: nothing to release', () => {
    const verify = run([
      { type: 'chooseService', serviceId: 1, skipService: true, onlyEmployee: 2 },
      { type: 'held', hold, now: 0 },
      { type: 'detailsDone', details, needsCode: false, idempotencyKey: 'k1' },
    ]);
    const done = reducer(verify, { type: 'booked', appointment: appt });
    expect(done.step).toBe('success');
    expect(done.hold).toBeNull();
    expect(holdToRelease(verify, done)).toBeNull();
  });

  it('opening "manage" while holding releases the hold', () => {
    const held = run([{ type: 'chooseService', serviceId: 1, skipService: true, onlyEmployee: 2 }, { type: 'held', hold, now: 0 }]);
    const m = reducer(held, { type: 'openManage' });
    expect(m.step).toBe('manage');
    expect(holdToRelease(held, m)).toBe(hold);
  });

  it('reschedule runs the date flow for the booking, ends on the reschedule step, back returns to manage', () => {
    const m = run([{ type: 'chooseService', serviceId: 1, skipService: true, onlyEmployee: 2 }, { type: 'openManage' }]);
    const r = reducer(m, { type: 'reschedule', appointment: appt });
    expect([r.step, r.serviceId, r.employee, r.date]).toEqual(['date', 3, 4, '2025-11-02']);
    expect(reducer(r, { type: 'held', hold, now: 0 }).step).toBe('reschedule');
    const back = reducer(r, { type: 'back' });
    expect([back.step, back.moving]).toEqual(['manage', null]);
    // Starting over returns to what the page fixed, not the moved booking's service.
    const again = reducer(back, { type: 'back' });
    expect([again.step, again.serviceId, again.employee]).toEqual(['date', 1, 2]);
  });

  it('restart keeps typed details but forgets the hold and appointment', () => {
    const s = run([
      { type: 'chooseService', serviceId: 1, skipService: false, onlyEmployee: null },
      { type: 'chooseEmployee', employee: 5 },
      { type: 'held', hold, now: 0 },
      { type: 'detailsDone', details, needsCode: true, idempotencyKey: 'k' },
      { type: 'booked', appointment: appt },
      { type: 'restart' },
    ]);
    expect([s.step, s.serviceId, s.employee, s.appointment, s.hold]).toEqual(['service', null, null, null, null]);
    expect(s.details).toEqual(details);
  });

  it('a lost hold returns to the date step', () => {
    const s = run([{ type: 'chooseService', serviceId: 1, skipService: true, onlyEmployee: 2 }, { type: 'held', hold, now: 0 }, { type: 'holdLost' }]);
    expect([s.step, s.hold, s.date]).toEqual(['date', null, '2025-10-28']);
  });

  it('opened on the manage view (the mails\' link): the address is filled in, the page\'s automatic choice keeps the view, Back goes to booking', () => {
    let s = initialState({ manage: true, email: 'zoe@example.com' });
    expect([s.step, s.details.email]).toEqual(['manage', 'zoe@example.com']);
    s = reducer(s, { type: 'chooseService', serviceId: 1, skipService: true, onlyEmployee: 2 });
    expect([s.step, s.serviceId, s.employee]).toEqual(['manage', 1, 2]);
    s = reducer(s, { type: 'back' });
    expect([s.step, s.serviceId, s.employee, s.details.email]).toEqual(['date', 1, 2, 'zoe@example.com']);
  });
});

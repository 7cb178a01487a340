import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { busyIntervalsFromIcs } from '../../server/src/calendar/busy-time';
import { BusyCalendarWorker } from '../../server/src/calendar/busy-worker';
import { CalendarError } from '../../server/src/calendar/calendar-error';
import { syntheticCalendar } from '../bench/support/synthetic-calendar';

const google = readFileSync(new URL('../fixtures/ics/google-export.ics', import.meta.url), 'utf8');
const horizon = { from: Date.parse('2025-09-28T22:00:00Z'), to: Date.parse('2025-11-09T23:00:00Z'), zone: 'Europe/Berlin' };
const endless = ['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:x', 'DTSTART:20250101T080000Z', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

const workers: BusyCalendarWorker[] = [];
const worker = (opts?: ConstructorParameters<typeof BusyCalendarWorker>[0]) => {
  const w = new BusyCalendarWorker(opts);
  workers.push(w);
  return w;
};
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('BusyCalendarWorker', () => {
  it('gives the same answer as the parser on the server thread, for jobs queued together', async () => {
    const w = worker();
    const [a, b] = await Promise.all([w.parse(google, horizon), w.parse(google, { ...horizon, zone: 'America/New_York' })]);
    expect(a).toEqual(busyIntervalsFromIcs(google, horizon));
    expect(b).toEqual(busyIntervalsFromIcs(google, { ...horizon, zone: 'America/New_York' }));
  });

  it("passes the parser's typed errors through", async () => {
    const e = await rejection(worker().parse('<html>', horizon));
    expect(e).toBeInstanceOf(CalendarError);
    expect((e as CalendarError).code).toBe('malformed');
  });

  it('terminates a job past its hard timeout, and the next job gets a fresh thread', async () => {
    const w = worker({ hardTimeoutMs: 3_000 });
    // The parser's own budgets are set out of reach, so only the hard timeout can stop this.
    const stuck = w.parse(endless, { ...horizon, limits: { maxRecurrenceSteps: Number.MAX_SAFE_INTEGER, maxMillis: 3_600_000 } });
    const after = w.parse(google, horizon);
    const e = await rejection(stuck);
    expect((e as CalendarError).code).toBe('timeout');
    expect((await after).intervals).toHaveLength(12);
  });

  it('a job that needs more heap than allowed fails as too_large without taking the process down', async () => {
    const w = worker({ maxHeapMb: 16 });
    const big = syntheticCalendar(20_000, Date.now()).text;
    const e = await rejection(w.parse(big, { from: Date.now(), to: Date.now() + 365 * 86_400_000, zone: 'Europe/Berlin' }));
    expect((e as CalendarError).code).toBe('too_large');
    expect(e.message).toMatch(/memory/);
    expect((await w.parse(google, horizon)).intervals).toHaveLength(12);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALENDAR_SYNC_JOB } from '../../server/src/services/calendar-sync';
import { everyDay, seedCatalogue } from '../helpers/catalogue';
import { startIcsServer, shiftedFixture, type IcsServer } from '../helpers/ics-server';
import { startSidecarPair, type SidecarPair } from '../helpers/sidecar';

/** CONTRACT §13: busy calendars are fetched by one instance at a time, with Redis or without (a MySQL lease). */
describe.each([
  ['with Redis', 'true'],
  ['on MySQL alone (REDIS_ENABLED=false)', 'false'],
])('calendar sync, two instances %s', (_name, redisEnabled) => {
  let pair: SidecarPair;
  let ics: IcsServer;
  let emp: number;

  beforeAll(async () => {
    ics = await startIcsServer();
    ics.bodies.set('/google.ics', shiftedFixture('google-export.ics', 7 * 70));
    ics.bodies.set('/outlook.ics', shiftedFixture('outlook-export.ics', 7 * 70));
    pair = await startSidecarPair({ OUTBOUND_ALLOW_PRIVATE: 'true', CALENDAR_SYNC_SECONDS: '3600', REDIS_ENABLED: redisEnabled });
    const ids = await seedCatalogue(pair.db.pool, {
      services: [{ duration: 30 }],
      staff: [{ hours: everyDay(['09:00', '17:00']) }],
      settings: { timezone: 'Europe/Berlin' },
    });
    [emp] = ids.staffIds as [number];
    // Written as the admin API would, but without its early run, so the test decides when runs happen.
    await pair.db.pool.query(
      'INSERT INTO wp_appointease_busy_calendars (employee_id, position, url, created_at) VALUES (?, 0, ?, UTC_TIMESTAMP(3)), (?, 1, ?, UTC_TIMESTAMP(3))',
      [emp, `${ics.base}/google.ics`, emp, `${ics.base}/outlook.ics`],
    );
    await pair.a.deps.catalogue.changed();
    await pair.b.deps.catalogue.changed();
    // As traffic would: each instance's catalogue (the sync's "anything to do?") is loaded again.
    await pair.a.deps.catalogue.snapshot();
    await pair.b.deps.catalogue.snapshot();
  }, 60_000);
  afterAll(async () => {
    await pair?.stop();
    await ics?.close();
  });

  it('only one instance fetches per period', async () => {
    // Both instances' own timers may already have run once: wait for them, then count from here.
    await Promise.all([pair.a.deps.calendarSync.tick(), pair.b.deps.calendarSync.tick()]);
    for (let period = 0; period < 3; period++) {
      await pair.a.deps.repos.busyCalendars.requestRun(CALENDAR_SYNC_JOB);
      const before = ics.hits.get('/google.ics') ?? 0;
      const ran = await Promise.all([pair.a.deps.calendarSync.tick(), pair.b.deps.calendarSync.tick(), pair.a.deps.calendarSync.tick(), pair.b.deps.calendarSync.tick()]);
      expect(ran.filter(Boolean).length).toBeGreaterThanOrEqual(1);
      // Within the period: nobody runs again.
      expect(await Promise.all([pair.a.deps.calendarSync.tick(), pair.b.deps.calendarSync.tick()])).toEqual([false, false]);
      expect((ics.hits.get('/google.ics') ?? 0) - before).toBe(1);
    }
    const [cals] = await pair.db.pool.query<any[]>('SELECT last_sync_at, last_error_code FROM wp_appointease_busy_calendars');
    expect(cals.every((c) => c.last_sync_at && !c.last_error_code)).toBe(true);
  });
});

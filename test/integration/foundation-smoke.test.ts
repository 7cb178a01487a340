import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyDay, daysFromNow, seedCatalogue } from '../helpers/catalogue';
import { startSidecar, type TestSidecar } from '../helpers/sidecar';

describe('sidecar foundation (real MariaDB + Redis)', () => {
  let s: TestSidecar;
  let ids: { serviceIds: number[]; staffIds: number[] };

  beforeAll(async () => {
    s = await startSidecar();
    ids = await seedCatalogue(s.db.pool, {
      services: [{ name: 'Cut', duration: 60 }],
      staff: [{ name: 'Ana', hours: everyDay(['09:00', '12:00'], ['13:00', '17:00']) }],
      settings: { timezone: 'UTC', minNoticeMinutes: 0 },
    });
  });
  afterAll(() => s?.stop());

  it('reports health with MySQL and Redis connected', async () => {
    const res = await s.api('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', mysql: 'connected', redis: 'connected', websocket: { clients: 0 } });
  });

  it('lists a day of slots inside the working windows, lunch excluded', async () => {
    const date = daysFromNow(2);
    const res = await s.api(`/availability?date=${date}&employeeId=${ids.staffIds[0]}&serviceId=${ids.serviceIds[0]}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.slots.map((x: { time: string }) => x.time)).toEqual([
      '09:00', '09:30', '10:00', '10:30', '11:00', '13:00', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00',
    ]);
    expect(body.slots[0]).toEqual({ time: '09:00', start: `${date}T09:00:00.000Z`, status: 'available' });
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers bad input with the contract error body', async () => {
    const res = await s.api(`/availability?date=2025-02-30&employeeId=1&serviceId=1`);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.details[0].field).toBe('date');
  });
});

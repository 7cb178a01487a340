import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps';
import type { AdminActor } from '../../services/admin-catalogue';
import { minutesOf } from '../../domain/time';
import { fields, parse } from '../validate';
import { WEEKDAYS, type WeeklyHours } from '../../domain/weekdays';

export const actorOf = (req: Request): AdminActor => ({ actor: `admin:${req.admin!.userId}`, ip: req.clientIp });

const MAX_MINUTES_A_DAY = 24 * 60;
const whole = (min: number, max: number) =>
  z.number({ error: 'expected a number' }).int('expected a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

const serviceFields = {
  name: z.string({ error: 'expected text' }).trim().min(1, 'required').max(255, 'at most 255 characters'),
  description: z
    .string({ error: 'expected text' })
    .max(5_000, 'at most 5000 characters')
    .nullable()
    .transform((v) => v ?? ''),
  duration: whole(1, MAX_MINUTES_A_DAY),
  // decimal(10,2): cents are kept, anything finer is rounded away.
  price: z
    .number({ error: 'expected a number' })
    .min(0, 'must not be negative')
    .max(99_999_999.99, 'too large')
    .transform((v) => Math.round(v * 100) / 100),
  bufferBefore: whole(0, 240),
  bufferAfter: whole(0, 240),
  active: z.boolean({ error: 'expected true or false' }),
};

const fitsADay = (s: { duration?: number; bufferBefore?: number; bufferAfter?: number }) =>
  (s.duration ?? 0) + (s.bufferBefore ?? 0) + (s.bufferAfter ?? 0) <= MAX_MINUTES_A_DAY;
const dayMessage = { message: 'duration plus buffers must fit into one day (1440 minutes)', path: ['duration'] };

const serviceCreate = z
  .object({
    name: serviceFields.name,
    duration: serviceFields.duration,
    price: serviceFields.price,
    description: serviceFields.description.optional().default(''),
    bufferBefore: serviceFields.bufferBefore.optional().default(0),
    bufferAfter: serviceFields.bufferAfter.optional().default(0),
    active: serviceFields.active.optional().default(true),
  })
  .refine(fitsADay, dayMessage);

const servicePatch = z.object(serviceFields).partial();

const timeWindow = z
  .object({ start: fields.time, end: fields.time }, { error: 'expected {"start":"HH:MM","end":"HH:MM"}' })
  .refine((w) => minutesOf(w.end) > minutesOf(w.start), { message: 'end must be after start', path: ['end'] });

/** A week of windows; a missing (or null, or empty) weekday is a day off. Windows of one day must not overlap. */
const weeklyHours = z
  .object(
    Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(timeWindow).max(12, 'at most 12 windows a day').nullable().optional()])) as Record<
      (typeof WEEKDAYS)[number],
      z.ZodOptional<z.ZodNullable<z.ZodArray<typeof timeWindow>>>
    >,
    { error: 'expected an object keyed by weekday (sun, mon, tue, wed, thu, fri, sat)' },
  )
  .strict()
  .superRefine((week, ctx) => {
    for (const day of WEEKDAYS) {
      const sorted = [...(week[day] ?? [])].sort((a, b) => minutesOf(a.start) - minutesOf(b.start));
      for (let i = 1; i < sorted.length; i++) {
        if (minutesOf(sorted[i]!.start) < minutesOf(sorted[i - 1]!.end)) {
          ctx.addIssue({
            code: 'custom',
            path: [day],
            message: `windows ${sorted[i - 1]!.start}–${sorted[i - 1]!.end} and ${sorted[i]!.start}–${sorted[i]!.end} overlap`,
          });
        }
      }
    }
  })
  .transform((week): WeeklyHours => {
    const out: WeeklyHours = {};
    for (const day of WEEKDAYS) {
      const windows = week[day];
      if (windows?.length) out[day] = [...windows].sort((a, b) => minutesOf(a.start) - minutesOf(b.start)).map((w) => ({ start: w.start, end: w.end }));
    }
    return out;
  });

const staffFields = {
  name: z.string({ error: 'expected text' }).trim().min(1, 'required').max(255, 'at most 255 characters'),
  email: z.string({ error: 'expected text' }).trim().max(100, 'at most 100 characters').pipe(z.email('expected an email address')),
  phone: z
    .string({ error: 'expected text' })
    .trim()
    .max(20, 'at most 20 characters')
    .regex(/^(\+?[0-9][0-9 ()./-]{2,19})?$/, 'expected a phone number (digits, spaces, + ( ) - . /)')
    .nullable()
    .transform((v) => v ?? ''),
  serviceIds: z.array(fields.bodyId, { error: 'expected a list of service ids' }).max(500, 'at most 500 services'),
  workingHours: weeklyHours,
  active: z.boolean({ error: 'expected true or false' }),
  // CONTRACT §13: iCalendar URLs whose events are busy time; the address rule is checked by the service (422).
  busyCalendars: z
    .array(z.string({ error: 'expected a URL' }).trim().min(1, 'required').max(2048, 'at most 2048 characters'), { error: 'expected a list of iCalendar URLs' })
    .max(3, 'at most 3 busy calendars'),
};

const staffCreate = z.object({
  name: staffFields.name,
  email: staffFields.email,
  phone: staffFields.phone.optional().default(''),
  serviceIds: staffFields.serviceIds.optional().default([]),
  workingHours: staffFields.workingHours.optional().default({}),
  active: staffFields.active.optional().default(true),
  busyCalendars: staffFields.busyCalendars.optional().default([]),
});

const staffPatch = z.object(staffFields).partial();

const dateRange = z
  .object({
    startDate: fields.date,
    endDate: fields.date,
    reason: z.string({ error: 'expected text' }).trim().max(255, 'at most 255 characters').nullable().optional(),
  })
  .refine((r) => r.endDate >= r.startDate, { message: 'endDate must not be before startDate', path: ['endDate'] })
  .transform((r) => ({ startDate: r.startDate, endDate: r.endDate, reason: r.reason ?? '' }));

const idParam = z.object({ id: fields.id });
const timeOffParams = z.object({ id: fields.id, timeOffId: fields.id });

/**
 * Catalogue administration (CONTRACT §7): services, staff, time off and
 * blackout dates. Routes parse and respond; the rules live in AdminCatalogue.
 */
export function adminCatalogueRoutes(deps: AppDeps): Router {
  const r = Router();
  const admin = deps.admin.catalogue;

  r.get('/services', async (_req, res) => {
    res.json({ services: await admin.listServices() });
  });
  r.post('/services', async (req, res) => {
    const body = parse(serviceCreate, req.body);
    res.status(201).json({ service: await admin.createService(body, actorOf(req)) });
  });
  r.put('/services/:id', async (req, res) => {
    const { id } = parse(idParam, req.params);
    const patch = parse(servicePatch, req.body);
    res.json({ service: await admin.updateService(id, patch, actorOf(req)) });
  });
  r.delete('/services/:id', async (req, res) => {
    const { id } = parse(idParam, req.params);
    await admin.deleteService(id, actorOf(req));
    res.status(204).end();
  });

  // Every staff record carries its busy calendars' sync record (CONTRACT §13: last sync and error).
  const withSync = async <T extends { id: number }>(members: T[]) => {
    const views = await deps.staffCalendars.syncViews();
    return members.map((m) => ({ ...m, calendarSync: views.get(m.id) ?? [] }));
  };

  r.get('/staff', async (_req, res) => {
    res.json({ staff: await withSync(await admin.listStaff()) });
  });
  r.post('/staff', async (req, res) => {
    const body = parse(staffCreate, req.body);
    const [staff] = await withSync([await admin.createStaff(body, actorOf(req))]);
    res.status(201).json({ staff });
  });
  r.put('/staff/:id', async (req, res) => {
    const { id } = parse(idParam, req.params);
    const patch = parse(staffPatch, req.body);
    const [staff] = await withSync([await admin.updateStaff(id, patch, actorOf(req))]);
    res.json({ staff });
  });
  r.get('/staff/:id/calendar-feed', async (req, res) => {
    const { id } = parse(idParam, req.params);
    res.json({ url: await deps.staffCalendars.feedUrl(id) });
  });
  r.post('/staff/:id/calendar-feed/rotate', async (req, res) => {
    const { id } = parse(idParam, req.params);
    res.json({ url: await deps.staffCalendars.rotateFeed(id, actorOf(req)) });
  });
  // Beside CONTRACT §13 (busy calendars are fetched every CALENDAR_SYNC_SECONDS): an administrator
  // who has just changed a calendar asks for the next run now. It runs on whichever instance takes
  // the period's lease, within seconds; each staff record's calendarSync then shows it.
  r.post('/busy-calendars/sync', async (_req, res) => {
    await deps.calendarSync.requestRun();
    res.status(202).json({ requested: true });
  });
  r.delete('/staff/:id', async (req, res) => {
    const { id } = parse(idParam, req.params);
    await admin.deleteStaff(id, actorOf(req));
    res.status(204).end();
  });

  r.get('/staff/:id/time-off', async (req, res) => {
    const { id } = parse(idParam, req.params);
    res.json({ timeOff: await admin.listTimeOff(id) });
  });
  r.post('/staff/:id/time-off', async (req, res) => {
    const { id } = parse(idParam, req.params);
    const body = parse(dateRange, req.body);
    res.status(201).json({ timeOff: await admin.addTimeOff(id, body, actorOf(req)) });
  });
  r.delete('/staff/:id/time-off/:timeOffId', async (req, res) => {
    const { id, timeOffId } = parse(timeOffParams, req.params);
    await admin.removeTimeOff(id, timeOffId, actorOf(req));
    res.status(204).end();
  });

  r.get('/blackout-dates', async (_req, res) => {
    res.json({ blackoutDates: await admin.listBlackouts() });
  });
  r.post('/blackout-dates', async (req, res) => {
    const body = parse(dateRange, req.body);
    res.status(201).json({ blackoutDate: await admin.addBlackout(body, actorOf(req)) });
  });
  r.delete('/blackout-dates/:id', async (req, res) => {
    const { id } = parse(idParam, req.params);
    await admin.removeBlackout(id, actorOf(req));
    res.status(204).end();
  });

  return r;
}

import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps';
import { isValidZone } from '../../domain/time';
import { MAX_MINUTES_BEFORE, MAX_REMINDERS, MIN_MINUTES_BEFORE } from '../../domain/reminders';
import { parse } from '../validate';
import { actorOf } from './admin-catalogue';

const whole = (min: number, max: number) =>
  z.number({ error: 'expected a number' }).int('expected a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** Every field optional; null drops the override (the time zone then follows WordPress again). */
const settingsPatch = z.object({
  timezone: z
    .string({ error: 'expected text' })
    .trim()
    .max(64, 'at most 64 characters')
    .refine(isValidZone, 'expected an IANA time zone such as Europe/Berlin')
    .nullable()
    .optional(),
  slotInterval: whole(5, 240)
    .refine((v) => 1440 % v === 0, 'must divide a day (1440 minutes) evenly, e.g. 5, 10, 15, 20, 30, 60')
    .nullable()
    .optional(),
  minNoticeMinutes: whole(0, 525_600).nullable().optional(),
  maxAdvanceDays: whole(1, 1_095).nullable().optional(),
  // 0 = unlimited (CONTRACT §11).
  maxBookingsPerCustomer: whole(0, 1_000).nullable().optional(),
  // CONTRACT §12: at most 5 offsets, each 1 minute to 1 week; [] = no reminders; null = back to the default (24 h).
  reminders: z
    .array(z.object({ minutesBefore: whole(MIN_MINUTES_BEFORE, MAX_MINUTES_BEFORE) }, { error: 'expected {"minutesBefore": N}' }), { error: 'expected a list of {"minutesBefore": N}' })
    .max(MAX_REMINDERS, `at most ${MAX_REMINDERS} reminders`)
    .refine((list) => new Set(list.map((r) => r.minutesBefore)).size === list.length, 'each minutesBefore at most once')
    .transform((list) => [...list].sort((a, b) => b.minutesBefore - a.minutesBefore).map((r) => ({ minutesBefore: r.minutesBefore })))
    .nullable()
    .optional(),
});

/** Booking rules (CONTRACT §7): GET shows the effective values and WordPress's zone; PUT overrides. */
export function adminSettingsRoutes(deps: AppDeps): Router {
  const r = Router();
  const settings = deps.admin.settings;

  r.get('/settings', async (_req, res) => {
    res.json(await settings.view());
  });
  r.put('/settings', async (req, res) => {
    const patch = parse(settingsPatch, req.body);
    res.json(await settings.update(patch, actorOf(req)));
  });

  return r;
}

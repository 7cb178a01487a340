import { z } from 'zod';
import { invalid } from '../errors';
import { isValidDate, isValidTime } from '../domain/time';

/** Parses input with a zod schema; failures become 400 invalid_request with per-field details. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  throw invalid(`Invalid ${details[0]!.field}: ${details[0]!.message}`, details);
}

/** Shared field schemas: real calendar dates, 24 h times, positive ids that fit MySQL's mediumint. */
export const fields = {
  date: z.string().refine(isValidDate, 'expected a real date as YYYY-MM-DD'),
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM'),
  time: z.string().refine(isValidTime, 'expected a time as HH:MM (24 h)'),
  id: z.coerce
    .number({ error: 'expected a positive whole number' })
    .int('expected a positive whole number')
    .positive('expected a positive whole number')
    .max(8_388_607, 'too large'),
  /** Ids in JSON bodies must be numbers, not strings. */
  bodyId: z.number({ error: 'expected a positive whole number' }).int('expected a positive whole number').positive('expected a positive whole number').max(8_388_607, 'too large'),
};

import type { PhpValue } from './php-unserialize';
import { isValidTime, minutesOf } from '../domain/time';
import { WEEKDAYS, type WeeklyHours } from '../domain/weekdays';
import { parseOutboundUrl } from '../outbound/outbound-url';
import type { WebhookEventType } from '../webhooks/webhook-event';

/**
 * What the original AppointEase plugin's settings mean for the sidecar. The plugin keeps
 * them in WordPress options (read from its source: Booking_Activator::set_default_options,
 * its settings pages and AppointEase_Config):
 *   appointease_options          working_days, start_time, end_time, lunch_start/lunch_end,
 *                                slot_duration, advance_booking, min_advance, max_bookings,
 *                                rate_limit_* (its per-IP request limit), email and look fields
 *   appointease_email_settings   SMTP, sender, reminders (enable_reminders, reminder_hours)
 *   appointease_atomic_settings  its booking engine's switches
 *   booking_plugin_settings      a fixed list of times and an admin address
 *   appointease_webhook_url      one webhook for new bookings
 *   appointease_redis_*          its Redis connection
 * Each value either maps to one of our settings (or to the default hours of staff that
 * have none), or is listed with the reason it has no counterpart. Pure: no I/O.
 */
/** Options that are one plain value each, none of which the sidecar takes over. */
const PLAIN_VALUE_OPTIONS = [
  'appointease_webhook_url',
  'appointease_redis_host',
  'appointease_redis_port',
  'appointease_redis_password',
  'appointease_redis_database',
  'appointease_redis_timeout',
] as const;

export const PLUGIN_OPTION_NAMES = ['appointease_options', 'appointease_email_settings', 'appointease_atomic_settings', 'booking_plugin_settings', ...PLAIN_VALUE_OPTIONS] as const;

export type CarriedSetting = 'slotInterval' | 'maxAdvanceDays' | 'minNoticeMinutes';

/** CONTRACT §12's reminders setting, as the carry-over writes it. */
export type CarriedReminders = { minutesBefore: number }[];

/** Our setting, its value, and where it came from ("appointease_options.slot_duration = 60"). */
export type CarriedValue = { key: CarriedSetting; value: number; from: string } | { key: 'reminders'; value: CarriedReminders; from: string };

/** The plugin's webhook as one of ours (CONTRACT §12): its URL, the one event it sent. */
export interface CarriedWebhook {
  url: string;
  events: WebhookEventType[];
  from: string;
}

export interface PluginMapping {
  settings: CarriedValue[];
  /** The business's days and hours: the default weekly hours of staff that have none. */
  hours: { hours: WeeklyHours; from: string } | null;
  /** appointease_webhook_url, when it is an http(s) URL. */
  webhooks: CarriedWebhook[];
  /** Values that were not carried over, each with why (no counterpart, or not a valid value). */
  notCarried: { from: string; why: string }[];
}

/** Options whose values may be secrets: never printed, only named. */
const SECRET_FIELDS = new Set(['appointease_email_settings.smtp_password', 'appointease_redis_password']);

/** The plugin's own defaults, which apply when a key is absent from appointease_options. */
const PLUGIN_DEFAULTS = { working_days: ['1', '2', '3', '4', '5'], start_time: '09:00', end_time: '17:00', slot_duration: 60, advance_booking: 30 };

function shown(from: string, value: PhpValue | undefined): string {
  if (SECRET_FIELDS.has(from)) return `${from} (set, not shown)`;
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value ?? null);
  return `${from} = ${text.length > 80 ? `${text.slice(0, 77)}…` : text}`;
}

function whole(value: PhpValue | undefined): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) ? n : null;
}

function time(value: PhpValue | undefined): string | null {
  if (typeof value !== 'string') return null;
  const t = value.trim().slice(0, 5);
  return isValidTime(t) ? t : null;
}

const isRecord = (v: PhpValue | undefined): v is { [key: string]: PhpValue } => !!v && typeof v === 'object' && !Array.isArray(v);
const isEmpty = (v: PhpValue | undefined) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** A grid step the sidecar accepts (5–240 minutes, dividing a day): the plugin's, else the largest that divides it. */
export function slotIntervalFor(minutes: number): number | null {
  for (let step = Math.min(minutes, 240); step >= 5; step--) {
    if (minutes % step === 0 && 1440 % step === 0) return step;
  }
  return null;
}

/**
 * Maps the plugin's option values (decoded, by option name) to ours. Absent options
 * produce nothing; the plugin's defaults fill keys missing from a present
 * appointease_options, as the plugin itself does when it reads them.
 */
export function mapPluginOptions(options: Partial<Record<string, PhpValue>>): PluginMapping {
  const out: PluginMapping = { settings: [], hours: null, webhooks: [], notCarried: [] };
  const no = (from: string, value: PhpValue | undefined, why: string) => out.notCarried.push({ from: shown(from, value), why });

  const main = options.appointease_options;
  if (isRecord(main)) {
    const o = (key: string): PhpValue | undefined => (key in main ? main[key] : (PLUGIN_DEFAULTS as Record<string, PhpValue>)[key]);
    const at = (key: string) => `appointease_options.${key}${key in main ? '' : ' (its default)'}`;

    // Business days and hours (0 = Sunday) → default weekly hours of staff that have none.
    const rawDays = o('working_days');
    const days = (Array.isArray(rawDays) ? rawDays : typeof rawDays === 'string' ? rawDays.split(',') : []).map((d) => whole(d));
    const start = time(o('start_time'));
    const end = time(o('end_time'));
    const lunchStart = time(main.lunch_start);
    const lunchEnd = time(main.lunch_end);
    const from = [at('working_days'), at('start_time'), at('end_time')];
    if (days.some((d) => d === null || d < 0 || d > 6) || days.length === 0) {
      no(at('working_days'), rawDays, 'not a list of weekdays 0–6; staff without hours stay without');
    } else if (!start || !end || minutesOf(start) >= minutesOf(end)) {
      no(at('start_time'), `${o('start_time')}–${o('end_time')}`, 'not a valid opening time range; staff without hours stay without');
    } else {
      let windows = [{ start, end }];
      if (lunchStart && lunchEnd && start < lunchStart && lunchStart < lunchEnd && lunchEnd < end) {
        // The plugin's lunch break, when the owner set one, becomes a break in the day.
        windows = [
          { start, end: lunchStart },
          { start: lunchEnd, end },
        ];
        from.push('lunch_start', 'lunch_end');
      } else if (main.lunch_start !== undefined || main.lunch_end !== undefined) {
        no('appointease_options.lunch_start/lunch_end', `${main.lunch_start}–${main.lunch_end}`, 'not a break inside the opening hours');
      }
      const hours: WeeklyHours = {};
      for (const d of [...new Set(days as number[])].sort()) hours[WEEKDAYS[d]!] = windows;
      out.hours = { hours, from: from.join(', ') };
    }

    // Slot length → the grid step.
    const slot = whole(o('slot_duration'));
    const step = slot !== null && slot > 0 ? slotIntervalFor(slot) : null;
    if (step === null) no(at('slot_duration'), o('slot_duration'), 'not a slot length the sidecar can use');
    else
      out.settings.push({
        key: 'slotInterval',
        value: step,
        from: `${at('slot_duration')} = ${slot}${step !== slot ? ` (${slot} is not a step the sidecar allows; ${step} keeps every start time)` : ''}`,
      });

    // Booking window → how far ahead.
    const window = whole(o('advance_booking'));
    if (window === null || window < 1 || window > 1095) no(at('advance_booking'), o('advance_booking'), 'not a number of days from 1 to 1095');
    else out.settings.push({ key: 'maxAdvanceDays', value: window, from: `${at('advance_booking')} = ${window}` });

    // Minimum notice in hours: only stored once the owner saved the plugin's settings page.
    if ('min_advance' in main) {
      const hoursAhead = whole(main.min_advance);
      if (hoursAhead === null || hoursAhead < 0 || hoursAhead > 8760) no('appointease_options.min_advance', main.min_advance, 'not a number of hours');
      else out.settings.push({ key: 'minNoticeMinutes', value: hoursAhead * 60, from: `appointease_options.min_advance = ${hoursAhead} h` });
    }

    const handled = new Set(['working_days', 'start_time', 'end_time', 'lunch_start', 'lunch_end', 'slot_duration', 'advance_booking', 'min_advance']);
    for (const [key, value] of Object.entries(main)) {
      if (handled.has(key)) continue;
      no(`appointease_options.${key}`, value, whyNot(key));
    }
  } else if (main !== undefined && main !== null) {
    no('appointease_options', main, 'not the array the plugin stores; nothing read from it');
  }

  // Its reminder switch and hours, carried or named here (not again in the loop below).
  const email = options.appointease_email_settings;
  const reminderKeys = new Set(['enable_reminders', 'reminder_hours']);
  if (isRecord(email)) {
    const reminders = mapReminders(email, no);
    if (reminders) out.settings.push(reminders);
  }

  for (const name of ['appointease_email_settings', 'appointease_atomic_settings', 'booking_plugin_settings'] as const) {
    const option = options[name];
    if (option === undefined || option === null) continue;
    if (!isRecord(option)) {
      no(name, option, 'not the array the plugin stores');
      continue;
    }
    for (const [key, value] of Object.entries(option)) {
      if (isEmpty(value) || (name === 'appointease_email_settings' && reminderKeys.has(key))) continue;
      no(`${name}.${key}`, value, whyNot(`${name}.${key}`));
    }
  }

  // Its one webhook: a POST of every new booking to appointease_webhook_url.
  const hook = options.appointease_webhook_url;
  if (!isEmpty(hook)) {
    const url = typeof hook === 'string' ? webhookUrl(hook) : null;
    if (url) out.webhooks.push({ url, events: ['appointment.booked'], from: shown('appointease_webhook_url', hook) });
    else no('appointease_webhook_url', hook, 'not an http:// or https:// URL; the sidecar sends webhooks to those only');
  }
  for (const name of PLAIN_VALUE_OPTIONS) {
    const value = options[name];
    if (isEmpty(value) || name === 'appointease_webhook_url') continue;
    no(name, value, whyNot(name));
  }
  return out;
}

/**
 * enable_reminders + reminder_hours (appointease_email_settings, written by its activation;
 * its email settings form has no such fields, so a site that saved that form no longer has
 * them) → CONTRACT §12's `reminders`: off → [], on → one at that many hours before (the
 * plugin's default 24 when the hours are missing). Null when the plugin says nothing.
 */
function mapReminders(email: { [key: string]: PhpValue }, no: (from: string, value: PhpValue | undefined, why: string) => void): CarriedValue | null {
  const hasSwitch = 'enable_reminders' in email;
  const hasHours = 'reminder_hours' in email && !isEmpty(email.reminder_hours);
  if (!hasSwitch && !hasHours) return null;
  const on = hasSwitch ? truthy(email.enable_reminders) : true;
  if (!on) return { key: 'reminders', value: [], from: `appointease_email_settings.enable_reminders = ${JSON.stringify(email.enable_reminders)} (off)` };
  const hours = hasHours ? whole(email.reminder_hours) : 24;
  const at = hasHours ? `appointease_email_settings.reminder_hours = ${hours}` : 'appointease_email_settings.reminder_hours (its default) = 24';
  if (hours === null || hours < 1 || hours * 60 > MAX_REMINDER_MINUTES) {
    no('appointease_email_settings.reminder_hours', email.reminder_hours, 'not a whole number of hours from 1 to 168 (reminders go out at most 7 days ahead); our default, one reminder 24 h before, stays');
    return null;
  }
  return { key: 'reminders', value: [{ minutesBefore: hours * 60 }], from: `appointease_email_settings.enable_reminders = ${JSON.stringify(email.enable_reminders ?? 1)}, ${at}` };
}

/** CONTRACT §12: a reminder is at most 10080 minutes (7 days) before. */
const MAX_REMINDER_MINUTES = 10_080;

/** PHP's truthiness for what a checkbox or an int stores: 1, "1", true on; 0, "0", "", false, null off. */
function truthy(value: PhpValue | undefined): boolean {
  return !(value === undefined || value === null || value === false || value === 0 || value === '' || value === '0' || (Array.isArray(value) && value.length === 0));
}

/** The URL as the sidecar would store it, when it is one it may call (the outbound client's syntax and scheme rule). */
function webhookUrl(raw: string): string | null {
  try {
    return parseOutboundUrl(raw.trim()).href;
  } catch {
    return null;
  }
}

/** Why a plugin value has no counterpart among the sidecar's stored settings. */
function whyNot(key: string): string {
  if (/^(rate_limit_requests|rate_limit_window)$/.test(key))
    return "the plugin's per-IP request limit; the sidecar's per-IP limits are environment settings (MAX_LOCKS_PER_CLIENT, OTP_IP_LIMIT, WS_MAX_CONNECTIONS_PER_IP) and are not copied";
  if (/^(rate_limit_booking|rate_limit_auth|max_login_attempts|session_timeout|otp_expiry)$/.test(key))
    return 'the sidecar sets these limits from its environment (OTP_SEND_LIMIT, OTP_TTL_SECONDS, SESSION_TTL_SECONDS…)';
  if (/^redis_/.test(key) || key.startsWith('appointease_redis_')) return "the sidecar's Redis is REDIS_URL in its environment";
  if (key === 'max_bookings') return "no per-day cap in the sidecar (its maxBookingsPerCustomer limits one customer's upcoming bookings, a different rule)";
  if (/^(email_customer|email_admin|admin_email)$/.test(key) || key === 'booking_plugin_settings.admin_email')
    return 'the sidecar always mails the customer and sends no copy to an admin address';
  if (
    /^(primary_color|secondary_color|success_color|text_color|background_color|border_color|header_color|heading_color|active_step_color|inactive_step_color|border_radius|font_size|appearance_theme|button_text)$/.test(
      key,
    )
  )
    return 'the widget is styled with CSS custom properties (--appointease-accent, --appointease-radius, --appointease-font; widget/README.md), not a stored setting';
  if (key.startsWith('appointease_email_settings.smtp_') || key === 'appointease_email_settings.smtp_password')
    return 'mail goes out through MAIL_TRANSPORT in the sidecar\'s environment (or "wordpress", the site\'s own mail)';
  if (key === 'appointease_email_settings.from_email' || key === 'appointease_email_settings.from_name')
    return "the sender is MAIL_FROM in the sidecar's environment";
  if (key.startsWith('appointease_atomic_settings.')) return 'the sidecar always books atomically with conflict detection and live updates; nothing to switch';
  if (key === 'booking_plugin_settings.time_slots') return 'the sidecar derives start times from working hours and the slot length';
  return 'no counterpart in the sidecar';
}

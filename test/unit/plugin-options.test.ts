// Reading the original AppointEase plugin's WordPress options (PHP serialize() format) and
// mapping them to the sidecar's settings; the integration test runs the same on real rows.
import { describe, expect, it } from 'vitest';
import { describeHours } from '../../server/src/db/carry-over';
import { maybeUnserialize, PhpUnserializeError, unserialize } from '../../server/src/db/php-unserialize';
import { mapPluginOptions, slotIntervalFor } from '../../server/src/db/plugin-options';
import { activationOptionRows, savedSettingsRows } from '../helpers/appointease-original-options';

describe('PHP unserialize', () => {
  it("reads what PHP's serialize() wrote: nesting, lists, null, booleans, negatives, floats, multibyte strings (lengths in bytes)", () => {
    // php -r 'echo serialize(array("a"=>array(1,2,"x"=>null), "b"=>true, "c"=>-3, "d"=>1.5, "e"=>"Zoë 日本", 5=>"five", "f"=>false));'
    const text = 'a:7:{s:1:"a";a:3:{i:0;i:1;i:1;i:2;s:1:"x";N;}s:1:"b";b:1;s:1:"c";i:-3;s:1:"d";d:1.5;s:1:"e";s:11:"Zoë 日本";i:5;s:4:"five";s:1:"f";b:0;}';
    expect(unserialize(text)).toEqual({ a: { 0: 1, 1: 2, x: null }, b: true, c: -3, d: 1.5, e: 'Zoë 日本', 5: 'five', f: false });
    expect(unserialize('a:2:{i:0;s:1:"1";i:1;s:1:"2";}')).toEqual(['1', '2']);
    expect(unserialize('a:0:{}')).toEqual([]);
  });

  it('decodes the real activation rows', () => {
    expect(maybeUnserialize(activationOptionRows.appointease_options!)).toEqual({
      working_days: ['1', '2', '3', '4', '5'],
      start_time: '09:00',
      end_time: '17:00',
      slot_duration: 60,
      advance_booking: 30,
    });
    expect(maybeUnserialize('1.0.0')).toBe('1.0.0');
    expect(maybeUnserialize(null)).toBeNull();
  });

  it('refuses objects, references, wrong lengths and trailing data', () => {
    for (const bad of [
      'O:11:"ArrayObject":4:{i:0;i:0;i:1;a:0:{}i:2;a:0:{}i:3;N;}',
      'a:1:{i:0;r:1;}',
      's:5:"abc";',
      'a:2:{i:0;i:1;}',
      'i:1;i:2;',
      'b:2;',
      'i:1x;',
    ]) {
      expect(() => unserialize(bad), bad).toThrow(PhpUnserializeError);
    }
    // Looks serialized → decoded (and refused); anything else is the plain string it is.
    expect(() => maybeUnserialize('O:8:"stdClass":0:{}')).not.toThrow();
    expect(maybeUnserialize('O:8:"stdClass":0:{}')).toBe('O:8:"stdClass":0:{}');
  });

  it('bounds nesting', () => {
    const deep = 'a:1:{i:0;'.repeat(40) + 'N;' + '}'.repeat(40);
    expect(() => unserialize(deep)).toThrow(/too deep/);
  });
});

describe("mapping the plugin's options", () => {
  const decode = (rows: Record<string, string>) => Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, maybeUnserialize(v)]));

  it('activation defaults: Mon–Fri 09:00–17:00, hourly slots, 30 days', () => {
    const m = mapPluginOptions(decode(activationOptionRows));
    expect(m.settings).toEqual([
      { key: 'slotInterval', value: 60, from: 'appointease_options.slot_duration = 60' },
      { key: 'maxAdvanceDays', value: 30, from: 'appointease_options.advance_booking = 30' },
      // Its activation switches reminders on at 24 h (it never sent them): CONTRACT §12's offsets in minutes.
      { key: 'reminders', value: [{ minutesBefore: 1440 }], from: 'appointease_email_settings.enable_reminders = 1, appointease_email_settings.reminder_hours = 24' },
    ]);
    expect(m.webhooks).toEqual([]);
    expect(m.notCarried.map((n) => n.from).filter((f) => f.includes('reminder'))).toEqual([]);
    const day = [{ start: '09:00', end: '17:00' }];
    expect(m.hours?.hours).toEqual({ mon: day, tue: day, wed: day, thu: day, fri: day });
  });

  it('saved through its settings page (all strings): minimum notice in hours, the rest named', () => {
    const m = mapPluginOptions(decode(savedSettingsRows));
    expect(Object.fromEntries(m.settings.map((s) => [s.key, s.value]))).toEqual({ slotInterval: 30, maxAdvanceDays: 14, minNoticeMinutes: 1440 });
    expect(Object.keys(m.hours!.hours)).toEqual(['tue', 'wed', 'thu', 'fri', 'sat']);
    expect(m.notCarried.map((n) => n.from)).toEqual(
      expect.arrayContaining(['appointease_options.max_bookings = "10"', 'appointease_email_settings.smtp_password (set, not shown)']),
    );
    expect(JSON.stringify(m.notCarried)).not.toContain('hunter2');
    // Its email form has no reminder fields: once saved, the plugin says nothing about reminders, and ours keep their default.
    expect(m.settings.find((s) => s.key === 'reminders')).toBeUndefined();
    // Its webhook (every new booking POSTed there) becomes one of ours for appointment.booked.
    expect(m.webhooks).toEqual([{ url: 'https://hooks.example.com/appointease', events: ['appointment.booked'], from: 'appointease_webhook_url = "https://hooks.example.com/appointease"' }]);
    expect(m.notCarried.map((n) => n.from).filter((f) => f.includes('webhook'))).toEqual([]);
  });

  it('reminders: switched off → none ([]); other hours → that many minutes; missing hours → its default 24; out of range → named, our default stays', () => {
    const reminders = (email: Record<string, string | number>) => {
      const m = mapPluginOptions({ appointease_email_settings: email });
      return { value: m.settings.find((s) => s.key === 'reminders')?.value, notCarried: m.notCarried.filter((n) => n.from.includes('reminder')) };
    };
    expect(reminders({ enable_reminders: '0', reminder_hours: '24' })).toEqual({ value: [], notCarried: [] });
    expect(reminders({ enable_reminders: 0 }).value).toEqual([]);
    expect(reminders({ enable_reminders: '' }).value).toEqual([]);
    expect(reminders({ enable_reminders: '1', reminder_hours: '2' }).value).toEqual([{ minutesBefore: 120 }]);
    expect(reminders({ enable_reminders: 1 }).value).toEqual([{ minutesBefore: 1440 }]);
    expect(reminders({ reminder_hours: 48 }).value).toEqual([{ minutesBefore: 2880 }]);
    expect(reminders({ enable_reminders: 1, reminder_hours: 168 }).value).toEqual([{ minutesBefore: 10080 }]);
    for (const hours of [0, 169, 'soon', '1.5']) {
      const r = reminders({ enable_reminders: 1, reminder_hours: hours });
      expect(r.value, String(hours)).toBeUndefined();
      expect(r.notCarried.map((n) => n.why), String(hours)).toEqual([expect.stringMatching(/from 1 to 168.*our default, one reminder 24 h before, stays/)]);
    }
    expect(reminders({ smtp_host: 'x' })).toEqual({ value: undefined, notCarried: [] });
  });

  it('a webhook URL that is not http(s) is named, not carried', () => {
    for (const url of ['ftp://files.example.com/in', 'not a url', 'javascript:alert(1)']) {
      const m = mapPluginOptions({ appointease_webhook_url: url });
      expect(m.webhooks, url).toEqual([]);
      expect(m.notCarried, url).toEqual([{ from: `appointease_webhook_url = ${JSON.stringify(url)}`, why: expect.stringMatching(/not an http:\/\/ or https:\/\/ URL/) }]);
    }
    expect(mapPluginOptions({ appointease_webhook_url: '' }).webhooks).toEqual([]);
    expect(mapPluginOptions({ appointease_webhook_url: ' http://crm.example.org/hook?x=1 ' }).webhooks[0]?.url).toBe('http://crm.example.org/hook?x=1');
  });

  it("missing keys take the plugin's own defaults; a lunch break splits the day; the per-IP limit is named with where ours lives", () => {
    const m = mapPluginOptions({
      appointease_options: { working_days: '0,6', lunch_start: '12:00', lunch_end: '13:00', rate_limit_requests: 30, rate_limit_window: 60 },
    });
    expect(m.hours?.hours).toEqual({
      sun: [
        { start: '09:00', end: '12:00' },
        { start: '13:00', end: '17:00' },
      ],
      sat: [
        { start: '09:00', end: '12:00' },
        { start: '13:00', end: '17:00' },
      ],
    });
    expect(m.settings.map((s) => s.from)).toEqual([
      'appointease_options.slot_duration (its default) = 60',
      'appointease_options.advance_booking (its default) = 30',
    ]);
    expect(m.notCarried.find((n) => n.from.startsWith('appointease_options.rate_limit_requests'))?.why).toMatch(/per-IP.*MAX_LOCKS_PER_CLIENT, OTP_IP_LIMIT/);
  });

  it('invalid values are not carried, and say why', () => {
    const m = mapPluginOptions({
      appointease_options: { working_days: ['1', '9'], start_time: '18:00', end_time: '09:00', slot_duration: 'abc', advance_booking: '0' },
    });
    expect(m.hours).toBeNull();
    expect(m.settings).toEqual([]);
    expect(m.notCarried.map((n) => n.from.split(' ')[0])).toEqual([
      'appointease_options.working_days',
      'appointease_options.slot_duration',
      'appointease_options.advance_booking',
    ]);
    const times = mapPluginOptions({ appointease_options: { start_time: '18:00', end_time: '09:00' } });
    expect(times.hours).toBeNull();
    expect(times.notCarried[0]?.why).toMatch(/not a valid opening time range/);
    expect(mapPluginOptions({ appointease_options: 'garbage' }).notCarried[0]?.why).toMatch(/not the array/);
    expect(mapPluginOptions({})).toEqual({ settings: [], hours: null, webhooks: [], notCarried: [] });
  });

  it('slot lengths become grid steps the sidecar accepts', () => {
    expect([15, 30, 45, 60, 90, 120].map(slotIntervalFor)).toEqual([15, 30, 45, 60, 90, 120]);
    expect(slotIntervalFor(50)).toBe(10); // 1440 % 50 ≠ 0: every 50-minute start is still on a 10-minute grid
    expect(slotIntervalFor(300)).toBe(60); // above the 240-minute ceiling: the largest step that keeps every start
    expect(slotIntervalFor(7)).toBeNull();
  });

  it('describes weekly hours compactly', () => {
    const d = [{ start: '09:00', end: '17:00' }];
    expect(describeHours({ mon: d, tue: d, wed: d, thu: d, fri: d })).toBe('Mon–Fri 09:00–17:00');
    expect(describeHours({ sat: d, sun: d })).toBe('Sat, Sun 09:00–17:00');
    expect(describeHours({ mon: d, wed: d })).toBe('Mon 09:00–17:00; Wed 09:00–17:00');
  });
});

/**
 * One operation in a fresh process, for calendar.ts's memory column: reads the
 * file, notes the peak RSS so far, does the operation once, and prints how
 * much the peak grew. Usage: calendar-peak.ts busy|ical-parse|json FILE FROM TO
 */
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';
import { busyIntervalsFromIcs } from '../../../server/src/calendar/busy-time';

const [mode, file, from, to] = process.argv.slice(2);
const text = readFileSync(file!, 'utf8');
// Load the modules' lazy parts on something tiny, so only the operation is measured.
busyIntervalsFromIcs('BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', { from: 0, to: 1, zone: 'Europe/Berlin' });
JSON.parse('[]');
const peak = () => process.resourceUsage().maxRSS * 1024;
const before = peak();
let result: unknown;
if (mode === 'busy') result = busyIntervalsFromIcs(text, { from: Number(from), to: Number(to), zone: 'Europe/Berlin', limits: { maxMillis: 120_000 } });
else if (mode === 'ical-parse') result = ICAL.parse(text);
else result = JSON.parse(text);
console.log(JSON.stringify({ peakGrowth: peak() - before, kept: result != null }));

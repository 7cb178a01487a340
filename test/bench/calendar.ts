/**
 * Busy-calendar sync cost (issue 13): parse + expand a 5,000-event calendar
 * export (support/synthetic-calendar.ts: 3 years of history, 500 recurring
 * series with EXDATEs, 300 moved/cancelled instances) over a 365-day
 * horizon, beside two baselines in the same process on the same content:
 * JSON.parse of the same events as a JSON document (the floor of "read a
 * document this size"), and ical.js's bare parse (text → jCal) without
 * expansion, which shows how the time splits between parsing and the rest.
 *
 * Memory: the peak RSS growth of a fresh process that reads the text from a
 * file and then does the one operation (getrusage maxRSS, so garbage the
 * parse made and the GC had not yet returned counts as it would on the
 * server), and the heap the result keeps after a GC.
 *
 * `npm run bench -- calendar`. CALENDAR_BENCH_EVENTS (default 5000) and
 * CALENDAR_BENCH_ROUNDS (default 9, medians) change the size and rounds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import ICAL from 'ical.js';
import { busyIntervalsFromIcs } from '../../server/src/calendar/busy-time';
import { syntheticCalendar } from './support/synthetic-calendar';

const EVENTS = Number(process.env.CALENDAR_BENCH_EVENTS ?? 5_000);
const ROUNDS = Number(process.env.CALENDAR_BENCH_ROUNDS ?? 9);
const DAY = 86_400_000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Median wall and CPU ms of `rounds` runs after one warm-up; the rounds of
 * different operations alternate. CPU time (this process, all threads) is
 * the steadier figure on a shared machine: wall time also counts waiting.
 */
function measure(ops: Record<string, () => unknown>, rounds: number): Record<string, { wall: number; cpu: number }> {
  const times: Record<string, { wall: number[]; cpu: number[] }> = {};
  for (const [name, op] of Object.entries(ops)) {
    op();
    times[name] = { wall: [], cpu: [] };
  }
  for (let r = 0; r < rounds; r++) {
    for (const [name, op] of Object.entries(ops)) {
      gc();
      const cpu = process.cpuUsage();
      const t = performance.now();
      op();
      const wall = performance.now() - t;
      const used = process.cpuUsage(cpu);
      times[name]!.wall.push(wall);
      times[name]!.cpu.push((used.user + used.system) / 1000);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { wall: median(v.wall), cpu: median(v.cpu) }]));
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Peak RSS growth (bytes) of a fresh process doing `mode` on the file. */
function peakRss(mode: 'busy' | 'json' | 'ical-parse', file: string, from: number, to: number): number {
  const child = fileURLToPath(new URL('./support/calendar-peak.ts', import.meta.url));
  const out = spawnSync(process.execPath, ['--import', 'tsx', child, mode, file, String(from), String(to)], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`calendar-peak ${mode} failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!).peakGrowth as number;
}

export async function run(): Promise<void> {
  const now = Date.now();
  const from = Math.floor(now / DAY) * DAY;
  const to = from + 365 * DAY;
  const cal = syntheticCalendar(EVENTS, now);
  const json = JSON.stringify(cal.events);
  const options = { from, to, zone: 'Europe/Berlin' };
  const first = busyIntervalsFromIcs(cal.text, options);
  console.log(
    `calendar: ${cal.counts.events} VEVENTs (${cal.counts.singles} single, ${cal.counts.series} series, ${cal.counts.overrides} overrides), ` +
      `${mb(Buffer.byteLength(cal.text))} of .ics; JSON of the same events ${mb(Buffer.byteLength(json))}`,
  );
  console.log(`result: ${first.intervals.length} merged busy intervals over 365 days from ${first.instances} occurrences (skipped ${first.skipped})`);

  const t = measure(
    {
      busy: () => busyIntervalsFromIcs(cal.text, options),
      icalParse: () => ICAL.parse(cal.text),
      json: () => JSON.parse(json),
    },
    ROUNDS,
  );
  const row = (label: string, m: { wall: number; cpu: number }, ratio = '') => console.log(`  ${label.padEnd(40)} ${m.cpu.toFixed(1).padStart(8)} ms CPU ${m.wall.toFixed(1).padStart(8)} ms wall  ${ratio}`);
  console.log(`\ntime (median of ${ROUNDS}; ratios by CPU time)`);
  row('parse + expand (busyIntervalsFromIcs)', t.busy!);
  row('ical.js parse only (text → jCal)', t.icalParse!, `busy/ical-parse ${(t.busy!.cpu / t.icalParse!.cpu).toFixed(1)}×`);
  row('JSON.parse of the same events', t.json!, `busy/JSON.parse ${(t.busy!.cpu / t.json!.cpu).toFixed(0)}×`);
  console.log(`  per VEVENT: ${((t.busy!.cpu * 1000) / cal.counts.events).toFixed(0)} µs CPU; per occurrence yielded: ${((t.busy!.cpu * 1000) / first.instances).toFixed(0)} µs CPU`);

  // What a stored result costs: the heap with it held, then released, each after full GCs.
  let kept: unknown = busyIntervalsFromIcs(cal.text, options);
  gc();
  gc();
  const held = process.memoryUsage().heapUsed;
  kept = null;
  gc();
  gc();
  const retained = held - process.memoryUsage().heapUsed;

  const dir = mkdtempSync(path.join(tmpdir(), 'calendar-bench-'));
  try {
    const icsFile = path.join(dir, 'calendar.ics');
    const jsonFile = path.join(dir, 'calendar.json');
    writeFileSync(icsFile, cal.text);
    writeFileSync(jsonFile, json);
    const busyPeak = peakRss('busy', icsFile, from, to);
    const parsePeak = peakRss('ical-parse', icsFile, from, to);
    const jsonPeak = peakRss('json', jsonFile, from, to);
    console.log('\nmemory (peak RSS growth of a fresh process over reading the file)');
    console.log(`  parse + expand                          ${mb(busyPeak)}`);
    console.log(`  ical.js parse only                      ${mb(parsePeak)}   busy/ical-parse ${(busyPeak / parsePeak).toFixed(1)}×`);
    console.log(`  JSON.parse of the same events           ${mb(jsonPeak)}   busy/JSON.parse ${(busyPeak / jsonPeak).toFixed(1)}×`);
    console.log(`  heap kept by the result after GC        ${(retained / 1024).toFixed(0)} KB (${first.intervals.length} intervals)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();

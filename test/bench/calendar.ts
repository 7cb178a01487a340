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
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import ICAL from 'ical.js';
import { busyIntervalsFromIcs } from '../../server/src/calendar/busy-time';
import { syntheticCalendar } from './support/synthetic-calendar';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { everyDay, seedCatalogue } from '../helpers/catalogue';
import { startIcsServer } from '../helpers/ics-server';
import { startSidecar } from '../helpers/sidecar';
import { CALENDAR_SYNC_JOB } from '../../server/src/services/calendar-sync';

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
  // A generous time budget: this measures the cost, and a loaded machine stretches wall time (the budget is wall time).
  const options = { from, to, zone: 'Europe/Berlin', limits: { maxMillis: 120_000 } };
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
  await syncCost(cal.text);
}

/**
 * The whole sync of the same calendar as the sidecar runs it (services/calendar-sync.ts):
 * a local HTTP server, the outbound client, the worker thread, the comparison and the
 * transaction that stores the intervals, with a 365-day horizon. Three cases: busy time
 * changed (stored), the same busy time (parsed, compared, nothing written), and a 304.
 * The server's own thread is watched meanwhile (event-loop delay, RSS).
 */
export async function syncCost(text: string): Promise<void> {
  const ics = await startIcsServer();
  ics.bodies.set('/cal.ics', text);
  const s = await startSidecar({ env: { OUTBOUND_ALLOW_PRIVATE: 'true', CALENDAR_SYNC_SECONDS: '3600', CALENDAR_FETCH_TIMEOUT_MS: '60000' } });
  try {
    const { staffIds } = await seedCatalogue(s.db.pool, { services: [{ duration: 30 }], staff: [{ hours: everyDay(['09:00', '17:00']) }], settings: { timezone: 'Europe/Berlin', maxAdvanceDays: 365 } });
    const emp = staffIds[0]!;
    await s.db.pool.query('INSERT INTO wp_appointease_busy_calendars (employee_id, position, url, created_at) VALUES (?, 0, ?, UTC_TIMESTAMP(3))', [emp, `${ics.base}/cal.ics`]);
    await s.deps.catalogue.changed();
    await s.deps.catalogue.snapshot();
    const sync = async () => {
      await s.deps.calendarSync.tick(); // the sidecar's own look, if one is under way
      await s.deps.repos.busyCalendars.requestRun(CALENDAR_SYNC_JOB);
      const t0 = performance.now();
      if (!(await s.deps.calendarSync.tick())) throw new Error('the sync did not run');
      return performance.now() - t0;
    };
    await sync(); // warm: the worker thread loads
    // The same thread idle for as long, as the baseline of the delay figures (the machine is shared).
    const idle = monitorEventLoopDelay({ resolution: 5 });
    idle.enable();
    await new Promise((r) => setTimeout(r, 5_000));
    idle.disable();
    const cases: Record<string, number[]> = { changed: [], unchanged: [], notModified: [] };
    const delay = monitorEventLoopDelay({ resolution: 5 });
    const rss0 = process.memoryUsage().rss;
    let rssPeak = rss0;
    const watch = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
    delay.enable();
    for (let i = 0; i < 5; i++) {
      await s.db.pool.query('DELETE FROM wp_appointease_busy_intervals');
      await s.db.pool.query('UPDATE wp_appointease_busy_calendars SET etag = NULL, synced_until = NULL');
      cases.changed!.push(await sync());
      await s.db.pool.query('UPDATE wp_appointease_busy_calendars SET etag = NULL');
      cases.unchanged!.push(await sync());
      cases.notModified!.push(await sync());
    }
    delay.disable();
    clearInterval(watch);
    const [[row]] = await s.db.pool.query<any[]>('SELECT interval_count, last_error_code FROM wp_appointease_busy_calendars');
    if (row.last_error_code) throw new Error(`sync failed: ${row.last_error_code}`);
    const fetches = ics.conditionalHits.get('/cal.ics') ?? 0;
    console.log(`\nwhole sync through the sidecar (fetch, worker thread, compare, store), 365-day horizon, median of 5; ${row.interval_count} stored pieces`);
    console.log(`  busy time changed (parsed and stored)   ${median(cases.changed!).toFixed(0).padStart(6)} ms wall`);
    console.log(`  same busy time (parsed, nothing written) ${median(cases.unchanged!).toFixed(0).padStart(5)} ms wall`);
    console.log(`  304 (conditional request)               ${median(cases.notModified!).toFixed(0).padStart(6)} ms wall   (${fetches} conditional requests made)`);
    console.log(`  server thread meanwhile: event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms (idle: p99 ${(idle.percentile(99) / 1e6).toFixed(1)} ms, max ${(idle.max / 1e6).toFixed(1)} ms; load average ${loadavg()[0]!.toFixed(1)})`);
    console.log(`  RSS growth of the server process ${mb(rssPeak - rss0)} (the worker thread's heap included)`);
  } finally {
    await s.stop();
    await ics.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();

import { Worker } from 'node:worker_threads';
import type { BusyCalendar, BusyOptions } from './busy-time';
import { CalendarError, type CalendarErrorCode } from './calendar-error';
import type { BusyJob, BusyReply } from './busy-worker-entry';
import { DEFAULT_ICS_LIMITS } from './ics-limits';

/**
 * busyIntervalsFromIcs on a worker thread. Parsing a large calendar takes
 * hundreds of milliseconds of CPU (`npm run bench -- calendar`), which on the
 * server's own thread would stall every hold and booking meanwhile. The
 * worker also makes the bounds hard: the parser's own time budget stops the
 * usual cases with a typed error, and if a job still runs past
 * `hardTimeoutMs` (a loop inside the library no budget reaches) or past its
 * heap limit, the thread is terminated and the next job gets a fresh one.
 *
 * One worker, one job at a time: jobs queue. The sync that uses it runs on
 * one instance at a time anyway, and a second thread would take the second
 * core from the server.
 */
export interface BusyWorkerOptions {
  /** Terminate a job after this long, counted from when the thread has loaded (default: the parser's time budget + 2 s). */
  hardTimeoutMs?: number;
  /** V8 old-space limit of the worker, MB (default 256). */
  maxHeapMb?: number;
}

interface Pending {
  job: BusyJob;
  resolve: (result: BusyCalendar) => void;
  reject: (e: Error) => void;
}

export class BusyCalendarWorker {
  private worker: Worker | null = null;
  private readonly queue: Pending[] = [];
  private running: (Pending & { timer: NodeJS.Timeout | null }) | null = null;
  private ready = false;
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: BusyWorkerOptions = {}) {}

  /** Resolves with the busy intervals; rejects with CalendarError for a bad feed. */
  parse(text: string, options: Omit<BusyOptions, 'clock'>): Promise<BusyCalendar> {
    if (this.closed) return Promise.reject(new Error('BusyCalendarWorker is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, text, options }, resolve, reject });
      this.pump();
    });
  }

  /** Stops the thread; queued and running jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('BusyCalendarWorker closed'));
    if (this.running) this.finish(new Error('BusyCalendarWorker closed'));
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = { ...this.queue.shift()!, timer: null };
    const worker = this.ensureWorker();
    worker.ref();
    if (this.ready) this.start();
  }

  /** Sends the running job and starts its clock (not before the thread has loaded: tsx compiles on start). */
  private start(): void {
    const job = this.running!;
    const maxMillis = job.job.options.limits?.maxMillis ?? DEFAULT_ICS_LIMITS.maxMillis;
    job.timer = setTimeout(() => {
      this.kill(); // first: finishing starts the next job, which must get a fresh thread
      this.finish(new CalendarError('timeout', 'Reading the calendar took longer than its time budget'));
    }, this.opts.hardTimeoutMs ?? maxMillis + 2_000);
    this.worker!.postMessage(job.job);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./busy-worker-boot.mjs', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? 256 },
    });
    this.ready = false;
    worker.on('message', (reply: BusyReply) => {
      if (this.worker !== worker) return;
      if ('ready' in reply) {
        this.ready = true;
        if (this.running && !this.running.timer) this.start();
        return;
      }
      if (!this.running || reply.id !== this.running.job.id) return;
      if (reply.ok) this.finish(null, reply.result);
      else this.finish(reply.code ? new CalendarError(reply.code as CalendarErrorCode, reply.message) : new Error(reply.message));
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const outOfMemory = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.finish(outOfMemory ? new CalendarError('too_large', 'Reading the calendar needed more memory than allowed') : e);
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.finish(new Error('The calendar worker stopped'));
    });
    this.worker = worker;
    return worker;
  }

  private finish(error: Error | null, result?: BusyCalendar): void {
    const job = this.running;
    if (!job) return;
    this.running = null;
    if (job.timer) clearTimeout(job.timer);
    this.worker?.unref();
    if (error) job.reject(error);
    else job.resolve(result!);
    if (!this.closed) this.pump();
  }

  private kill(): void {
    const w = this.worker;
    this.worker = null;
    this.ready = false;
    void w?.terminate();
  }
}

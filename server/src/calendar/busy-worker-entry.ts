/**
 * The worker thread's side of busy-worker.ts: parse each job it is sent and
 * post the result or the error back. Nothing here outlives a job.
 */
import { parentPort } from 'node:worker_threads';
import { busyIntervalsFromIcs, type BusyOptions } from './busy-time';
import { isCalendarError } from './calendar-error';

export interface BusyJob {
  id: number;
  text: string;
  options: Omit<BusyOptions, 'clock'>;
}

export type BusyReply =
  | { id: number; ok: true; result: ReturnType<typeof busyIntervalsFromIcs> }
  | { id: number; ok: false; code?: string; message: string }
  /** Sent once, when the modules are loaded: a job's time limit starts only then. */
  | { ready: true };

const port = parentPort;
if (!port) throw new Error('busy-worker-entry runs only as a worker thread');

port.on('message', (job: BusyJob) => {
  let reply: BusyReply;
  try {
    reply = { id: job.id, ok: true, result: busyIntervalsFromIcs(job.text, job.options) };
  } catch (e) {
    reply = { id: job.id, ok: false, code: isCalendarError(e) ? e.code : undefined, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true } satisfies BusyReply);

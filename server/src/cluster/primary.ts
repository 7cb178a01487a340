import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { WORKER_IDENTITY_VARS } from '../config';
import type { Logger } from '../logger';
import { isRelayMessage } from '../realtime/worker-relay';

// The group id and slot each worker is told through its environment: read back by config.ts's takeWorkerIdentity.
const { group: GROUP_VAR, slot: SLOT_VAR } = WORKER_IDENTITY_VARS;

/** Restart delays of a worker that keeps dying: 0.5 s doubling to 30 s; a worker that lived a minute starts over. */
const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 30_000;
const STABLE_MS = 60_000;
/** Workers drain for up to 10 s (index.ts) and are then forced; the primary waits a little longer before it kills. */
const STOP_GRACE_MS = 12_000;

/**
 * `npm start` with WORKERS > 1: this process only forks and watches the
 * workers, each a whole sidecar listening on the same port (node:cluster
 * hands accepted connections to them in turn). It holds no connection to
 * MySQL or Redis and serves nothing itself, so it has nothing to crash on.
 *
 * - Events: a worker's slot events reach its siblings through here
 *   (worker-relay.ts), so live updates never depend on which worker a
 *   widget's socket landed on, Redis or not.
 * - A worker that exits while we are not stopping is forked again into its
 *   slot, after a delay that grows while it keeps dying.
 * - SIGTERM / SIGINT go to every worker, which drain like a single process;
 *   the primary exits once all are gone (non-zero if one had to be killed).
 */
export function runPrimary(workers: number, logger: Logger, workerEnv: Record<string, string> = {}): void {
  const group = randomUUID();
  const bySlot = new Map<number, Worker>();
  const slotOf = new Map<Worker, number>();
  const restarts = new Map<number, { delayMs: number; startedAt: number }>();
  let stopping = false;
  let forced = false;

  const fork = (slot: number) => {
    const worker = cluster.fork({ ...workerEnv, [GROUP_VAR]: group, [SLOT_VAR]: String(slot) });
    bySlot.set(slot, worker);
    slotOf.set(worker, slot);
    const r = restarts.get(slot);
    restarts.set(slot, { delayMs: r?.delayMs ?? 0, startedAt: Date.now() });
    worker.on('message', (message: unknown) => {
      if (!isRelayMessage(message)) return;
      for (const other of bySlot.values()) if (other !== worker && other.isConnected()) other.send(message, undefined, () => {});
    });
  };

  cluster.on('exit', (worker, code, signal) => {
    const slot = slotOf.get(worker);
    slotOf.delete(worker);
    if (slot === undefined || bySlot.get(slot) !== worker) return;
    bySlot.delete(slot);
    if (stopping) {
      if (bySlot.size === 0) process.exit(forced ? 1 : 0);
      return;
    }
    const r = restarts.get(slot)!;
    const delayMs = Date.now() - r.startedAt > STABLE_MS ? RESTART_MIN_MS : Math.min(RESTART_MAX_MS, Math.max(RESTART_MIN_MS, r.delayMs * 2));
    restarts.set(slot, { ...r, delayMs });
    logger.error({ worker: slot, pid: worker.process.pid, code, signal, restartInMs: delayMs }, 'worker exited: restarting it');
    setTimeout(() => {
      if (!stopping) fork(slot);
    }, delayMs);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: bySlot.size }, 'shutting down: stopping the workers');
    if (bySlot.size === 0) process.exit(0);
    for (const worker of bySlot.values()) worker.process.kill('SIGTERM');
    setTimeout(() => {
      forced = true;
      for (const worker of bySlot.values()) worker.process.kill('SIGKILL');
    }, STOP_GRACE_MS).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let slot = 1; slot <= workers; slot++) fork(slot);
  logger.info({ workers, pid: process.pid }, 'appointease primary: workers started');
}

import { EventBatcher, MIN_BATCH_GAP_MS } from './event-batcher';
import type { SlotEvent, SlotEventHub } from './events';

/** The IPC message that carries one turn's events between the workers of one `npm start` (through the primary). */
export interface RelayMessage {
  appointease: 'slot-events';
  es: SlotEvent[];
}

export function isRelayMessage(m: unknown): m is RelayMessage {
  return typeof m === 'object' && m !== null && (m as RelayMessage).appointease === 'slot-events' && Array.isArray((m as RelayMessage).es);
}

/** The worker's end of the IPC channel (node:cluster's `process`); a parameter so tests can pass a fake. */
export interface RelayChannel {
  send?(message: RelayMessage, sendHandle: undefined, options: undefined, callback: (err: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  readonly connected?: boolean;
}

/**
 * Carries hub events between the workers of one process group (WORKERS > 1)
 * over node's IPC channel: each worker sends the events it made to the
 * primary, which hands them to every other worker (cluster/primary.ts). So a
 * widget connected to worker A hears of a hold taken through worker B with
 * Redis off or down, as it would with one process.
 *
 * With Redis up the workers still use this path among themselves, and the
 * Redis bridge skips messages from its own group (all workers publish under
 * one instance id): one delivery per event, never two, and no dependence on
 * Redis for what stays on this machine.
 *
 * Like the Redis bridge, events go out in batches (EventBatcher), after the
 * responses of the turn that made them are written.
 */
export class WorkerRelay {
  private readonly outgoing = new EventBatcher<SlotEvent>((es) => this.send(es), MIN_BATCH_GAP_MS);
  private readonly unhook: () => void;
  private readonly receive = (message: unknown) => {
    if (isRelayMessage(message)) for (const e of message.es) this.hub.deliver(e);
  };

  constructor(
    private readonly hub: SlotEventHub,
    private readonly channel: RelayChannel,
  ) {
    this.unhook = hub.onLocal((e) => this.outgoing.push(e));
    channel.on('message', this.receive);
  }

  private send(es: SlotEvent[]): void {
    // No channel (the primary is gone): this worker is shutting down anyway.
    if (!this.channel.send || this.channel.connected === false) return;
    // The callback takes a send that failed as the channel closed (shutdown): nothing to do.
    this.channel.send({ appointease: 'slot-events', es }, undefined, undefined, () => {});
  }

  close(): void {
    this.unhook();
    void this.outgoing.flush();
    this.channel.off('message', this.receive);
  }
}

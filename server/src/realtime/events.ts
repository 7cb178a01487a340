import { EventEmitter } from 'node:events';
import type { SlotEvent } from '../contract';

/** The four slot events of CONTRACT §8 (defined in contract.ts, shared with the widget and wp-admin). */
export type { SlotEvent, SlotEventType } from '../contract';

/**
 * The in-process hub: services publish here; the WebSocket server delivers to
 * local sockets and the Redis bridge forwards to other instances. Remote events
 * enter through `deliver` so they are not forwarded again.
 */
export class SlotEventHub extends EventEmitter {
  /** A change made on this instance. */
  publish(event: Omit<SlotEvent, 'ts'> & { ts?: number }): void {
    const full: SlotEvent = { ...event, ts: event.ts ?? Date.now() };
    this.emit('local', full);
    this.emit('event', full);
  }

  /** An event that came from another instance: deliver to local sockets only. */
  deliver(event: SlotEvent): void {
    this.emit('event', event);
  }

  onEvent(listener: (e: SlotEvent) => void): () => void {
    this.on('event', listener);
    return () => this.off('event', listener);
  }

  onLocal(listener: (e: SlotEvent) => void): () => void {
    this.on('local', listener);
    return () => this.off('local', listener);
  }

  /**
   * Events may have been missed (the Redis subscription was down, or this
   * instance could not publish for a while): connected clients should reload
   * availability over REST, which is the truth.
   */
  requestRefetch(): void {
    this.emit('refetch');
  }

  onRefetch(listener: () => void): () => void {
    this.on('refetch', listener);
    return () => this.off('refetch', listener);
  }
}

import { EventEmitter } from 'node:events';

/** The four slot events of CONTRACT §8. */
export type SlotEventType = 'slot_locked' | 'slot_unlocked' | 'slot_booked' | 'slot_released';

export interface SlotEvent {
  type: SlotEventType;
  date: string;
  time: string;
  times: string[];
  employeeId: number;
  ts: number;
  reason?: 'released' | 'expired' | 'admin' | 'cancelled' | 'rescheduled';
  /** Admin-feed only: who holds the lock (client IP) and until when. Never sent to public subscribers. */
  owner?: string;
  expiresAt?: string;
  serviceId?: number;
}

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
}

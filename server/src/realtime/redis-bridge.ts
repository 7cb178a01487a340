import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { slotEventSchema } from '../contract';
import type { Logger } from '../logger';
import { keepSubscribed, type Redis } from '../redis/connections';
import { EventBatcher, MIN_BATCH_GAP_MS } from './event-batcher';
import type { SlotEvent, SlotEventHub } from './events';

/**
 * Carries hub events between sidecar instances over the `slot_updates`
 * channel (socket.io's Redis adapter habits): a separate subscriber
 * connection, an instance id on every message so an instance skips its own,
 * publishes on the command connection, best effort.
 *
 * Publishes go around the RedisGuard on purpose: a publish is never worth a
 * MySQL fallback, and a reply that is late because this process was busy
 * fanning out to thousands of sockets says nothing about Redis — tripping
 * the breaker on it would move every lock to MySQL and, while the breaker is
 * open, drop the following publishes too. The command connection has no
 * offline queue, so while Redis is really gone a publish fails at once.
 *
 * Pub/sub is fire-and-forget: whatever was published while an instance's
 * subscription was down is gone. So after the subscriber reconnects, or after
 * this instance could not publish for a while, clients are told to refetch —
 * events are hints, REST is the truth.
 */
export class RedisBridge {
  readonly instanceId: string;
  private readonly channel: string;
  private readonly unhook: () => void;
  private everSubscribed = false;
  /** A local event may not have reached Redis: other instances' clients may have missed it. */
  private missedPublish = false;
  private readonly onPublisherReady = () => void this.announceMissed();
  /** Local events on their way out (see `send`). */
  private readonly outgoing = new EventBatcher<SlotEvent>((events) => this.send(events), MIN_BATCH_GAP_MS);
  /** How our own messages start (`i` is serialised first): they come back on the subscription and are skipped unparsed. */
  private readonly ownPrefix: string;
  /** Settles once Redis confirmed the first subscription to the channel (tests and start-up checks wait on it). */
  readonly subscribed: Promise<void>;
  private confirmSubscribed!: () => void;

  constructor(
    private readonly hub: SlotEventHub,
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    channel: string,
    private readonly logger: Logger,
    /**
     * Whom our own messages come from. The workers of one `npm start` share
     * one id (their events reach each other through the primary, see
     * worker-relay.ts), so a worker skips its siblings' messages as its own.
     */
    instanceId: string = randomUUID(),
  ) {
    this.instanceId = instanceId;
    this.channel = channel;
    this.subscribed = new Promise((resolve) => {
      this.confirmSubscribed = resolve;
    });
    this.ownPrefix = `{"i":${JSON.stringify(this.instanceId)},`;
    this.unhook = hub.onLocal((e) => this.outgoing.push(e));
    publisher.on('ready', this.onPublisherReady);
    subscriber.on('message', (ch: string, message: string) => {
      if (ch === this.channel) this.receive(message);
    });
  }

  /** True while the subscriber connection is up, so other instances' events arrive. */
  get receiving(): boolean {
    return this.subscriber.status === 'ready';
  }

  /** Subscribes on every connect without waiting for Redis: a dead Redis at start-up must not block the sidecar. */
  start(): void {
    keepSubscribed(this.subscriber, [this.channel], {
      onSubscribed: () => {
        this.confirmSubscribed();
        // What was published while we were not subscribed is lost, so connected clients must reload.
        // (At start-up nobody is connected yet; after a late first connect, the clients that came
        // meanwhile missed other instances' events too.)
        if (this.everSubscribed) this.logger.info('slot_updates subscription restored: asking clients to refetch');
        this.everSubscribed = true;
        this.hub.requestRefetch();
      },
      onError: (err) => this.logger.warn({ err: err.message }, 'slot_updates subscribe failed (subscribing again when Redis is back)'),
    });
    if (this.subscriber.status === 'wait') this.subscriber.connect().catch(() => {});
  }

  /**
   * Events are published on a later turn of the event loop, not inside the
   * request that made them (EventBatcher): serialising and writing the
   * PUBLISH then happens after that request's response is written, and the
   * events of a batch go out as one message (`es`, in order) instead of one
   * PUBLISH each. Every message costs each instance a delivery (ours
   * included: the echo); batching made a hold markedly cheaper in `npm run
   * bench -- locks`. Order is kept: one queue, flushed in order on one connection.
   */
  private async send(events: SlotEvent[]): Promise<void> {
    if (this.publisher.status !== 'ready') {
      this.missedPublish = true;
      return;
    }
    try {
      for (let at = 0; at < events.length; at += MAX_EVENTS_PER_MESSAGE) {
        const batch = events.slice(at, at + MAX_EVENTS_PER_MESSAGE);
        const message = batch.length === 1 ? { i: this.instanceId, e: batch[0] } : { i: this.instanceId, es: batch };
        await this.publisher.publish(this.channel, JSON.stringify(message));
      }
      if (this.missedPublish) await this.announceMissed();
    } catch (err) {
      this.missedPublish = true;
      this.logger.warn({ err: (err as Error).message }, 'slot event may not have reached other instances');
    }
  }

  /** After publishes failed, tell every instance's clients (ours included) to refetch. */
  private async announceMissed(): Promise<void> {
    if (!this.missedPublish || this.publisher.status !== 'ready') return;
    this.missedPublish = false;
    this.hub.requestRefetch();
    try {
      await this.publisher.publish(this.channel, JSON.stringify({ i: this.instanceId, refetch: true }));
    } catch {
      this.missedPublish = true;
    }
  }

  private receive(message: string): void {
    // Our own publishes echo back on the subscription; parsing each one cost as much as making it.
    if (message.startsWith(this.ownPrefix)) return;
    let parsed: z.infer<typeof envelope>;
    try {
      const r = envelope.safeParse(JSON.parse(message));
      if (!r.success) return void this.logger.warn('malformed message on slot_updates ignored');
      parsed = r.data;
    } catch {
      return void this.logger.warn('non-JSON message on slot_updates ignored');
    }
    if (parsed.i === this.instanceId) return;
    if (parsed.e) this.hub.deliver(parsed.e as SlotEvent);
    else if (parsed.es) for (const e of parsed.es) this.hub.deliver(e as SlotEvent);
    else if (parsed.refetch) this.hub.requestRefetch();
  }

  async close(): Promise<void> {
    this.unhook();
    // Events of the last turn still go out (the publisher is closed after us).
    await this.outgoing.flush();
    this.publisher.off('ready', this.onPublisherReady);
    this.subscriber.disconnect();
  }
}

/** A sweep can free hundreds of locks in one turn: big turns go out in several messages. */
const MAX_EVENTS_PER_MESSAGE = 1_000;

/** One event (`e`), a turn's events in order (`es`), or a request to refetch. */
const envelope = z.object({ i: z.string(), e: slotEventSchema.optional(), es: z.array(slotEventSchema).max(MAX_EVENTS_PER_MESSAGE).optional(), refetch: z.boolean().optional() });

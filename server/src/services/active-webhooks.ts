import type { WebhookSubscription, WebhooksRepository } from '../db/repositories/webhooks-repository';
import type { RedisGuard } from '../redis/guard';
import { stillFresh } from './catalogue';

/**
 * The active webhooks in memory, so that a booking change's transaction
 * reads no webhook row (every booking, move and cancellation asked MySQL for
 * the same short list). Kept current the way the catalogue snapshot is
 * (services/catalogue.ts), with the same bounds:
 *
 * - With Redis, the list is tagged with the webhook generation
 *   (`webhooks-gen`), read by every caller: one GET, before the change's
 *   transaction. An admin change on any instance bumps it before its answer
 *   goes out, so every booking change that starts after that answer — on any
 *   instance, in any worker process — writes events for the new list.
 * - Without Redis (REDIS_ENABLED=false, or the breaker open), a list is
 *   trusted LOCAL_SNAPSHOT_MS (1 s, catalogue.ts's `stillFresh`); the instance that made the change drops
 *   its own at once.
 * - Whatever the generation says, a list is reloaded after MAX_SNAPSHOT_MS
 *   (60 s): `npm run migrate`'s carry-over writes webhooks without Redis.
 * - A change made while Redis could not be told is announced (the generation
 *   bumped) when the breaker closes again; every instance also drops its list
 *   then, so a generation lost with a restarted Redis costs nothing.
 *
 * A list that is stale within those bounds costs little: the delivery
 * handler reads the webhook again before every attempt, so an event written
 * for a webhook deleted or paused meanwhile is cancelled, never sent (its
 * delivery row removed, or marked failed "webhook paused"); a webhook created
 * meanwhile misses the events of changes that read the list before it existed.
 */
export class ActiveWebhooks {
  private held: { gen: string | undefined; at: number; list: readonly WebhookSubscription[] } | undefined;
  private loading: { gen: string | undefined; list: Promise<readonly WebhookSubscription[]> } | undefined;
  /** Bumped by every local change: a load that began before one must not become the held list. */
  private epoch = 0;
  /** A change this instance could not announce (Redis down): announced when it is back. */
  private unannounced = false;

  constructor(
    private readonly deps: {
      repo: Pick<WebhooksRepository, 'active'>;
      guard: RedisGuard;
      /** The generation's Redis key (`keys.webhooksGeneration()`). */
      generationKey: string;
    },
  ) {
    deps.guard.on('up', () => {
      this.held = undefined;
      if (this.unannounced) void this.announce();
    });
  }

  /** The active webhooks now. Call before a transaction, never inside one: it may ask Redis, and MySQL on a change. */
  async list(): Promise<readonly WebhookSubscription[]> {
    const gen = await this.generation();
    const held = this.held;
    if (stillFresh(held, gen)) return held.list;
    if (this.loading && this.loading.gen === gen) return this.loading.list;
    return this.load(gen);
  }

  /** After any webhook change (create, update, delete): drop the list here and tell every other instance. */
  async changed(): Promise<void> {
    this.epoch++;
    this.held = undefined;
    this.loading = undefined;
    const bumped = await this.deps.guard.tryRedis((r) => r.incr(this.deps.generationKey));
    if (bumped === undefined && this.deps.guard.state !== 'disabled') this.unannounced = true;
  }

  private load(gen: string | undefined): Promise<readonly WebhookSubscription[]> {
    const epoch = this.epoch;
    const at = Date.now();
    const list: Promise<readonly WebhookSubscription[]> = this.deps.repo.active().then((rows) => {
      const value = Object.freeze(rows.map((w) => Object.freeze({ ...w, events: Object.freeze([...w.events]) })));
      if (epoch === this.epoch && (!this.held || this.held.at <= at)) this.held = { gen, at, list: value };
      return value;
    });
    const entry = { gen, list };
    this.loading = entry;
    const done = () => {
      if (this.loading === entry) this.loading = undefined;
    };
    list.then(done, done);
    return list;
  }

  /** The generation in Redis ('0' before the first change); undefined while Redis is not in use. */
  private async generation(): Promise<string | undefined> {
    const v = await this.deps.guard.tryRedis((r) => r.get(this.deps.generationKey));
    return v === undefined ? undefined : (v ?? '0');
  }

  private async announce(): Promise<void> {
    this.unannounced = false;
    const bumped = await this.deps.guard.tryRedis((r) => r.incr(this.deps.generationKey)).catch(() => undefined);
    if (bumped === undefined) this.unannounced = true;
  }
}

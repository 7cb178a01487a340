import type { Logger } from '../logger';
import type { MailMessage, MailTransport } from './message';
import { withTimeout } from '../with-timeout';

/** A message, or how to build it (template reads happen off the request path too). */
export type MailJob = MailMessage | { kind: MailMessage['kind']; build: () => Promise<MailMessage> };

/**
 * Mail leaves the request path: routes enqueue and answer at once, so a slow
 * or failing mail server can neither delay a response nor reveal through
 * timing which addresses get mail. One worker sends in order, retrying a
 * failed message with growing delays before giving up and logging it.
 * In-process on purpose: a restart loses queued mail, which for codes only
 * means asking for a new one (documented).
 */
export class MailQueue {
  private readonly pending: MailJob[] = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  sent = 0;
  failed = 0;

  constructor(
    private readonly transport: MailTransport,
    private readonly logger: Logger,
    private readonly options: { attempts?: number; retryDelayMs: number; maxQueued?: number },
  ) {}

  enqueue(message: MailJob): void {
    if (this.closed) return;
    if (this.pending.length >= (this.options.maxQueued ?? 10_000)) {
      this.failed += 1;
      this.logger.error({ kind: message.kind }, 'mail queue full: message dropped');
      return;
    }
    this.pending.push(message);
    this.running ??= this.work().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when everything queued so far has been sent or given up (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async work(): Promise<void> {
    // Yield first so the enqueueing request finishes before any mail work starts.
    await new Promise((r) => setImmediate(r));
    for (let m = this.pending.shift(); m; m = this.pending.shift()) await this.deliver(m);
  }

  private async deliver(job: MailJob): Promise<void> {
    const attempts = this.options.attempts ?? 4;
    const m = { kind: job.kind };
    let message: MailMessage | undefined = 'build' in job ? undefined : job;
    for (let i = 1; i <= attempts; i++) {
      try {
        message ??= await (job as { build: () => Promise<MailMessage> }).build();
        await this.transport.send(message);
        this.sent += 1;
        this.logger.info({ kind: m.kind, transport: this.transport.name, attempt: i }, 'mail sent');
        return;
      } catch (err) {
        const last = i === attempts || this.closed;
        this.logger[last ? 'error' : 'warn']({ kind: m.kind, transport: this.transport.name, attempt: i, err: (err as Error).message }, last ? 'mail failed: giving up' : 'mail failed: will retry');
        if (last) break;
        await new Promise((r) => {
          this.timer = setTimeout(r, this.options.retryDelayMs * 2 ** (i - 1));
        });
      }
    }
    this.failed += 1;
  }

  /** Stops retrying; gives queued mail up to `graceMs` to go out. */
  async close(graceMs = 5_000): Promise<void> {
    await withTimeout(this.idle(), graceMs, 'mail queue drain').catch(() => {});
    this.closed = true;
    clearTimeout(this.timer);
    this.transport.close?.();
  }
}

import type { Pool } from '../db/pool';
import type { AppointmentsRepository } from '../db/repositories/appointments-repository';
import type { SettingsRepository } from '../db/repositories/settings-repository';
import type { OutboxRepository } from '../db/repositories/outbox-repository';
import { localDateTimeInstant, toLocalSql } from '../domain/time';
import type { Logger } from '../logger';
import { REMINDER_OUTBOX_KIND, reminderEntries } from './booking-outbox';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Appointments read per statement; the window of a busy site with a week's reminder is read in pieces. */
const PAGE = 500;
/** Beyond the largest offset, the window reaches this many periods ahead: a reminder is planned a run or two before it is due. */
const LOOKAHEAD_PERIODS = 3;

export interface SweepResult {
  /** Appointments in the window that a reminder may still be due for. */
  appointments: number;
  /** Reminder rows this run wrote (ones no booking change had planned). */
  planned: number;
}

/**
 * Plans the reminders no booking change planned (CONTRACT §12: "each
 * non-cancelled appointment gets one reminder mail per entry"):
 *
 * - appointments written before the upgrade, or by the AppointEase plugin
 *   itself, which never went through the sidecar's booking transaction;
 * - offsets added to the `reminders` setting after an appointment was booked
 *   (AdminSettings asks for a run right after a change);
 * - a booking that read the settings just before they changed.
 *
 * It only adds: a row for an offset that left the setting, or for a time
 * that no longer holds (a move, a time-zone change), is dropped by the
 * reminder handler when it falls due (services/reminder-handler.ts).
 *
 * Every instance runs it every `periodMs`, over the appointments whose
 * reminders can fall due before the next runs are over: starting within the
 * largest offset plus three periods. Appointments further out
 * are planned by a later run, still ahead of time; their own booking change
 * has usually planned them long before. Four reads when nothing is missing
 * (the settings' two, the window's appointments, their reminder keys; three
 * when the window is empty); the dedupe key makes two instances' runs, and a
 * run racing a booking, write one row.
 */
export class ReminderSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly deps: {
      /** The rows go in on their own, outside any transaction: each is whole by itself. */
      pool: Pick<Pool, 'query'>;
      appointments: Pick<AppointmentsRepository, 'remindable'>;
      outbox: Pick<OutboxRepository, 'liveDedupeKeys' | 'enqueue'>;
      /**
       * The settings as stored, read afresh each run: not the catalogue snapshot, which a run at
       * start-up would load (and keep) before a site's tables are all written.
       */
      settings: Pick<SettingsRepository, 'rules'>;
      /** The outbox worker's wake(at): told when the earliest new row falls due. */
      wake?: (dueAt?: Date) => void;
      logger: Logger;
      now?: () => number;
    },
    private readonly options: { periodMs: number },
  ) {}

  /** Runs at once (the backfill after an upgrade), then every period. */
  start(): void {
    this.schedule(0);
  }

  /** A run soon (after a settings change); one already running is followed by another. */
  requestRun(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** One pass over the window; the timer's runs and requestRun() come here. */
  async run(): Promise<SweepResult> {
    const rules = await this.deps.settings.rules();
    const offsets = rules.reminders;
    if (offsets.length === 0) return { appointments: 0, planned: 0 };
    const zone = rules.timezone;
    const now = this.now();
    const horizon = now + Math.max(...offsets.map((o) => o.minutesBefore)) * MINUTE + LOOKAHEAD_PERIODS * this.options.periodMs;
    // Local wall-clock bounds with a day's slack either side (zone offsets, a DST change); the
    // instants decide below.
    const fromLocal = toLocalSql(now - DAY, zone);
    const toLocal = toLocalSql(horizon + DAY, zone);
    let after: { date: string; id: number } | null = null;
    let appointments = 0;
    let planned = 0;
    let earliest: number | null = null;
    for (;;) {
      const page = await this.deps.appointments.remindable(fromLocal, toLocal, after, PAGE);
      const inWindow = page
        .map((row) => ({ id: row.id, startLocal: row.appointment_date, start: localDateTimeInstant(row.appointment_date, zone) }))
        .filter((a) => a.start > now && a.start <= horizon);
      appointments += inWindow.length;
      if (inWindow.length > 0) {
        const live = await this.deps.outbox.liveDedupeKeys(REMINDER_OUTBOX_KIND, inWindow.map((a) => a.id));
        const missing = inWindow.flatMap((a) => reminderEntries(a.id, { start: a.start, startLocal: a.startLocal }, offsets, now)).filter((e) => !live.has(e.dedupeKey!));
        if (missing.length > 0) {
          // INSERT IGNORE: another instance's run or a booking change may have written some meanwhile.
          planned += await this.deps.outbox.enqueue(this.deps.pool, missing);
          for (const e of missing) earliest = Math.min(earliest ?? Infinity, e.dueAt!.getTime());
        }
      }
      if (page.length < PAGE) break;
      const last = page[page.length - 1]!;
      after = { date: last.appointment_date, id: last.id };
    }
    if (planned > 0) {
      this.deps.logger.info({ appointments, planned }, 'reminders: planned the ones no booking change had');
      if (earliest !== null) this.deps.wake?.(new Date(earliest));
    }
    return { appointments, planned };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runAndReschedule(), delayMs);
    this.timer.unref();
  }

  private async runAndReschedule(): Promise<void> {
    if (this.closed) return;
    this.running = this.run().then(
      () => undefined,
      (err: unknown) => this.deps.logger.warn({ err: (err as Error).message }, 'reminders: sweep failed; the next one tries again'),
    );
    await this.running;
    this.running = undefined;
    if (this.closed) return;
    const again = this.again;
    this.again = false;
    this.schedule(again ? 0 : this.options.periodMs);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

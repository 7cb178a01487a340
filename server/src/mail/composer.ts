import type { Config } from '../config';
import type { AppointmentRow } from '../db/repositories/appointments-repository';
import type { EmailTemplatesRepository, TemplateType } from '../db/repositories/email-templates-repository';
import type { SettingsRepository } from '../db/repositories/settings-repository';
import { API_BASE } from '../contract';
import { busyBlockOf } from '../domain/busy-blocks';
import type { ServiceShape } from '../domain/slot-grid';
import { localDateTimeInstant } from '../domain/time';
import {
  cancellationMail,
  codeMail,
  confirmationMail,
  reminderMail,
  rescheduleMail,
  type AppointmentMailInput,
  type SiteIdentity,
} from './customer-mails';
import { revisionSequence } from './ics-format';
import { mailLanguageFor } from './language';
import { manageUrl } from './manage-link';
import { isProductName, senderAddress } from './sender';
import type { MailMessage } from './message';

/** WordPress's own settings and the site's templates change rarely and outside our API: re-read at most this often. */
const SITE_TTL_MS = 60_000;

export interface SiteContext extends SiteIdentity {
  /** The public address of `/appointease/v1` that links point to. */
  apiRoot: string;
}

/** What a mail needs of the catalogue: names and durations, and the business zone (services/catalogue.ts provides it). */
export interface MailCatalogue {
  snapshot(): Promise<{
    services: ReadonlyMap<number, ServiceShape & { name: string }>;
    staff: ReadonlyMap<number, { name: string }>;
    rules: { timezone: string; slotInterval: number };
  }>;
}

/**
 * Gathers the facts of a customer mail — the appointment from its row and the
 * catalogue, the site's name and language from WordPress's options, the
 * site's template, the signed manage link — and hands them to the pure
 * builders in customer-mails.ts. What the mail queue and the reminders call.
 */
export class MailComposer {
  private siteCache: { at: number; value: Promise<SiteContext> } | undefined;
  private readonly templateCache = new Map<TemplateType, { at: number; value: Promise<{ subject: string; body: string } | undefined> }>();
  private lastGoodSite: SiteContext | undefined;

  constructor(
    private readonly deps: {
      templates: EmailTemplatesRepository;
      catalogue: MailCatalogue;
      settings: SettingsRepository;
      config: Pick<Config, 'mail' | 'otpTtlSeconds' | 'secret' | 'publicUrl'>;
      /** Where this instance listens: the links' last resort when neither PUBLIC_URL nor WordPress's address is known. */
      listenUrl?: () => string | undefined;
      now?: () => number;
    },
  ) {}

  /**
   * The code mail is how customers sign in: when WordPress's options or the
   * template cannot be read, it goes out anyway, with the site as last seen
   * (or named after MAIL_FROM, in English) and the built-in words.
   */
  async code(to: string, code: string): Promise<MailMessage> {
    const [site, template] = await Promise.all([
      this.site().catch(() => this.lastGoodSite ?? this.fallbackSite()),
      this.template('verification_code').catch(() => undefined),
    ]);
    return codeMail({ to, site, code, validMinutes: Math.max(1, Math.round(this.deps.config.otpTtlSeconds / 60)), template });
  }

  async confirmation(row: AppointmentRow): Promise<MailMessage> {
    return confirmationMail(await this.appointmentInput('confirmation', row, 0));
  }

  /** `previous`: the local date and time the appointment had before the move (the booking hook's `from`). */
  async reschedule(row: AppointmentRow, previous?: { date: string; time: string }): Promise<MailMessage> {
    const input = await this.appointmentInput('reschedule', row, this.revisionOf(row));
    let before: { start: number; end: number } | undefined;
    if (previous) {
      const start = localDateTimeInstant(`${previous.date} ${previous.time}:00`, input.appointment.zone);
      before = { start, end: start + (input.appointment.end - input.appointment.start) };
    }
    return rescheduleMail({ ...input, previous: before });
  }

  async cancellation(row: AppointmentRow): Promise<MailMessage> {
    return cancellationMail(await this.appointmentInput('cancellation', row, revisionSequence(this.now())));
  }

  /**
   * A reminder for an appointment as it is now (re-read the row before
   * calling: a moved appointment is reminded at its new time). Its `.ics`
   * repeats the current revision, so it never undoes a later change.
   */
  async reminder(row: AppointmentRow): Promise<MailMessage> {
    return reminderMail(await this.appointmentInput('reminder', row, row.rescheduled_at ? this.revisionOf(row) : 0));
  }

  /** The site's name, language and public address (cached for a minute). */
  site(): Promise<SiteContext> {
    const now = this.now();
    if (!this.siteCache || now - this.siteCache.at > SITE_TTL_MS) {
      const value = this.loadSite();
      this.siteCache = { at: now, value };
      value.catch(() => {
        if (this.siteCache?.value === value) this.siteCache = undefined;
      });
    }
    return this.siteCache.value;
  }

  private async loadSite(): Promise<SiteContext> {
    const wp = await this.deps.settings.wordpressSite();
    const homeOrigin = originOf(wp.home);
    const site = {
      name: decodeWordPressText(wp.blogname) || (homeOrigin ? new URL(homeOrigin).host : '') || this.fallbackSite().name,
      language: mailLanguageFor(wp.locale),
      apiRoot: `${this.deps.config.publicUrl || homeOrigin || this.listenBase()}${API_BASE}`,
    };
    this.lastGoodSite = site;
    return site;
  }

  private fallbackSite(): SiteContext {
    return {
      name: senderAddress(this.deps.config.mail.from).name || 'AppointEase',
      language: mailLanguageFor(''),
      apiRoot: `${this.deps.config.publicUrl || this.listenBase()}${API_BASE}`,
    };
  }

  private listenBase(): string {
    return this.deps.listenUrl?.() || 'http://127.0.0.1';
  }

  private async appointmentInput(type: TemplateType, row: AppointmentRow, sequence: number): Promise<AppointmentMailInput> {
    const [snap, site, template] = await Promise.all([this.deps.catalogue.snapshot(), this.site(), this.template(type)]);
    const zone = snap.rules.timezone;
    const { start, end } = busyBlockOf(row, snap, zone);
    const service = row.service_id == null ? undefined : snap.services.get(Number(row.service_id));
    const employee = row.employee_id == null ? undefined : snap.staff.get(Number(row.employee_id));
    // Rows the original plugin wrote may lack a reference: the manage page also takes the numeric id.
    const reference = String(row.strong_id ?? '') || String(row.id);
    const sender = senderAddress(this.deps.config.mail.from);
    return {
      to: String(row.email),
      site,
      appointment: {
        reference,
        customerName: String(row.name ?? ''),
        serviceName: service?.name ?? null,
        employeeName: employee?.name ?? null,
        start,
        end,
        zone,
      },
      manageUrl: manageUrl(site.apiRoot, this.deps.config.secret, reference),
      organizer: { name: isProductName(sender.name) ? site.name : sender.name, email: sender.email },
      sequence,
      template,
      now: this.now(),
    };
  }

  /**
   * The site's template of a type, read at most once a minute like the site's
   * options (every code request sends a mail: not a query each). A failed read
   * is not kept: the next mail asks again.
   */
  private template(type: TemplateType): Promise<{ subject: string; body: string } | undefined> {
    const now = this.now();
    const cached = this.templateCache.get(type);
    if (cached && now - cached.at <= SITE_TTL_MS) return cached.value;
    const value = this.deps.templates.activeOf(type);
    this.templateCache.set(type, { at: now, value });
    value.catch(() => {
      if (this.templateCache.get(type)?.value === value) this.templateCache.delete(type);
    });
    return value;
  }

  /** The SEQUENCE of the stored change (`rescheduled_at`, UTC), so every mail about one revision carries the same number. */
  private revisionOf(row: AppointmentRow): number {
    const at = row.rescheduled_at ? Date.parse(`${String(row.rescheduled_at).replace(' ', 'T')}Z`) : NaN;
    return revisionSequence(Number.isFinite(at) ? at : this.now());
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

function originOf(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : '';
  } catch {
    return '';
  }
}

/**
 * WordPress stores the site title HTML-escaped (`Salon &amp; Spa`); its own
 * mails decode it with wp_specialchars_decode(…, ENT_QUOTES), which is this.
 */
export function decodeWordPressText(value: string): string {
  return value
    .replace(/&(lt|gt|quot|#0*39|#x0*27|amp);/gi, (m, e: string) => {
      const k = e.toLowerCase();
      return k === 'lt' ? '<' : k === 'gt' ? '>' : k === 'quot' ? '"' : k === 'amp' ? '&' : "'";
    })
    .trim();
}

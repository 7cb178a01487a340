import type { Pool } from '../pool';
import type { Tables } from '../schema';

/**
 * AppointEase's types for customer mails (its `admin_notification` is not one),
 * plus `verification_code` for the one-time code mail.
 */
export type TemplateType = 'confirmation' | 'cancellation' | 'reschedule' | 'reminder' | 'verification_code';

/** The site's mail templates (AppointEase's table); the newest active row of a type wins. */
export class EmailTemplatesRepository {
  constructor(private readonly pool: Pool, private readonly t: Tables) {}

  async activeOf(type: TemplateType): Promise<{ subject: string; body: string } | undefined> {
    const [rows] = await this.pool.query<any[]>(
      `SELECT subject, body FROM \`${this.t.emailTemplates}\` WHERE type = ? AND (is_active IS NULL OR is_active = 1) ORDER BY id DESC LIMIT 1`,
      [type],
    );
    const r = rows[0];
    if (!r || r.body == null || String(r.body).trim() === '') return undefined;
    return { subject: r.subject == null || String(r.subject).trim() === '' ? '' : String(r.subject), body: String(r.body) };
  }
}

/**
 * The site's own mail templates: rows of `{prefix}appointease_email_templates`
 * (AppointEase's table; the newest active row of a type wins), with
 * AppointEase's placeholders and ours (docs/mail.md lists them all).
 *
 * A template sets the words; the facts a customer needs are always in the
 * mail: the details block and the manage button are added after the
 * template's text unless it places them itself (`{appointment_details}`,
 * `{manage_button}` or `{manage_url}`), as is the code in a code mail.
 *
 * Substitution is one pass over the template, so a value that itself
 * contains `{reference}` is never expanded. Values are plain text: escaped in
 * the HTML part, as they are in the text part. The site's markup is trusted
 * (administrators wrote it); the values are not.
 */
import { escapeHtml } from './layout';

export { escapeHtml };

export const PLACEHOLDERS = [
  // AppointEase's own.
  'customer_name',
  'appointment_date',
  'appointment_time',
  'service_name',
  'employee_name',
  'reference',
  // Added by the sidecar.
  'site_name',
  'appointment_end_time',
  'appointment_when',
  'time_zone',
  'duration',
  'manage_url',
  'previous_when',
  'code',
  'code_minutes',
  // Whole blocks: HTML in the HTML part, written text in the text part.
  'appointment_details',
  'manage_button',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const BLOCK_PLACEHOLDERS = ['appointment_details', 'manage_button'] as const;
export type BlockPlaceholder = (typeof BLOCK_PLACEHOLDERS)[number];
export type ValuePlaceholder = Exclude<Placeholder, BlockPlaceholder>;

export type TemplateValues = Partial<Record<ValuePlaceholder, string>>;
export type TemplateBlocks = Partial<Record<BlockPlaceholder, { html: string; text: string }>>;

export interface SiteTemplate {
  /** Empty: the built-in subject in the site's language. */
  subject: string;
  body: string;
}

export interface RenderedTemplate {
  /** Null when the template has no subject of its own. */
  subject: string | null;
  /** A fragment for the layout, or (`document`) a whole HTML page the site wrote. */
  html: string;
  text: string;
  document: boolean;
  used: ReadonlySet<Placeholder>;
}

const PLACEHOLDER_RE = new RegExp(`\\{(${PLACEHOLDERS.join('|')})\\}`, 'g');
const isBlock = (p: Placeholder): p is BlockPlaceholder => (BLOCK_PLACEHOLDERS as readonly string[]).includes(p);

export function placeholdersIn(template: string): Set<Placeholder> {
  return new Set([...template.matchAll(PLACEHOLDER_RE)].map((m) => m[1] as Placeholder));
}

/** One pass: each placeholder replaced by `value(name)`; unknown `{words}` stay as written. */
export function fill(template: string, value: (p: Placeholder) => string): string {
  return template.replace(PLACEHOLDER_RE, (_m, name: Placeholder) => value(name));
}

/** A header value: one line, no control characters (no header injection), at most 250 characters. */
export function headerSafe(value: string): string {
  return value
    .replace(/[\r\n\t\u2028\u2029]+/g, ' ')
    .replace(/[\x00-\x1f\x7f]/g, '')
    .replace(/\s{2,}/g, ' ')
    .trim()
    .slice(0, 250);
}

const looksLikeHtml = (body: string) => /<\/?[a-z][^>]*>/i.test(body);
const isDocument = (body: string) => /<html[\s>]/i.test(body);

/** The text part of an admin-written HTML template (its markup only: our values are put in afterwards). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(head|style|script|title)[\s>][\s\S]*?<\/\1>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h\d|li|tr|table|blockquote)>/gi, '\n')
    .replace(/<li[^>]*>/gi, '• ')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n[ \t]+/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Renders a site template with plain-text values and our blocks. */
export function renderSiteTemplate(template: SiteTemplate, values: TemplateValues, blocks: TemplateBlocks): RenderedTemplate {
  const textOf = (p: Placeholder) => (isBlock(p) ? (blocks[p]?.text ?? '') : (values[p] ?? ''));
  const htmlOf = (p: Placeholder) => (isBlock(p) ? (blocks[p]?.html ?? '') : escapeHtml(values[p] ?? ''));
  const subject = template.subject.trim() === '' ? null : headerSafe(fill(template.subject, (p) => (isBlock(p) ? '' : textOf(p))));
  const used = placeholdersIn(template.body);
  const body = template.body.replace(/\r\n?/g, '\n');

  if (looksLikeHtml(body)) {
    const html = fill(body, htmlOf);
    // Placeholders become markers before the tags are stripped, so our values never pass through the
    // entity decoding meant for the site's markup, and a block's own text replaces its marker.
    const markers: Placeholder[] = [];
    const marked = fill(body, (p) => `\u0000${markers.push(p) - 1}\u0000`);
    const text = htmlToText(marked).replace(/\u0000(\d+)\u0000/g, (_m, i: string) => textOf(markers[Number(i)]!));
    return { subject, html, text, document: isDocument(body), used };
  }

  const text = fill(body, textOf).trim();
  // Paragraphs at blank lines; a line that is just a block placeholder becomes the block itself.
  const html = body
    .split(/\n{2,}/)
    .map((para) => para.trim())
    .filter(Boolean)
    .map((para) => {
      const only = /^\{(appointment_details|manage_button)\}$/.exec(para);
      if (only) return htmlOf(only[1] as Placeholder);
      return `<p style="margin:0 0 16px;">${fill(escapeHtml(para), htmlOf).split('\n').join('<br>\n')}</p>`;
    })
    .join('\n');
  return { subject, html, text, document: false, used };
}

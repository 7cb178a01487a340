/**
 * Mail templates: the site's own rows from `{prefix}appointease_email_templates`
 * (AppointEase's placeholders) when an active one exists for the type, else
 * the built-in text. Substitution is one pass over the template, so a value
 * that itself contains `{reference}` is never expanded; every value is
 * HTML-escaped in the HTML part.
 */
export const PLACEHOLDERS = ['customer_name', 'appointment_date', 'appointment_time', 'service_name', 'employee_name', 'reference'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Record<Placeholder, string>;

export interface MailTemplate {
  subject: string;
  body: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const PLACEHOLDER_RE = /\{(customer_name|appointment_date|appointment_time|service_name|employee_name|reference)\}/g;

export function fill(template: string, values: TemplateValues, encode: (v: string) => string = (v) => v): string {
  return template.replace(PLACEHOLDER_RE, (_m, name: Placeholder) => encode(values[name]));
}

const looksLikeHtml = (body: string) => /<\/?[a-z][^>]*>/i.test(body);

/** Strips markup for the text part of an HTML template (admin-authored, so no sanitising needed beyond this). */
function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h\d|li|tr)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Subject, text and HTML of one message. Header values lose line breaks (no header injection). */
export function render(template: MailTemplate, values: TemplateValues): { subject: string; text: string; html: string } {
  const subject = fill(template.subject, values).replace(/[\r\n]+/g, ' ').trim();
  if (looksLikeHtml(template.body)) {
    // The site's markup is trusted (admins wrote it); the values are not.
    const html = fill(template.body, values, escapeHtml);
    // Escaped values survive the tag stripping and are decoded back with the markup's entities.
    return { subject, text: htmlToText(html), html: wrap(html) };
  }
  const text = fill(template.body, values);
  const html = wrap(
    fill(escapeHtml(template.body), values, escapeHtml)
      .split(/\r?\n/)
      .join('<br>\n'),
  );
  return { subject, text, html };
}

function wrap(inner: string): string {
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">\n${inner}\n</body></html>`;
}

export const BUILT_IN: Record<'confirmation' | 'cancellation' | 'reschedule', MailTemplate> = {
  confirmation: {
    subject: 'Your appointment is confirmed ({reference})',
    body: [
      'Hello {customer_name},',
      '',
      'your appointment is confirmed:',
      '{service_name} with {employee_name}',
      '{appointment_date} at {appointment_time}',
      '',
      'Reference: {reference}',
      'The attached calendar file adds it to your calendar.',
    ].join('\n'),
  },
  cancellation: {
    subject: 'Your appointment was cancelled ({reference})',
    body: [
      'Hello {customer_name},',
      '',
      'your appointment has been cancelled:',
      '{service_name} with {employee_name}',
      '{appointment_date} at {appointment_time}',
      '',
      'Reference: {reference}',
    ].join('\n'),
  },
  reschedule: {
    subject: 'Your appointment was moved ({reference})',
    body: [
      'Hello {customer_name},',
      '',
      'your appointment has been moved to:',
      '{service_name} with {employee_name}',
      '{appointment_date} at {appointment_time}',
      '',
      'Reference: {reference}',
      'The attached calendar file updates your calendar entry.',
    ].join('\n'),
  },
};

/**
 * The one look of every customer mail, as HTML and as written plain text.
 *
 * HTML habits that read the same in Gmail, Outlook (Word's renderer) and
 * Apple Mail: layout tables (`role="presentation"`), inline styles on every
 * element (Gmail drops `<style>` in some views, so it only refines the narrow
 * layout), a 600 px column that shrinks to the screen (`max-width` plus a
 * fixed-width table for Outlook inside `<!--[if mso]>`), a button made of a
 * coloured cell (Outlook ignores padding on links), system fonts, no images
 * (blocked by default in many clients), the direction on the content itself
 * (`dir` on `<html>` is lost when a webmail embeds the body).
 *
 * The text part is written from the same blocks, not stripped from the HTML.
 * Every value reaching this module is plain text and escaped here, except a
 * site template's own markup (`raw`), which admins wrote.
 */
import type { MailLanguage } from './language';

export type DetailLine = { text: string; tone?: 'strong' | 'normal' | 'muted' };
export interface DetailRow {
  label: string;
  lines: DetailLine[];
  /** The row in the text part, when it reads better as one phrase than as the lines joined. */
  text?: string;
  /** Left-to-right content (references, codes) inside a right-to-left mail. */
  ltr?: boolean;
}

export type Block =
  | { kind: 'paragraph'; text: string; tone?: 'normal' | 'muted' | 'small' }
  | { kind: 'code'; code: string }
  | { kind: 'details'; rows: DetailRow[] }
  | { kind: 'button'; intro: string; label: string; url: string; note: string; copyLink: string }
  | { kind: 'raw'; html: string; text: string };

export interface MailDocument {
  language: MailLanguage;
  /** The site's name, the header of every mail. */
  site: string;
  /** The document title (the subject). */
  title: string;
  /** The preview line inbox lists show after the subject. */
  preheader: string;
  heading: string;
  blocks: Block[];
  footer: string;
  /** Between a label and its value in text (`: `, French `\u00a0: `). */
  labelSeparator: string;
}

const ACCENT = '#1d4ed8';
const INK = '#111827';
const BODY = '#1f2937';
const MUTED = '#4b5563';
const LINE = '#e5e7eb';
const PAGE = '#f3f4f6';
const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Tahoma,Helvetica,Arial,sans-serif";
const MONO = "ui-monospace,SFMono-Regular,Menlo,Consolas,'Courier New',monospace";

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const side = (l: MailLanguage) => (l.dir === 'rtl' ? 'right' : 'left');
const text = (size: number, color: string, extra = '') => `font-family:${FONT};font-size:${size}px;line-height:1.5;color:${color};${extra}`;

export function detailsHtml(rows: DetailRow[], language: MailLanguage): string {
  const align = side(language);
  const body = rows
    .map((row, i) => {
      const pad = `padding:${i === 0 ? 14 : 6}px 16px ${i === rows.length - 1 ? 14 : 6}px 16px`;
      const lines = row.lines
        .map((l) => {
          const tone = l.tone ?? 'normal';
          const style = tone === 'strong' ? text(16, INK, 'font-weight:600;') : tone === 'muted' ? text(13, MUTED) : text(15, BODY);
          return `<span style="${style}">${escapeHtml(l.text)}</span>`;
        })
        .join('<br>');
      const value = row.ltr && language.dir === 'rtl' ? `<span dir="ltr">${lines}</span>` : lines;
      return (
        `<tr><td class="ae-label" width="34%" valign="top" style="${pad};${text(14, MUTED)}text-align:${align};">${escapeHtml(row.label)}</td>` +
        `<td class="ae-value" valign="top" style="${pad};text-align:${align};">${value}</td></tr>`
      );
    })
    .join('\n');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:separate;background:#f9fafb;border:1px solid ${LINE};border-radius:8px;">\n${body}\n</table>`;
}

export function detailsText(rows: DetailRow[], separator: string): string {
  return rows.map((r) => `${r.label}${separator}${r.text ?? r.lines.map((l) => l.text).join(' ')}`).join('\n');
}

export function buttonHtml(b: Extract<Block, { kind: 'button' }>, language: MailLanguage): string {
  const align = side(language);
  const url = escapeHtml(b.url);
  return [
    `<p style="margin:0 0 12px;${text(15, BODY)}text-align:${align};">${escapeHtml(b.intro)}</p>`,
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" class="ae-button"><tr>`,
    `<td align="center" bgcolor="${ACCENT}" style="border-radius:6px;background:${ACCENT};mso-padding-alt:12px 24px;">`,
    `<a href="${url}" target="_blank" rel="noopener" style="display:inline-block;padding:12px 24px;border:1px solid ${ACCENT};border-radius:6px;background:${ACCENT};${text(16, '#ffffff', 'font-weight:600;line-height:1.2;')}text-decoration:none;">${escapeHtml(b.label)}</a>`,
    `</td></tr></table>`,
    `<p style="margin:12px 0 0;${text(13, MUTED)}text-align:${align};">${escapeHtml(b.note)}</p>`,
    `<p style="margin:8px 0 0;${text(12, MUTED)}text-align:${align};">${escapeHtml(b.copyLink)}<br><a href="${url}" dir="ltr" style="color:${ACCENT};word-break:break-all;">${url}</a></p>`,
  ].join('\n');
}

export function buttonText(b: Extract<Block, { kind: 'button' }>): string {
  return `${b.intro}\n${b.url}\n${b.note}`;
}

function blockHtml(block: Block, language: MailLanguage): string {
  const align = side(language);
  switch (block.kind) {
    case 'paragraph': {
      const style = block.tone === 'muted' ? text(14, MUTED) : block.tone === 'small' ? text(13, MUTED) : text(16, BODY);
      return `<p style="margin:0 0 16px;${style}text-align:${align};">${escapeHtml(block.text)}</p>`;
    }
    case 'code':
      return `<p dir="ltr" style="margin:4px 0 20px;font-family:${MONO};font-size:32px;line-height:1.2;font-weight:700;letter-spacing:6px;color:${INK};text-align:${align};">${escapeHtml(block.code)}</p>`;
    case 'details':
      return `<div style="margin:4px 0 24px;">${detailsHtml(block.rows, language)}</div>`;
    case 'button':
      return `<div style="margin:0 0 24px;">${buttonHtml(block, language)}</div>`;
    case 'raw':
      return `<div style="margin:0 0 16px;${text(16, BODY)}text-align:${align};">${block.html}</div>`;
  }
}

function blockText(block: Block, separator: string): string {
  switch (block.kind) {
    case 'paragraph':
      return block.text;
    case 'code':
      return block.code;
    case 'details':
      return detailsText(block.rows, separator);
    case 'button':
      return buttonText(block);
    case 'raw':
      return block.text;
  }
}

export function renderHtml(doc: MailDocument): string {
  const l = doc.language;
  const align = side(l);
  const body = doc.blocks.map((b) => blockHtml(b, l)).join('\n');
  return `<!doctype html>
<html lang="${escapeHtml(l.tag)}" dir="${l.dir}" xmlns="http://www.w3.org/1999/xhtml" xmlns:o="urn:schemas-microsoft-com:office:office">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="x-apple-disable-message-reformatting">
<meta name="format-detection" content="telephone=no, date=no, address=no, email=no, url=no">
<meta name="color-scheme" content="light">
<meta name="supported-color-schemes" content="light">
<title>${escapeHtml(doc.title)}</title>
<!--[if mso]><noscript><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript><![endif]-->
<style>
body{margin:0;padding:0;width:100%!important;-webkit-text-size-adjust:100%;-ms-text-size-adjust:100%;}
table{border-collapse:collapse;mso-table-lspace:0pt;mso-table-rspace:0pt;}
a{color:${ACCENT};}
@media only screen and (max-width:480px){
.ae-pad{padding-left:20px!important;padding-right:20px!important;}
.ae-label,.ae-value{display:block!important;width:auto!important;}
.ae-label{padding-bottom:0!important;}
.ae-value{padding-top:2px!important;}
.ae-button,.ae-button td,.ae-button a{display:block!important;width:auto!important;text-align:center!important;}
}
</style>
</head>
<body style="margin:0;padding:0;background:${PAGE};">
<div style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;font-size:1px;line-height:1px;color:${PAGE};">${escapeHtml(doc.preheader)}${'&#8199;&#65279;&#847;'.repeat(30)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" dir="${l.dir}" lang="${escapeHtml(l.tag)}" style="background:${PAGE};">
<tr><td align="center" style="padding:24px 8px;">
<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" align="center"><tr><td><![endif]-->
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;border-collapse:separate;background:#ffffff;border:1px solid ${LINE};border-radius:10px;">
<tr><td class="ae-pad" style="padding:20px 32px;border-bottom:1px solid ${LINE};${text(18, INK, 'font-weight:700;line-height:1.3;')}text-align:${align};">${escapeHtml(doc.site)}</td></tr>
<tr><td class="ae-pad" style="padding:28px 32px 8px;text-align:${align};">
<h1 style="margin:0 0 20px;${text(22, INK, 'font-weight:700;line-height:1.3;')}text-align:${align};">${escapeHtml(doc.heading)}</h1>
${body}
</td></tr>
</table>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;">
<tr><td class="ae-pad" style="padding:16px 32px;${text(12, MUTED)}text-align:${align};">${escapeHtml(doc.footer)}</td></tr>
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td></tr>
</table>
</body>
</html>
`;
}

export function renderText(doc: MailDocument): string {
  const parts = [doc.site, doc.heading, ...doc.blocks.map((b) => blockText(b, doc.labelSeparator))].filter((p) => p.trim() !== '');
  // "-- " (with the space) is the signature separator mail clients recognise.
  return `${parts.join('\n\n')}\n\n-- \n${doc.footer}\n`;
}

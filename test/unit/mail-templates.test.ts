import { describe, expect, it } from 'vitest';
import { escapeHtml, headerSafe, htmlToText, placeholdersIn, renderSiteTemplate, type TemplateValues } from '../../server/src/mail/templates';

const values: TemplateValues = {
  customer_name: '<script>alert("x")</script> & {reference}',
  appointment_date: 'Monday, 14 December 2026',
  appointment_time: '10:00',
  service_name: 'Cut & "Style"',
  employee_name: "O'Brien",
  reference: 'APT-2026-000123',
  site_name: 'Salon & Co',
};
const blocks = {
  appointment_details: { html: '<table data-block="details"></table>', text: 'When: Monday' },
  manage_button: { html: '<a data-block="button"></a>', text: 'Manage: https://x' },
};

describe('site templates (AppointEase’s table)', () => {
  it('escapes every value in the HTML part and expands placeholders only once', () => {
    const out = renderSiteTemplate({ subject: '', body: 'Dear {customer_name},\n{service_name} with {employee_name}\nReference: {reference}' }, values, blocks);
    expect(out.subject).toBeNull();
    expect(out.html).not.toContain('<script>');
    expect(out.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; {reference}');
    expect(out.html).toContain('Cut &amp; &quot;Style&quot; with O&#39;Brien');
    expect(out.text).toBe('Dear <script>alert("x")</script> & {reference},\nCut & "Style" with O\'Brien\nReference: APT-2026-000123');
  });

  it('keeps an admin-written HTML template’s markup; its text part is its words with our values put in after the tags are gone', () => {
    const out = renderSiteTemplate(
      { subject: 'Hi {customer_name}\r\nBcc: evil@example.com', body: '<p>Hello <b>{customer_name}</b>,</p><p>see you {appointment_date} at {appointment_time} &amp; bring &lt;nothing&gt;.</p>' },
      values,
      blocks,
    );
    expect(out.html).toBe('<p>Hello <b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; {reference}</b>,</p><p>see you Monday, 14 December 2026 at 10:00 &amp; bring &lt;nothing&gt;.</p>');
    expect(out.text).toBe('Hello <script>alert("x")</script> & {reference},\nsee you Monday, 14 December 2026 at 10:00 & bring <nothing>.');
    expect(out.subject).toBe('Hi <script>alert("x")</script> & {reference} Bcc: evil@example.com');
    expect(out.document).toBe(false);
  });

  it('a plain-text template becomes paragraphs; a line that is only a block placeholder becomes the block', () => {
    const out = renderSiteTemplate({ subject: 'x', body: 'Dear {customer_name},\nprices < 5 & > 2\n\n{appointment_details}\n\n{manage_button}' }, { ...values, customer_name: 'Ann <b>' }, blocks);
    expect(out.text).toBe('Dear Ann <b>,\nprices < 5 & > 2\n\nWhen: Monday\n\nManage: https://x');
    expect(out.html).toBe('<p style="margin:0 0 16px;">Dear Ann &lt;b&gt;,<br>\nprices &lt; 5 &amp; &gt; 2</p>\n<table data-block="details"></table>\n<a data-block="button"></a>');
    expect([...out.used].sort()).toEqual(['appointment_details', 'customer_name', 'manage_button']);
  });

  it('a whole HTML document is recognised, and its head and styles never reach the text part', () => {
    const out = renderSiteTemplate({ subject: '', body: '<html><head><title>T</title><style>p{color:red}</style></head><body><p>{site_name}</p></body></html>' }, values, blocks);
    expect(out.document).toBe(true);
    expect(out.text).toBe('Salon & Co');
    expect(htmlToText('<ul><li>a</li><li>b</li></ul><!-- x -->')).toBe('• a\n• b');
  });

  it('finds the placeholders a template uses, ignores unknown ones, and makes header values one line', () => {
    expect([...placeholdersIn('{manage_url} {nope} {code}')].sort()).toEqual(['code', 'manage_url']);
    expect(headerSafe(' a\r\nb\tc\u2028d\x07 ')).toBe('a b c d');
    expect(headerSafe('x'.repeat(400))).toHaveLength(250);
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });
});

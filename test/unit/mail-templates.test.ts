import { describe, expect, it } from 'vitest';
import { BUILT_IN, escapeHtml, render, type TemplateValues } from '../../server/src/mail/templates';

const values: TemplateValues = {
  customer_name: '<script>alert("x")</script> & {reference}',
  appointment_date: '2025-10-28',
  appointment_time: '09:00',
  service_name: 'Cut & "Style"',
  employee_name: "O'Brien",
  reference: 'APT-2025-000123',
};

describe('mail templates', () => {
  it('escapes every value in the HTML part and expands placeholders only once', () => {
    const out = render(BUILT_IN.confirmation, values);
    expect(out.html).not.toContain('<script>');
    expect(out.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; {reference}');
    expect(out.html).toContain('Cut &amp; &quot;Style&quot;');
    expect(out.html).toContain('O&#39;Brien');
    // The text part carries the values as they are, and a placeholder inside a value is not expanded.
    expect(out.text).toContain('<script>alert("x")</script> & {reference}');
    expect(out.text).toContain('Reference: APT-2025-000123');
    expect(out.subject).toBe('Your appointment is confirmed (APT-2025-000123)');
  });

  it('keeps an admin-written HTML template’s markup while escaping the values, and derives a text part', () => {
    const out = render({ subject: 'Hi {customer_name}\r\nBcc: evil@example.com', body: '<p>Hello <b>{customer_name}</b>,</p><p>see you {appointment_date} at {appointment_time}.</p>' }, values);
    expect(out.html).toContain('<p>Hello <b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; {reference}</b>,</p>');
    expect(out.text).toBe('Hello <script>alert("x")</script> & {reference},\nsee you 2025-10-28 at 09:00.');
    expect(out.subject).not.toMatch(/[\r\n]/);
  });

  it('turns a plain-text site template into escaped HTML with line breaks', () => {
    const out = render({ subject: 'x', body: 'Dear {customer_name},\nprices < 5 & > 2' }, { ...values, customer_name: 'Ann <b>' });
    expect(out.text).toBe('Dear Ann <b>,\nprices < 5 & > 2');
    expect(out.html).toContain('Dear Ann &lt;b&gt;,<br>\nprices &lt; 5 &amp; &gt; 2');
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });
});

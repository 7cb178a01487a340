import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api';
import { parseAttrs } from '../src/attrs';
import { explain } from '../src/errors';
import { messagesFor, pickLocale } from '../src/i18n';

const en = messagesFor(pickLocale('en'));

const attrs = (a: Record<string, string>) => (n: string) => a[n] ?? null;

describe('parseAttrs', () => {
  it('reads api, service, employee and locale', () => {
    const r = parseAttrs(attrs({ api: 'https://book.example.com/', service: '1', employee: '2', locale: 'de_DE' }), null);
    expect(r).toEqual({ ok: true, warnings: [], config: { api: 'https://book.example.com', service: 1, employee: 2, locale: 'de_DE', view: 'book', email: null } });
  });
  it('reads view="manage" with the address to start from; email alone or another view is ignored with a warning', () => {
    const r = parseAttrs(attrs({ api: 'http://h', view: 'manage', email: ' zoe@example.com ' }), null);
    expect(r.ok && [r.config.view, r.config.email, r.warnings]).toEqual(['manage', 'zoe@example.com', []]);
    const alone = parseAttrs(attrs({ api: 'http://h', email: 'zoe@example.com' }), null);
    expect(alone.ok && [alone.config.view, alone.config.email, alone.warnings.length]).toEqual(['book', null, 1]);
    const other = parseAttrs(attrs({ api: 'http://h', view: 'calendar' }), null);
    expect(other.ok && [other.config.view, other.warnings.length]).toEqual(['book', 1]);
  });
  it('falls back to the script origin when api is missing', () => {
    const r = parseAttrs(attrs({}), 'http://127.0.0.1:8787');
    expect(r.ok && r.config.api).toBe('http://127.0.0.1:8787');
  });
  it('reports every bad attribute', () => {
    const r = parseAttrs(attrs({ api: 'javascript:alert(1)', service: 'one', employee: '-2' }), null);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toHaveLength(3);
    expect(parseAttrs(attrs({}), null).ok).toBe(false);
  });
  it('ignores employee without service, with a warning', () => {
    const r = parseAttrs(attrs({ api: 'http://h', employee: '2' }), null);
    expect(r.ok && r.config.employee).toBeNull();
    expect(r.ok && r.warnings).toHaveLength(1);
  });
});

describe('explain', () => {
  const e = (code: string, retryAfter?: number) => explain(new ApiError(409, code, 'raw server text', retryAfter), en);
  it('says what happened and offers the next step', () => {
    expect(e('slot_taken')).toEqual({ text: en.errors.slot_taken, next: 'chooseTime' });
    expect(e('lock_invalid').next).toBe('chooseTime');
    expect(e('slot_unavailable').next).toBe('chooseTime');
    expect(e('too_many_attempts')).toEqual({ text: en.errors.too_many_attempts, next: 'newCode' });
    expect(e('invalid_otp').text).toBe(en.errors.invalid_otp);
    expect(e('rate_limited', 30).text).toContain('30 seconds');
    expect(explain(new ApiError(0, 'network', 'x'), en).next).toBe('retry');
  });
  it('never shows raw server text', () => {
    expect(e('something_new').text).toBe(en.errors.generic);
    expect(explain(new Error('boom'), en).text).toBe(en.errors.generic);
  });
});

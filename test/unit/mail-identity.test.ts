import { describe, expect, it } from 'vitest';
import { decodeWordPressText } from '../../server/src/mail/composer';
import { mailLanguageFor } from '../../server/src/mail/language';
import { manageSignature, manageUrl, verifyManageSignature } from '../../server/src/mail/manage-link';
import { fromHeader } from '../../server/src/mail/transports';

const SECRET = 'unit-test-secret-that-is-at-least-32-chars';

describe('the site language, mapped like the widget maps locale', () => {
  it('WordPress locales → the eight languages, the region kept for Intl, anything else English', () => {
    const pick = (l: string) => mailLanguageFor(l);
    expect(pick('fr_FR')).toEqual({ lang: 'fr', tag: 'fr-FR', dir: 'ltr' });
    expect(pick('pt_BR')).toEqual({ lang: 'pt-BR', tag: 'pt-BR', dir: 'ltr' });
    expect(pick('pt_PT')).toMatchObject({ lang: 'pt-BR', tag: 'pt-PT' });
    expect(pick('de_DE_formal')).toMatchObject({ lang: 'de', tag: 'de-DE' });
    expect(pick('ar')).toEqual({ lang: 'ar', tag: 'ar', dir: 'rtl' });
    expect(pick('')).toEqual({ lang: 'en', tag: 'en', dir: 'ltr' });
    expect(pick('zh_CN')).toEqual({ lang: 'en', tag: 'en', dir: 'ltr' });
    expect(pick('en_GB')).toMatchObject({ lang: 'en', tag: 'en-GB' });
    expect(pick('<script>')).toEqual({ lang: 'en', tag: 'en', dir: 'ltr' });
  });
});

describe('the signed manage link', () => {
  it('verifies what it signed and nothing else', () => {
    const url = new URL(manageUrl('https://salon.example/appointease/v1', SECRET, 'APT-2026-000123'));
    expect(url.pathname).toBe('/appointease/v1/manage');
    expect(url.searchParams.get('ref')).toBe('APT-2026-000123');
    expect(url.search).not.toMatch(/@|email/i);
    const sig = url.searchParams.get('sig')!;
    expect(sig).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(verifyManageSignature(SECRET, 'APT-2026-000123', sig)).toBe(true);
  });

  it('refuses another reference, a changed signature, another secret, and junk', () => {
    const sig = manageSignature(SECRET, 'APT-2026-000123');
    expect(verifyManageSignature(SECRET, 'APT-2026-000124', sig)).toBe(false);
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(verifyManageSignature(SECRET, 'APT-2026-000123', flipped)).toBe(false);
    expect(verifyManageSignature(`${SECRET}-other`, 'APT-2026-000123', sig)).toBe(false);
    expect(verifyManageSignature(SECRET, 'APT-2026-000123', sig.slice(0, 21))).toBe(false);
    expect(verifyManageSignature(SECRET, 'APT-2026-000123', `${sig}A`)).toBe(false);
    expect(verifyManageSignature(SECRET, "APT-2026-000123' OR 1=1", sig)).toBe(false);
    expect(verifyManageSignature(SECRET, '', '')).toBe(false);
  });
});

describe('what WordPress stores and what MAIL_FROM says', () => {
  it('the site title is decoded as WordPress decodes it for its own mails', () => {
    expect(decodeWordPressText('Salon &amp; Spa &#039;Léa&#039; &lt;3 &quot;x&quot;')).toBe('Salon & Spa \'Léa\' <3 "x"');
    expect(decodeWordPressText('A &amp;lt; B')).toBe('A &lt; B');
  });

  it('the site’s name replaces the product’s default sender name, never an operator’s own', () => {
    expect(fromHeader('AppointEase <no-reply@salon.example>', 'Salon Léa')).toEqual({ name: 'Salon Léa', address: 'no-reply@salon.example' });
    expect(fromHeader('bookings@salon.example', 'Salon Léa')).toEqual({ name: 'Salon Léa', address: 'bookings@salon.example' });
    expect(fromHeader('Front Desk <desk@salon.example>', 'Salon Léa')).toBe('Front Desk <desk@salon.example>');
    expect(fromHeader('AppointEase <no-reply@localhost>', 'Evil\r\nBcc: x@y <z>')).toEqual({ name: 'Evil Bcc: x@y z', address: 'no-reply@localhost' });
    expect(fromHeader('AppointEase <no-reply@localhost>', undefined)).toBe('AppointEase <no-reply@localhost>');
  });
});

import { describe, expect, it } from 'vitest';
import { extractCode } from './widget-helpers';

// The browser tests read the one-time code from the real mail; a wrong pick would
// look like a widget bug, so the extraction is pinned down here.
describe('extractCode', () => {
  const mail = (boundaryHex: string, body: string) => [
    'Subject: Your verification code',
    'Content-Type: multipart/alternative;',
    ` boundary="--_NmP-${boundaryHex}-Part_1"`,
    '',
    `----_NmP-${boundaryHex}-Part_1`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    body,
    `----_NmP-${boundaryHex}-Part_1--`,
  ].join('\r\n');

  it('ignores six digits inside a MIME boundary', () => {
    expect(extractCode(mail('f3123456e0aa9b7c', 'Your code is 210695.'))).toBe('210695');
  });
  it('reads quoted-printable soft breaks and base64 parts', () => {
    expect(extractCode(mail('abc', 'Your code is 21=\r\n0695.'))).toBe('210695');
    const b64 = Buffer.from('Dein Code lautet 987654.').toString('base64');
    const raw = ['Subject: x', '', '--b', 'Content-Type: text/plain', 'Content-Transfer-Encoding: base64', '', b64, '--b--'].join('\r\n');
    expect(extractCode(raw)).toBe('987654');
  });
  it('does not take longer numbers or references', () => {
    expect(extractCode(mail('abc', 'Reference APT-2026-123456, phone 0301234567'))).toBeNull();
  });
});

// POST /wp-json/appointease-bridge/v1/mail: only the sidecar, holding APPOINTEASE_SECRET,
// may make WordPress send mail, and only the exact message it signed.
import { createHash, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WordPress, missingPrerequisite } from './wordpress.js';

const prerequisite = missingPrerequisite();
const SECRET = randomBytes(32).toString('hex');

const message = {
  to: 'ada@example.com',
  subject: 'Your booking APT-2030-000042',
  text: 'See you on 1 March at 09:00. Grüße',
  html: '<p>See you on <b>1 March</b> at 09:00. Grüße</p>',
  attachments: [
    {
      filename: 'booking.ics',
      content: Buffer.from('BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n').toString('base64'),
      contentType: 'text/calendar; method=REQUEST',
    },
  ],
};

function sign(body: string, options: jwt.SignOptions = {}, claims: Record<string, unknown> = {}, secret = SECRET): string {
  const bodySha256 = createHash('sha256').update(body).digest('hex');
  return jwt.sign({ bodySha256, ...claims }, secret, { algorithm: 'HS256', audience: 'appointease-bridge', expiresIn: 120, ...options });
}

describe.skipIf(prerequisite)('mail relay route', () => {
  let wp: WordPress;
  beforeAll(async () => {
    wp = await WordPress.create({ label: 'mail', constants: { APPOINTEASE_SIDECAR_URL: 'http://127.0.0.1:9', APPOINTEASE_SECRET: SECRET } });
    await wp.serve();
  }, 60_000);
  afterAll(async () => wp?.destroy());

  const post = (body: string, authorization?: string) =>
    fetch(`${wp.url}/?rest_route=/appointease-bridge/v1/mail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body,
    });

  it('sends a correctly signed message through wp_mail, with the HTML, text alternative and typed attachment', async () => {
    const before = wp.mails().length; // wp_install() already mailed the admin
    const body = JSON.stringify(message);
    const response = await post(body, `Bearer ${sign(body)}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sent: true });
    const mails = wp.mails();
    expect(mails).toHaveLength(before + 1);
    const mail = mails.at(-1)!;
    expect(mail.to).toEqual(['ada@example.com']);
    expect(mail.subject).toBe(message.subject);
    expect(mail.mime).toContain('From: WordPress <wordpress@example.com>'); // the site's own sender, not the sidecar's
    expect(mail.mime).toMatch(/Content-Type: text\/plain; charset=UTF-8[\s\S]*See you on 1 March at 09:00\./);
    expect(mail.mime).toMatch(/Content-Type: text\/html; charset=UTF-8[\s\S]*<b>1 March<\/b>/);
    expect(mail.mime).toMatch(/Content-Type: text\/calendar; method=REQUEST; name=booking\.ics/);
    expect(mail.mime).toContain(message.attachments[0].content.slice(0, 40));
  });

  it('sends plain text when there is no html', async () => {
    const body = JSON.stringify({ to: ['bob@example.com', 'carol@example.com'], subject: 'Code', text: 'Your code is 123456' });
    expect((await post(body, `Bearer ${sign(body)}`)).status).toBe(200);
    const mail = wp.mails().at(-1)!;
    expect(mail.to).toEqual(['bob@example.com', 'carol@example.com']);
    expect(mail.contentType).toBe('text/plain');
    expect(mail.mime).toContain('Your code is 123456');
  });

  describe('refuses, sending nothing', () => {
    const body = JSON.stringify(message);
    const cases: Array<[string, () => string | undefined]> = [
      ['no Authorization header', () => undefined],
      ['a Basic header', () => `Basic ${Buffer.from('admin:admin-pass').toString('base64')}`],
      ['an unsigned token (alg none)', () => `Bearer ${jwt.sign({ bodySha256: createHash('sha256').update(body).digest('hex') }, null, { algorithm: 'none', audience: 'appointease-bridge', expiresIn: 60 })}`],
      ['a token signed with another secret', () => `Bearer ${sign(body, {}, {}, `${SECRET}-not`)}`],
      ['HS512 with the right secret (algorithm pinned)', () => `Bearer ${sign(body, { algorithm: 'HS512' })}`],
      ['an expired token', () => `Bearer ${sign(body, { expiresIn: -120 })}`],
      ['a token valid for an hour (more than 5 minutes)', () => `Bearer ${sign(body, { expiresIn: 3600 })}`],
      ['a token without exp', () => `Bearer ${jwt.sign({ bodySha256: createHash('sha256').update(body).digest('hex') }, SECRET, { algorithm: 'HS256', audience: 'appointease-bridge' })}`],
      ['the admin audience', () => `Bearer ${sign(body, { audience: 'appointease-admin' })}`],
      ['no audience', () => `Bearer ${jwt.sign({ bodySha256: createHash('sha256').update(body).digest('hex') }, SECRET, { algorithm: 'HS256', expiresIn: 60 })}`],
      ['a token for another body', () => `Bearer ${sign(JSON.stringify({ ...message, to: 'eve@example.com' }))}`],
      ['a token without bodySha256', () => `Bearer ${jwt.sign({}, SECRET, { algorithm: 'HS256', audience: 'appointease-bridge', expiresIn: 60 })}`],
      ['a tampered signature', () => `Bearer ${sign(body).slice(0, -4)}AAAA`],
    ];
    for (const [name, authorization] of cases) {
      it(name, async () => {
        const before = wp.mails().length;
        const response = await post(body, authorization());
        expect(response.status).toBe(401);
        expect(((await response.json()) as { code: string }).code).toMatch(/^(appointease_unauthorized|rest_forbidden)$/);
        expect(wp.mails()).toHaveLength(before);
      });
    }
  });

  it('refuses invalid bodies even when correctly signed (400)', async () => {
    const before = wp.mails().length;
    for (const bad of [
      { ...message, to: 'not-an-address' },
      { ...message, to: [] },
      { ...message, subject: '' },
      { ...message, text: 42 },
      { ...message, attachments: [{ filename: 'x.ics', content: '%%%not base64', contentType: 'text/calendar' }] },
      { ...message, attachments: [{ filename: 'x.ics', content: 'QQ==', contentType: 'text/calendar\r\nBcc: eve@example.com' }] },
    ]) {
      const body = JSON.stringify(bad);
      const response = await post(body, `Bearer ${sign(body)}`);
      expect(response.status, body).toBe(400);
    }
    expect(wp.mails()).toHaveLength(before);
  });

  it('keeps a subject with line breaks from injecting headers', async () => {
    const body = JSON.stringify({ to: 'ada@example.com', subject: 'Hi\r\nBcc: eve@example.com', text: 'x' });
    expect((await post(body, `Bearer ${sign(body)}`)).status).toBe(200);
    const mail = wp.mails().at(-1)!;
    expect(mail.mime).not.toMatch(/^Bcc:/m);
    expect(mail.subject).toBe('Hi Bcc: eve@example.com');
  });

  it('leaves no attachment files behind and logged no plugin warnings', () => {
    const leftovers = wp.php(`echo implode( ',', glob( trailingslashit( get_temp_dir() ) . 'appointease-mail-*' ) ?: array() );`);
    expect(leftovers).toBe('');
    expect(wp.pluginWarnings()).toEqual([]);
  });
});

import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import nodemailer from 'nodemailer';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { isProductName, senderAddress } from './sender';
import type { MailMessage, MailTransport } from './message';
import { headerSafe } from './templates';

/** The bridge's receiver (`POST ?rest_route=/appointease-bridge/v1/mail`) accepts tokens this young only. */
const RELAY_TOKEN_SECONDS = 120;

/**
 * The From header: MAIL_FROM as configured, except that its default display
 * name ("AppointEase", or none) gives way to the site's name, so the inbox
 * shows the business. nodemailer encodes the name; control characters never
 * reach it (no header injection through a site title).
 */
export function fromHeader(configured: string, siteName: string | undefined): string | { name: string; address: string } {
  const sender = senderAddress(configured);
  const name = siteName ? headerSafe(siteName).replace(/[<>"]/g, '') : '';
  if (!name || !isProductName(sender.name)) return configured;
  return { name, address: sender.email };
}

/** SMTP through nodemailer (pooled connections): `smtp://host:port` or `smtps://user:pass@host:port`. */
export function smtpTransport(url: string, from: string): MailTransport {
  const u = new URL(url);
  const transporter = nodemailer.createTransport({
    host: u.hostname,
    port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 25,
    secure: u.protocol === 'smtps:',
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    // A few kept-open connections instead of a handshake per mail: reminders that fall due together
    // (every 09:00 appointment's, a day ahead) go out in parallel at a third of the cost each.
    pool: true,
    maxConnections: 4,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    name: 'smtp',
    async send(m) {
      await transporter.sendMail({
        from: fromHeader(from, m.fromName),
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        attachments: m.attachments?.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
      });
    },
    close: () => transporter.close(),
  };
}

/**
 * The WordPress relay: the bridge sends through wp_mail, so the site's own
 * mail setup (SMTP plugin, DKIM) applies. Authenticated with a short-lived
 * HS256 JWT for audience `appointease-bridge`.
 */
export function wordpressTransport(wordpressUrl: string, secret: string, fetchImpl: typeof fetch = fetch): MailTransport {
  // `?rest_route=` works whether or not the site has pretty permalinks (`/wp-json/` needs them).
  const endpoint = `${wordpressUrl}/?rest_route=/appointease-bridge/v1/mail`;
  return {
    name: 'wordpress',
    async send(m) {
      const body = {
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        attachments: (m.attachments ?? []).map((a) => ({
          filename: a.filename,
          content: Buffer.from(a.content).toString('base64'),
          contentType: a.contentType,
        })),
      };
      const payload = JSON.stringify(body);
      // The token is bound to these exact bytes, so a leaked token cannot send other mail through the site.
      const token = jwt.sign({ purpose: 'mail', bodySha256: createHash('sha256').update(payload).digest('hex') }, secret, {
        algorithm: 'HS256',
        audience: 'appointease-bridge',
        issuer: 'appointease-sidecar',
        expiresIn: RELAY_TOKEN_SECONDS,
      });
      const res = await fetchImpl(endpoint, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(15_000),
      });
      if (!res.ok) throw new Error(`WordPress mail relay answered ${res.status}`);
    },
  };
}

/**
 * Development only (config refuses it in production): prints the code mail
 * (what `npm run demo` needs). Appointment mails are named, not printed: they
 * hold the customer's name, and templates may put it in the subject too.
 */
export function logTransport(logger: Logger): MailTransport {
  return {
    name: 'log',
    async send(m) {
      const shown = m.kind === 'otp' ? { subject: m.subject, text: m.text } : {};
      logger.info({ mail: { kind: m.kind, ...shown, attachments: m.attachments?.map((a) => a.filename) } }, 'mail (MAIL_TRANSPORT=log)');
    },
  };
}

export function createMailTransport(config: Config, logger: Logger): MailTransport {
  const t = config.mail.transport;
  if (t === 'log') return logTransport(logger);
  if (t === 'wordpress') return wordpressTransport(config.mail.wordpressUrl, config.secret);
  return smtpTransport(t, config.mail.from);
}

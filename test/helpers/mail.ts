import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server for tests (the `smtp-server` package), plus just enough
 * MIME and iCalendar parsing to read back what the sidecar sent.
 */
export interface CapturedMail {
  from: string;
  to: string[];
  raw: string;
  parsed: MimePart;
}

export interface TestSmtp {
  url: string;
  mails: CapturedMail[];
  /** Waits until at least `n` mails have arrived (or fails after `ms`). */
  waitFor(n: number, ms?: number): Promise<CapturedMail[]>;
  stop(): Promise<void>;
}

/**
 * `hold` delays the server's answer to each message until it resolves (a slow
 * mail server); a message whose hold never resolves is never accepted (its
 * sender never hears 250) and is not recorded.
 */
export async function startSmtp(options: { hold?: (raw: string) => Promise<void> } = {}): Promise<TestSmtp> {
  const mails: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        await options.hold?.(raw);
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          parsed: parseMime(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async waitFor(n, ms = 5_000) {
      const deadline = Date.now() + ms;
      while (mails.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} mails, got ${mails.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return mails;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface MimePart {
  headers: Record<string, string>;
  contentType: string;
  params: Record<string, string>;
  body: string;
  parts: MimePart[];
}

/** RFC 2047 encoded words; the white space between two adjacent ones is not part of the text (§6.2). */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQp(text.replace(/_/g, ' ')),
    );
}

function decodeQp(s: string): string {
  const bytes: number[] = [];
  const src = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '=' && /^[0-9A-F]{2}$/i.test(src.slice(i + 1, i + 3))) {
      bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(src[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseMime(raw: string): MimePart {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  let body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  const [ctype, ...paramParts] = (headers['content-type'] ?? 'text/plain').split(';');
  const params: Record<string, string> = {};
  for (const p of paramParts) {
    const m = /^\s*([^=]+)=\s*"?([^"]*)"?\s*$/.exec(p);
    if (m) params[m[1]!.toLowerCase()] = m[2]!;
  }
  const contentType = ctype!.trim().toLowerCase();
  const parts: MimePart[] = [];
  if (contentType.startsWith('multipart/') && params.boundary) {
    const sections = body.split(`--${params.boundary}`);
    for (const s of sections.slice(1)) {
      if (s.startsWith('--')) break;
      parts.push(parseMime(s.replace(/^\r?\n/, '').replace(/\r?\n$/, '')));
    }
    body = '';
  } else {
    const enc = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
    if (enc === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    else if (enc === 'quoted-printable') body = decodeQp(body);
  }
  return { headers, contentType, params, body, parts };
}

/** Every leaf part, depth first. */
export function leaves(part: MimePart): MimePart[] {
  return part.parts.length ? part.parts.flatMap(leaves) : [part];
}

export function partOf(mail: CapturedMail, contentType: string): MimePart | undefined {
  return leaves(mail.parsed).find((p) => p.contentType === contentType);
}

export interface IcsProperty {
  name: string;
  params: Record<string, string>;
  value: string;
}

/** A small RFC 5545 reader: unfolds lines, splits name;params:value, unescapes TEXT, nests components. */
export function parseIcs(text: string): { components: { name: string; props: IcsProperty[] }[]; props: IcsProperty[] } {
  if (!/\r\n/.test(text)) throw new Error('iCalendar lines must end with CRLF');
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n').filter((l) => l !== '');
  const stack: { name: string; props: IcsProperty[] }[] = [];
  const components: { name: string; props: IcsProperty[] }[] = [];
  for (const line of lines) {
    const m = /^([A-Za-z0-9-]+)((?:;[^:;]+=(?:"[^"]*"|[^:;]*))*):(.*)$/.exec(line);
    if (!m) throw new Error(`not an iCalendar content line: ${line}`);
    const [, name, rawParams, value] = m;
    if (name === 'BEGIN') {
      stack.push({ name: value!, props: [] });
      continue;
    }
    if (name === 'END') {
      const c = stack.pop();
      if (!c || c.name !== value) throw new Error(`END:${value} does not close ${c?.name}`);
      components.push(c);
      continue;
    }
    const params: Record<string, string> = {};
    // A quoted parameter value may hold ';' and ':' (RFC 5545 §3.2).
    for (const m of rawParams!.matchAll(/;([^=;:]+)=("[^"]*"|[^;:]*)/g)) params[m[1]!.toUpperCase()] = m[2]!.replace(/^"|"$/g, '');
    const unescaped = value!.replace(/\\([\\;,nN])/g, (_x, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
    if (!stack.length) throw new Error(`property outside a component: ${line}`);
    stack[stack.length - 1]!.props.push({ name: name!.toUpperCase(), params, value: unescaped });
  }
  if (stack.length) throw new Error(`unclosed ${stack.map((s) => s.name).join(', ')}`);
  const cal = components.find((c) => c.name === 'VCALENDAR');
  return { components, props: cal?.props ?? [] };
}

export function icsProp(props: IcsProperty[], name: string): IcsProperty | undefined {
  return props.find((p) => p.name === name);
}

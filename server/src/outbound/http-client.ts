import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { addressPolicy, type AddressPolicy } from './address-policy';
import { guardedLookup, systemResolver, type Resolver } from './guarded-lookup';
import { OutboundError } from './outbound-error';
import { checkLiteral, checkOutboundUrl, parseOutboundUrl, type OutboundUrlCheck } from './outbound-url';

export const DEFAULT_OUTBOUND_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface OutboundRequest {
  url: string | URL;
  method?: 'GET' | 'POST' | 'HEAD';
  /** Extra request headers (lower or any case). */
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Budget for everything: DNS, connect, TLS, every redirect hop, the body. Default 10 s. */
  timeoutMs?: number;
  /** Most body bytes kept (after decompression). Default 64 KiB. */
  maxBodyBytes?: number;
  /**
   * What a longer body means: `'truncate'` keeps the first `maxBodyBytes` and
   * hangs up (a webhook receiver's excerpt), `'error'` fails with `too_large`
   * (a calendar that must be whole). Default `'error'`.
   */
  overflow?: 'truncate' | 'error';
  /** Redirects followed, each hop checked like the first. Default 0: a 3xx is returned as the response. */
  maxRedirects?: number;
  /** Conditional GET: the validators of the copy the caller already has. */
  conditional?: { etag?: string; lastModified?: string };
  /** Ask for gzip/deflate/br (decoded here; the size cap applies to the decoded bytes). Default false. */
  acceptCompressed?: boolean;
  /** Aborts the request (code `aborted`), e.g. on shutdown. */
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** True when the body was cut at `maxBodyBytes` (overflow `'truncate'`). */
  truncated: boolean;
  /** The URL that answered (after redirects). */
  url: string;
  redirects: number;
  /** 304: the caller's copy is current. */
  notModified: boolean;
  /** Validators to send next time (conditional requests). */
  validators: { etag?: string; lastModified?: string };
}

export interface OutboundClientOptions {
  /** `OUTBOUND_ALLOW_PRIVATE`. */
  allowPrivate: boolean;
  /** Replaces the address rule derived from `allowPrivate` (tests that need one loopback receiver but no other). */
  policy?: AddressPolicy;
  resolve?: Resolver;
  userAgent?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * The one way the sidecar calls URLs that site owners typed in: webhook
 * receivers and busy calendars. Every request gets the address rule at
 * connect time (guarded-lookup.ts), one total deadline, and a body cap it
 * enforces while streaming, so a receiver that hangs, redirects inward or
 * sends 100 MB costs bounded time and memory. No connection reuse: each
 * request resolves and checks afresh, and no pooled socket outlives the rule
 * it was checked under.
 */
export class OutboundClient {
  readonly policy: AddressPolicy;
  private readonly resolve: Resolver;
  private readonly lookup: ReturnType<typeof guardedLookup>;
  private readonly userAgent: string;

  constructor(options: OutboundClientOptions) {
    this.policy = options.policy ?? addressPolicy({ allowPrivate: options.allowPrivate });
    this.resolve = options.resolve ?? systemResolver;
    this.lookup = guardedLookup(this.policy, this.resolve);
    this.userAgent = options.userAgent ?? 'AppointEase';
  }

  /** Save-time check (syntax, scheme, the addresses the name has now). */
  checkUrl(raw: string): Promise<OutboundUrlCheck> {
    return checkOutboundUrl(raw, this.policy, this.resolve);
  }

  /**
   * Resolves with any HTTP response (a 500 is a response); rejects with an
   * OutboundError when there is none to be had.
   */
  async request(req: OutboundRequest): Promise<OutboundResponse> {
    const timeoutMs = req.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new OutboundError('timeout', `no complete answer within ${timeoutMs} ms`)), timeoutMs);
    const onCallerAbort = () => controller.abort(new OutboundError('aborted', 'request aborted'));
    if (req.signal?.aborted) onCallerAbort();
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      return await this.follow(req, controller.signal);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private async follow(req: OutboundRequest, signal: AbortSignal): Promise<OutboundResponse> {
    const maxRedirects = req.maxRedirects ?? 0;
    let url = parseOutboundUrl(req.url);
    let method = req.method ?? (req.body === undefined ? 'GET' : 'POST');
    let body = req.body === undefined ? undefined : Buffer.from(req.body);
    let headers = this.headersFor(req, body);
    const origin = url.origin;
    for (let hop = 0; ; hop++) {
      checkLiteral(url, this.policy);
      const res = await this.exchange(url, method, headers, body, signal);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined || maxRedirects === 0) {
        return this.finish(res, url, hop, req, signal);
      }
      res.destroy();
      if (hop >= maxRedirects) throw new OutboundError('too_many_redirects', `more than ${maxRedirects} redirects`);
      let next: URL;
      try {
        next = parseOutboundUrl(new URL(location, url));
      } catch (err) {
        if (err instanceof OutboundError) throw new OutboundError(err.code, `redirect refused: ${err.message}`);
        throw err;
      }
      // 303 always, and 301/302 after a POST, continue as GET without the body (what browsers do).
      if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers = this.headersFor({ ...req, body: undefined }, undefined);
      }
      // Credentials given for one origin are not handed to another.
      if (next.origin !== origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'authorization' && k !== 'cookie'));
      }
      url = next;
    }
  }

  private headersFor(req: OutboundRequest, body: Buffer | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': this.userAgent,
      'accept-encoding': req.acceptCompressed ? 'gzip, deflate, br' : 'identity',
      connection: 'close',
    };
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    if (req.conditional?.etag) headers['if-none-match'] = req.conditional.etag;
    if (req.conditional?.lastModified) headers['if-modified-since'] = req.conditional.lastModified;
    if (body !== undefined) headers['content-length'] = String(body.length);
    return headers;
  }

  private exchange(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request(url, { method, headers, lookup: this.lookup, agent: false });
      const onAbort = () => request.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      request.once('response', (res) => {
        signal.removeEventListener('abort', onAbort);
        resolve(res);
      });
      request.once('error', (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(asOutboundError(err, signal));
      });
      request.end(body);
    });
  }

  private finish(res: IncomingMessage, url: URL, redirects: number, req: OutboundRequest, signal: AbortSignal): Promise<OutboundResponse> {
    const status = res.statusCode ?? 0;
    const etag = header(res.headers.etag);
    const lastModified = header(res.headers['last-modified']);
    return readBody(res, req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, req.overflow ?? 'error', signal).then(({ body, truncated }) => ({
      status,
      headers: res.headers,
      body,
      truncated,
      url: url.href,
      redirects,
      notModified: status === 304,
      validators: { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) },
    }));
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function asOutboundError(err: unknown, signal: AbortSignal): OutboundError {
  if (signal.aborted && signal.reason instanceof OutboundError) return signal.reason;
  if (err instanceof OutboundError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? 'error';
  return new OutboundError('connection_failed', code.startsWith('HPE_') ? `malformed response (${code})` : `connection failed (${code})`);
}

/**
 * Reads at most `limit` bytes (decoded) while they stream in; never buffers
 * more than the cap plus one chunk. Hanging up early is the point: the rest
 * of a 100 MB answer is never read.
 */
function readBody(res: IncomingMessage, limit: number, overflow: 'truncate' | 'error', signal: AbortSignal): Promise<{ body: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      res.destroy();
      return reject(signal.reason);
    }
    const encoding = (header(res.headers['content-encoding']) ?? 'identity').trim().toLowerCase();
    let source: Readable = res;
    if (encoding !== 'identity' && encoding !== '') {
      const decoder = DECODERS[encoding];
      if (!decoder) {
        res.destroy();
        return reject(new OutboundError('bad_response', `unsupported content encoding "${encoding}"`));
      }
      source = res.pipe(decoder());
    } else {
      const declared = Number(header(res.headers['content-length']));
      if (overflow === 'error' && Number.isFinite(declared) && declared > limit) {
        res.destroy();
        return reject(new OutboundError('too_large', `body of ${declared} bytes is over the ${limit}-byte limit`));
      }
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const hangUp = () => {
      res.destroy();
      if (source !== res) source.destroy();
    };
    const onAbort = () =>
      settle(() => {
        hangUp();
        reject(signal.reason);
      });
    signal.addEventListener('abort', onAbort, { once: true });
    source.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.length <= limit) {
        chunks.push(chunk);
        size += chunk.length;
        return;
      }
      if (overflow === 'truncate') {
        chunks.push(chunk.subarray(0, limit - size));
        settle(() => {
          hangUp();
          resolve({ body: Buffer.concat(chunks), truncated: true });
        });
      } else {
        settle(() => {
          hangUp();
          reject(new OutboundError('too_large', `body over the ${limit}-byte limit`));
        });
      }
    });
    source.once('end', () => settle(() => resolve({ body: Buffer.concat(chunks), truncated: false })));
    const onError = (err: Error) =>
      settle(() => {
        hangUp();
        reject(source !== res && !(err as NodeJS.ErrnoException).code?.startsWith('ECONN') ? new OutboundError('bad_response', `content could not be decoded (${(err as NodeJS.ErrnoException).code ?? 'error'})`) : asOutboundError(err, signal));
      });
    source.once('error', onError);
    if (source !== res) res.once('error', onError);
    // A socket closed before the end (a reset mid-body) emits 'aborted'/'close' without 'end'.
    res.once('close', () => {
      if (!res.complete) settle(() => reject(signal.aborted ? signal.reason : new OutboundError('connection_failed', 'connection closed before the body was complete')));
    });
  });
}

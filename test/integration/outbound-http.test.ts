// The outbound client against real HTTP servers on loopback. Loopback is
// refused by default, so delivery cases turn OUTBOUND_ALLOW_PRIVATE on (or
// exempt exactly 127.0.0.1) and the refusal cases leave it off; in every
// refusal case the target server must not have seen a connection.
import type { LookupAddress } from 'node:dns';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress } from '../../server/src/outbound/address-policy';
import { OutboundClient } from '../../server/src/outbound/http-client';
import { OutboundError } from '../../server/src/outbound/outbound-error';

interface TestServer {
  url: string;
  port: number;
  connections: number;
  requests: IncomingMessage[];
  bodies: string[];
  sockets: Set<Socket>;
  close(): Promise<void>;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse, s: TestServer) => void, host = '127.0.0.1'): Promise<TestServer> {
  const server: Server = createServer();
  const s: TestServer = {
    url: '',
    port: 0,
    connections: 0,
    requests: [],
    bodies: [],
    sockets: new Set(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const sock of s.sockets) sock.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (sock) => {
    s.connections += 1;
    s.sockets.add(sock);
    sock.on('close', () => s.sockets.delete(sock));
  });
  server.on('request', (req, res) => {
    s.requests.push(req);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      s.bodies.push(body);
      handler(req, res, s);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  s.port = (server.address() as AddressInfo).port;
  s.url = `http://${host}:${s.port}`;
  return s;
}

const servers: TestServer[] = [];
async function track(p: Promise<TestServer>): Promise<TestServer> {
  const s = await p;
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function failure(p: Promise<unknown>): Promise<OutboundError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OutboundError);
    return err as OutboundError;
  }
  throw new Error('expected the request to fail');
}

/** A fake DNS: names map to the addresses it hands out, one answer per call (the last one repeats). */
function fakeDns(table: Record<string, string[][]>) {
  const calls: Record<string, number> = {};
  return async (hostname: string): Promise<LookupAddress[]> => {
    const answers = table[hostname];
    if (!answers) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    const n = (calls[hostname] = (calls[hostname] ?? 0) + 1);
    const list = answers[Math.min(n, answers.length) - 1]!;
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** Waits (bounded) until the server has no open connection left. */
async function hungUp(s: TestServer): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (s.sockets.size > 0) {
    if (Date.now() > deadline) throw new Error('the client kept the connection open');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const open = new OutboundClient({ allowPrivate: true, userAgent: 'AppointEase-test' });
const guarded = new OutboundClient({ allowPrivate: false });
/** Public rule, except exactly 127.0.0.1: stands for "a public receiver" in redirect cases. */
const onlyFirstLoopback = (resolve?: ReturnType<typeof fakeDns>) =>
  new OutboundClient({ allowPrivate: false, policy: (a) => (a === '127.0.0.1' ? undefined : classifyAddress(a)), ...(resolve ? { resolve } : {}) });

describe('outbound client: delivery', () => {
  it('POSTs a body with the given headers and returns status, headers and body', async () => {
    const s = await track(serve((req, res) => res.writeHead(201, { 'x-seen': String(req.headers['x-custom']) }).end('thanks')));
    const r = await open.request({ url: `${s.url}/hook?a=1#frag`, method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Custom': 'yes' }, body: '{"a":1}' });
    expect(r).toMatchObject({ status: 201, truncated: false, redirects: 0, notModified: false, url: `${s.url}/hook?a=1` });
    expect(r.body.toString()).toBe('thanks');
    expect(r.headers['x-seen']).toBe('yes');
    expect(s.bodies).toEqual(['{"a":1}']);
    expect(s.requests[0]!.url).toBe('/hook?a=1');
    expect(s.requests[0]!.headers['user-agent']).toBe('AppointEase-test');
    expect(s.requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('returns a 500 as a response, and does not follow a redirect unless asked', async () => {
    const s = await track(
      serve((req, res) => (req.url === '/fail' ? res.writeHead(500).end('boom') : res.writeHead(302, { location: '/elsewhere' }).end())),
    );
    expect((await open.request({ url: `${s.url}/fail` })).status).toBe(500);
    const r = await open.request({ url: `${s.url}/moved`, method: 'POST', body: 'x' });
    expect(r.status).toBe(302);
    expect(s.requests.map((q) => q.url)).toEqual(['/fail', '/moved']);
  });

  it('follows redirects when asked (303 turns a POST into a GET), and stops after maxRedirects', async () => {
    const s = await track(
      serve((req, res) => {
        if (req.url === '/a') res.writeHead(303, { location: '/b' }).end();
        else if (req.url === '/b') res.writeHead(301, { location: `http://127.0.0.1:${(req.socket.address() as AddressInfo).port}/c` }).end();
        else if (req.url === '/c') res.writeHead(200).end(`${req.method} at c`);
        else res.writeHead(302, { location: '/loop' }).end();
      }),
    );
    const r = await open.request({ url: `${s.url}/a`, method: 'POST', body: 'payload', maxRedirects: 5 });
    expect(r).toMatchObject({ status: 200, redirects: 2, url: `${s.url}/c` });
    expect(r.body.toString()).toBe('GET at c');
    expect((await failure(open.request({ url: `${s.url}/loop`, maxRedirects: 3 }))).code).toBe('too_many_redirects');
  });

  it('sends conditional requests and reports 304 with the validators', async () => {
    const etag = '"v1"';
    const lastModified = 'Wed, 01 Jan 2025 10:00:00 GMT';
    const s = await track(
      serve((req, res) => {
        if (req.headers['if-none-match'] === etag) return res.writeHead(304, { etag }).end();
        res.writeHead(200, { etag, 'last-modified': lastModified, 'content-type': 'text/calendar' }).end('BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n');
      }),
    );
    const first = await open.request({ url: `${s.url}/basic.ics` });
    expect(first).toMatchObject({ status: 200, notModified: false, validators: { etag, lastModified } });
    const second = await open.request({ url: `${s.url}/basic.ics`, conditional: first.validators });
    expect(second).toMatchObject({ status: 304, notModified: true, validators: { etag } });
    expect(second.body.length).toBe(0);
    expect(s.requests[1]!.headers['if-none-match']).toBe(etag);
    expect(s.requests[1]!.headers['if-modified-since']).toBe(lastModified);
  });

  it('decodes a gzip body when compression is accepted', async () => {
    const s = await track(serve((req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('hello calendar'))));
    const r = await open.request({ url: s.url, acceptCompressed: true });
    expect(r.body.toString()).toBe('hello calendar');
    expect(s.requests[0]!.headers['accept-encoding']).toBe('gzip, deflate, br');
    const plain = await open.request({ url: s.url });
    expect(plain.body.toString()).toBe('hello calendar'); // a server that ignores "identity" is decoded all the same
    expect(s.requests[1]!.headers['accept-encoding']).toBe('identity');
  });

  it('refuses an unknown content encoding and a broken gzip stream', async () => {
    const s = await track(
      serve((req, res) =>
        req.url === '/zstd' ? res.writeHead(200, { 'content-encoding': 'zstd' }).end('x') : res.writeHead(200, { 'content-encoding': 'gzip' }).end('not gzip at all'),
      ),
    );
    expect((await failure(open.request({ url: `${s.url}/zstd` }))).code).toBe('bad_response');
    expect((await failure(open.request({ url: `${s.url}/broken` }))).code).toBe('bad_response');
  });

  it('reports a refused connection', async () => {
    const s = await serve((req, res) => res.end());
    const url = s.url;
    await s.close();
    expect((await failure(open.request({ url }))).code).toBe('connection_failed');
  });
});

describe('outbound client: the address rule', () => {
  it('refuses loopback by address, by name and by every numeric spelling, without connecting', async () => {
    const s = await track(serve((req, res) => res.end('secret')));
    for (const url of [
      s.url,
      `http://localhost:${s.port}/`, // a name that resolves to 127.0.0.1 (and ::1)
      `http://[::1]:${s.port}/`,
      `http://[::ffff:127.0.0.1]:${s.port}/`,
      `http://2130706433:${s.port}/`,
      `http://0x7f.1:${s.port}/`,
      `http://127.1:${s.port}/`,
      `http://0.0.0.0:${s.port}/`,
      `https://localhost:${s.port}/`,
    ]) {
      const err = await failure(guarded.request({ url }));
      expect(err.code, url).toBe('forbidden_address');
    }
    expect(s.connections).toBe(0);
  });

  it('refuses the metadata service and private targets at once (no connect attempt to time out)', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://[fd00::1]/', 'http://100.64.0.1/']) {
      expect((await failure(guarded.request({ url, timeoutMs: 60_000 }))).code, url).toBe('forbidden_address');
    }
  });

  it('checks the address at connect time: a name that rebinds to loopback after the save-time check is refused', async () => {
    const s = await track(serve((req, res) => res.end('internal')));
    const client = new OutboundClient({ allowPrivate: false, resolve: fakeDns({ 'hooks.example': [['93.184.216.34'], ['127.0.0.1']] }) });
    expect(await client.checkUrl(`http://hooks.example:${s.port}/in`)).toEqual({ ok: true, url: `http://hooks.example:${s.port}/in`, addresses: ['93.184.216.34'] });
    const err = await failure(client.request({ url: `http://hooks.example:${s.port}/in` }));
    expect(err.code).toBe('forbidden_address');
    expect(err.message).toContain('127.0.0.1');
    expect(s.connections).toBe(0);
  });

  it('refuses a name with any private address among public ones', async () => {
    const client = new OutboundClient({ allowPrivate: false, resolve: fakeDns({ 'mixed.example': [['93.184.216.34', '10.1.1.1']] }) });
    expect((await failure(client.request({ url: 'http://mixed.example/' }))).code).toBe('forbidden_address');
  });

  it('checks every redirect hop: a redirect to a private address or another scheme is refused before connecting', async () => {
    const inner = await track(serve((req, res) => res.end('inner secret'), '127.0.0.2'));
    const s = await track(
      serve((req, res) => {
        const to: Record<string, string> = {
          '/to-loopback': `${inner.url}/`,
          '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
          '/to-name': `http://intranet.example:${inner.port}/`,
          '/to-file': 'file:///etc/passwd',
          '/to-public': `http://public.example:${(req.socket.address() as AddressInfo).port}/ok`,
        };
        if (req.url === '/ok') return res.end('fine');
        res.writeHead(302, { location: to[req.url!]! }).end();
      }),
    );
    const client = onlyFirstLoopback(fakeDns({ 'intranet.example': [['10.20.30.40']], 'public.example': [['127.0.0.1']] }));
    for (const [path, code] of [
      ['/to-loopback', 'forbidden_address'],
      ['/to-metadata', 'forbidden_address'],
      ['/to-name', 'forbidden_address'],
      ['/to-file', 'unsupported_scheme'],
    ] as const) {
      const err = await failure(client.request({ url: `${s.url}${path}`, maxRedirects: 5 }));
      expect(err.code, path).toBe(code);
      expect(err.message).toMatch(/^redirect refused|resolves to|is a/);
    }
    expect(inner.connections).toBe(0);
    // The same client follows a redirect to an allowed address.
    expect((await client.request({ url: `${s.url}/to-public`, maxRedirects: 5 })).body.toString()).toBe('fine');
  });
});

describe('outbound client: bounded time and memory', () => {
  let hang: TestServer;
  let trickle: TestServer;
  let huge: TestServer;
  let hugeWritten = 0;
  const HUNDRED_MB = 100 * 1024 * 1024;

  beforeAll(async () => {
    hang = await serve(() => {}); // reads the request, never answers
    trickle = await serve((req, res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(t));
    });
    huge = await serve((req, res) => {
      hugeWritten = 0;
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      if (req.url === '/declared') res.writeHead(200, { 'content-length': String(HUNDRED_MB) });
      else res.writeHead(200); // chunked: no length to refuse up front
      const pump = () => {
        while (hugeWritten < HUNDRED_MB && !res.destroyed) {
          hugeWritten += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      res.on('error', () => {});
      pump();
    });
  });
  afterAll(async () => {
    await Promise.all([hang, trickle, huge].map((s) => s?.close()));
  });

  it('gives up on a receiver that never answers, within the budget', async () => {
    const started = Date.now();
    const err = await failure(open.request({ url: hang.url, method: 'POST', body: '{}', timeoutMs: 300 }));
    expect(err.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('gives up on a body that trickles forever: the budget covers the body too', async () => {
    const err = await failure(open.request({ url: trickle.url, timeoutMs: 400 }));
    expect(err.code).toBe('timeout');
  });

  it('keeps a short excerpt of a 100 MB answer and hangs up', async () => {
    const r = await open.request({ url: `${huge.url}/stream`, method: 'POST', body: '{}', maxBodyBytes: 1024, overflow: 'truncate' });
    expect(r.status).toBe(200);
    expect(r.truncated).toBe(true);
    expect(r.body.length).toBe(1024);
    await hungUp(huge); // the client closed the connection instead of leaving it parked
    expect(hugeWritten).toBeLessThan(HUNDRED_MB / 4); // the sender was cut off, not drained
  });

  it('refuses a 100 MB calendar at the cap while streaming, and at once when the length is declared', async () => {
    const streamed = await failure(open.request({ url: `${huge.url}/stream`, maxBodyBytes: 10 * 1024 * 1024 }));
    expect(streamed.code).toBe('too_large');
    await hungUp(huge);
    expect(hugeWritten).toBeLessThan(HUNDRED_MB / 2);
    const declared = await failure(open.request({ url: `${huge.url}/declared`, maxBodyBytes: 10 * 1024 * 1024 }));
    expect(declared.code).toBe('too_large');
    expect(declared.message).toContain(String(HUNDRED_MB));
  });

  it('applies the cap to decoded bytes (a gzip bomb)', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024)); // ~50 KB on the wire
    const s = await track(serve((req, res) => res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(bomb.length) }).end(bomb)));
    expect((await failure(open.request({ url: s.url, acceptCompressed: true, maxBodyBytes: 1024 * 1024 }))).code).toBe('too_large');
  });

  it("stops when the caller's signal fires (shutdown)", async () => {
    const controller = new AbortController();
    const pending = open.request({ url: hang.url, timeoutMs: 30_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).code).toBe('aborted');
  });
});

describe('outbound client: save-time check', () => {
  const client = new OutboundClient({ allowPrivate: false, resolve: fakeDns({ 'hooks.example': [['93.184.216.34']], 'inside.example': [['192.168.0.10']] }) });

  it.each([
    ['not a url', 'invalid_url'],
    ['ftp://hooks.example/x', 'unsupported_scheme'],
    ['javascript:alert(1)', 'unsupported_scheme'],
    ['file:///etc/passwd', 'unsupported_scheme'],
    [`https://hooks.example/${'a'.repeat(2100)}`, 'invalid_url'],
    ['http://inside.example/hook', 'forbidden_address'],
    ['http://127.0.0.1:8080/hook', 'forbidden_address'],
    ['http://[fe80::1]/hook', 'forbidden_address'],
    ['http://nowhere.example/hook', 'dns_failed'],
  ])('%s → %s', async (url, code) => {
    const r = await client.checkUrl(url);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
  });

  it('accepts a public https URL and reports what it resolves to', async () => {
    expect(await client.checkUrl('https://hooks.example/in?x=1')).toEqual({ ok: true, url: 'https://hooks.example/in?x=1', addresses: ['93.184.216.34'] });
  });

  it('resolves through the system resolver by default (localhost is loopback)', async () => {
    const r = await guarded.checkUrl('http://localhost/hook');
    expect(r).toMatchObject({ ok: false, code: 'forbidden_address' });
    expect(await open.checkUrl('http://localhost/hook')).toMatchObject({ ok: true });
  });
});

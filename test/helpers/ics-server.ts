import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local calendar server for the busy-calendar tests: serves named bodies
 * with an ETag (304 on a match), counts requests per path, and has the bad
 * cases built in: `/big.ics` (50 MB, streamed), `/hang.ics` (never answers),
 * `/status-500.ics`.
 */
export interface IcsServer {
  base: string;
  bodies: Map<string, string>;
  hits: Map<string, number>;
  /** Requests that came with If-None-Match. */
  conditionalHits: Map<string, number>;
  close(): Promise<void>;
}

export async function startIcsServer(): Promise<IcsServer> {
  const bodies = new Map<string, string>();
  const hits = new Map<string, number>();
  const conditionalHits = new Map<string, number>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (req.headers['if-none-match']) conditionalHits.set(path, (conditionalHits.get(path) ?? 0) + 1);
    if (path === '/hang.ics') {
      hanging.add(res); // never answered
      return;
    }
    if (path === '/big.ics') {
      res.writeHead(200, { 'Content-Type': 'text/calendar' });
      const chunk = Buffer.alloc(1024 * 1024, 'X'.charCodeAt(0));
      let sent = 0;
      const pump = () => {
        while (sent < 50) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => {});
      pump();
      return;
    }
    if (path === '/status-500.ics') {
      res.writeHead(500).end('oops');
      return;
    }
    const body = bodies.get(path);
    if (body === undefined) return void res.writeHead(404).end();
    const etag = `"${Buffer.from(body).length}-${hash(body)}"`;
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { ETag: etag }).end();
    res.writeHead(200, { 'Content-Type': 'text/calendar; charset=utf-8', ETag: etag }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    bodies,
    hits,
    conditionalHits,
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h >>> 0;
}

/**
 * A fixture of test/fixtures/ics with every 2025 date moved by `days` (a
 * multiple of 7 keeps weekdays): DTSTART, DTEND, EXDATE, RECURRENCE-ID,
 * UNTIL… The VTIMEZONE rules' 1601/1970 dates stay.
 */
export function shiftedFixture(name: string, days: number): string {
  const text = readFileSync(new URL(`../fixtures/ics/${name}`, import.meta.url), 'utf8');
  return text.replace(/([:,=])(2025)(\d\d)(\d\d)/g, (_m, sep: string, y: string, mo: string, d: string) => {
    const t = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)) + days * 86_400_000);
    return `${sep}${t.toISOString().slice(0, 10).replace(/-/g, '')}`;
  });
}

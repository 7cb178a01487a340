import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './http/app';
import { closeDeps, type AppDeps } from './deps';

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  deps: AppDeps;
  close(): Promise<void>;
}

/** Listens with the app and everything attached to the same server; close() drains and releases all. */
export async function startServer(deps: AppDeps, port = deps.config.port, host = deps.config.host): Promise<RunningServer> {
  const app = createApp(deps);
  const server = createServer(app);
  server.keepAliveTimeout = 5_000;
  const realtime = deps.realtime;
  realtime.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${addr.port}`;
  deps.listenUrl ??= url;
  let closing: Promise<void> | undefined;
  return {
    server,
    port: addr.port,
    url,
    deps,
    close() {
      closing ??= (async () => {
        // Upgraded sockets keep server.close() waiting: say goodbye to them first.
        await realtime.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Give in-flight requests a moment, then cut what is left.
          setTimeout(() => server.closeAllConnections(), 2_000).unref();
        });
        await closeDeps(deps);
      })();
      return closing;
    },
  };
}

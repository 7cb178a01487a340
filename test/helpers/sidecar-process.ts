import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from './services';

const ROOT = new URL('../../', import.meta.url);
/** What `npm start` runs (server/dist, built by `npm ci` and by `npm test`'s pretest step). */
export const BUILT_SERVER = new URL('../../server/dist/index.js', import.meta.url).pathname;

export interface SidecarProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** fetch against the API base. */
  api(path: string, init?: RequestInit & { json?: unknown; token?: string }): Promise<Response>;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string | null>;
  running(): boolean;
  /** SIGTERM (or `signal`), then waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string | null>;
}

/**
 * The built sidecar as its own process, as `npm start` runs it: for tests
 * that need a real process (does it exit? its workers? its signals?).
 * Resolves once /health answers.
 */
export async function startSidecarProcess(env: Record<string, string>, options: { readyWithinMs?: number } = {}): Promise<SidecarProcess> {
  if (!existsSync(BUILT_SERVER)) throw new Error('server/dist is missing: run `npm run build:server` (npm test does it first)');
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, [BUILT_SERVER], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, NODE_ENV: 'test', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const url = `http://127.0.0.1:${port}`;
  const running = () => child.exitCode === null && child.signalCode === null;
  const deadline = Date.now() + (options.readyWithinMs ?? 20_000);
  for (;;) {
    if (!running()) throw new Error(`sidecar exited during start-up (${child.exitCode ?? child.signalCode}):\n${out}`);
    try {
      const res = await fetch(`${url}/appointease/v1/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sidecar did not answer /health in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    port,
    url,
    output: () => out,
    exited,
    running,
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.json !== undefined) headers.set('Content-Type', 'application/json');
      if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
      return fetch(`${url}/appointease/v1${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
    },
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (!running()) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

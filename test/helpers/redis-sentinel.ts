import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, killAndWait } from './services';

/**
 * A private Redis Sentinel deployment for failover tests: a primary, one
 * replica and three sentinels (quorum 2), all from the Debian `redis-server`
 * binary (`--sentinel`) on free loopback ports, in a temporary directory that
 * `stop()` removes. Nothing here touches the shared Redis on 6379.
 *
 * The replica may replicate through a proxy (`proxiedReplication`) that the
 * test can freeze: whatever the primary acknowledges while it is frozen never
 * reaches the replica, which is asynchronous replication's loss made
 * deterministic (a write acknowledged just before the primary dies).
 */
export interface RedisNode {
  port: number;
  /** `127.0.0.1:port`, as the sentinels and `/health` name it. */
  address: string;
  running(): boolean;
  /** SIGKILL by default: the failure a failover test wants. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a node that hangs with its sockets open (a paused VM), then wakes up. */
  pause(): void;
  resume(): void;
}

export interface SwitchMaster {
  /** `Date.now()` when the first sentinel announced it. */
  at: number;
  from: string;
  to: string;
}

export interface SentinelDeployment {
  name: string;
  primary: RedisNode;
  replica: RedisNode;
  sentinels: RedisNode[];
  /** For `REDIS_SENTINELS`. */
  sentinelList: string;
  /** Every `+switch-master` any sentinel announced since start, first announcement per switch. */
  switches: SwitchMaster[];
  /** Resolves at the next `+switch-master` (or with one seen since `since`). */
  nextSwitch(since?: number, timeoutMs?: number): Promise<SwitchMaster>;
  /** The primary the sentinels name now (`SENTINEL get-master-addr-by-name`). */
  primaryAddress(): Promise<string>;
  /** A command connection straight to one node (tests inspect keys with it). */
  client(node: RedisNode): Redis;
  /** With `proxiedReplication`: hold back everything the primary sends the replica from now on. */
  freezeReplication(): void;
  stop(): Promise<void>;
}

export interface SentinelOptions {
  name?: string;
  /** Sentinel `down-after-milliseconds`: how long a silent primary takes to be judged down. */
  downAfterMs?: number;
  /** Sentinel `failover-timeout`. */
  failoverTimeoutMs?: number;
  proxiedReplication?: boolean;
  /** `requirepass` (and `masterauth`, sentinel `auth-pass`) on the primary and the replica. */
  password?: string;
  /** `requirepass` on the three sentinels (the same on all: they use it with each other too). */
  sentinelPassword?: string;
}

const HOST = '127.0.0.1';

export async function startSentinelDeployment(options: SentinelOptions = {}): Promise<SentinelDeployment> {
  const name = options.name ?? 'mymaster';
  const downAfterMs = options.downAfterMs ?? 1_000;
  const failoverTimeoutMs = options.failoverTimeoutMs ?? 5_000;
  const password = options.password;
  const sentinelPassword = options.sentinelPassword;
  const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
  const dir = mkdtempSync(join(tmpdir(), 'ae-sentinel-'));
  const clients: Redis[] = [];
  const nodes: RedisNode[] = [];
  let proxy: ReplicationProxy | undefined;
  let watchers: Redis[] = [];

  const stop = async () => {
    for (const w of watchers) w.disconnect();
    watchers = [];
    for (const c of clients) c.disconnect();
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const primary = redisNode(await freePort(), (port) => ['--port', String(port), ...serverArgs(dir, `primary-${port}`), ...auth], password);
    nodes.push(primary);
    await primary.start();

    let upstreamPort = primary.port;
    if (options.proxiedReplication) {
      proxy = await startReplicationProxy(primary.port);
      upstreamPort = proxy.port;
    }
    const replica = redisNode(await freePort(), (port) => ['--port', String(port), ...serverArgs(dir, `replica-${port}`), ...auth, '--replicaof', HOST, String(upstreamPort)], password);
    nodes.push(replica);
    await replica.start();
    await waitFor(async () => (await info(replica.port, 'replication', password)).includes('master_link_status:up'), 10_000, 'the replica to sync');

    const sentinels: RedisNode[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its config file (ids, the current primary): it must be writable.
      writeFileSync(
        conf,
        [
          `port ${port}`,
          `bind ${HOST}`,
          `dir ${dir}`,
          `sentinel monitor ${name} ${HOST} ${primary.port} 2`,
          `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
          `sentinel failover-timeout ${name} ${failoverTimeoutMs}`,
          `sentinel parallel-syncs ${name} 1`,
          ...(password ? [`sentinel auth-pass ${name} ${password}`] : []),
          ...(sentinelPassword ? [`requirepass ${sentinelPassword}`] : []),
          '',
        ].join('\n'),
      );
      const node = redisNode(port, () => [conf, '--sentinel'], sentinelPassword);
      nodes.push(node);
      sentinels.push(node);
      await node.start();
    }
    // A failover needs each sentinel to know the replica and the other two (hello messages every 2 s).
    await waitFor(
      async () => {
        for (const s of sentinels) {
          const r = await once(
            s.port,
            async (c) => {
            const replicas = (await c.call('SENTINEL', 'REPLICAS', name)) as string[][];
            const peers = (await c.call('SENTINEL', 'SENTINELS', name)) as string[][];
            const flags = replicas.map((fields) => fields[fields.indexOf('flags') + 1] ?? '');
            return flags.length === 1 && flags[0] === 'slave' && peers.length === 2;
            },
            sentinelPassword,
          );
          if (!r) return false;
        }
        return true;
      },
      20_000,
      'the sentinels to discover the replica and each other',
    );

    const switches: SwitchMaster[] = [];
    const waiters: (() => void)[] = [];
    for (const s of sentinels) {
      const w = new Redis({ host: HOST, port: s.port, password: sentinelPassword, lazyConnect: true, retryStrategy: () => 200 });
      w.on('error', () => {});
      w.on('message', (_channel: string, message: string) => {
        // "<name> <old-ip> <old-port> <new-ip> <new-port>"
        const [master, oldIp, oldPort, newIp, newPort] = message.split(' ');
        if (master !== name) return;
        const from = `${oldIp}:${oldPort}`;
        const to = `${newIp}:${newPort}`;
        const last = switches.at(-1);
        if (last && last.from === from && last.to === to) return; // the other sentinels announcing the same switch
        switches.push({ at: Date.now(), from, to });
        for (const wake of waiters.splice(0)) wake();
      });
      await w.connect();
      await w.subscribe('+switch-master');
      watchers.push(w);
    }

    return {
      name,
      primary,
      replica,
      sentinels,
      sentinelList: sentinels.map((s) => s.address).join(','),
      switches,
      async nextSwitch(since = Date.now(), timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const seen = switches.find((s) => s.at >= since);
          if (seen) return seen;
          if (Date.now() > deadline) throw new Error('no +switch-master within the timeout');
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 100);
            waiters.push(() => {
              clearTimeout(t);
              resolve();
            });
          });
        }
      },
      async primaryAddress() {
        for (const s of sentinels) {
          if (!s.running()) continue;
          const addr = await once(s.port, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name) as Promise<[string, string]>, sentinelPassword);
          if (addr) return `${addr[0]}:${addr[1]}`;
        }
        throw new Error('no sentinel answered');
      },
      client(node) {
        const c = new Redis({ host: HOST, port: node.port, password, maxRetriesPerRequest: 1 });
        c.on('error', () => {});
        clients.push(c);
        return c;
      },
      freezeReplication() {
        if (!proxy) throw new Error('start the deployment with proxiedReplication to freeze it');
        proxy.freeze();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** No persistence: a killed node comes back empty, as a replacement machine would. */
function serverArgs(dir: string, id: string): string[] {
  return ['--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', `${id}.rdb`, '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'];
}

function redisNode(port: number, args: (port: number) => string[], password?: string): RedisNode {
  let child: ChildProcess | undefined;
  return {
    port,
    address: `${HOST}:${port}`,
    running: () => !!child && child.exitCode === null && child.signalCode === null,
    async start() {
      child = spawn('redis-server', args(port), { stdio: 'ignore' });
      await waitFor(async () => (await once(port, (c) => c.ping(), password)) === 'PONG', 10_000, `redis-server on ${port} to answer`);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async kill(signal = 'SIGKILL') {
      const c = child;
      child = undefined;
      await killAndWait(c, signal);
    },
  };
}

/** Runs one command on a short-lived connection; undefined when the node does not answer. */
async function once<T>(port: number, fn: (c: Redis) => Promise<T>, password?: string): Promise<T | undefined> {
  const c = new Redis({ host: HOST, port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000, commandTimeout: 2_000 });
  c.on('error', () => {});
  try {
    await c.connect();
    return await fn(c);
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

async function info(port: number, section: string, password?: string): Promise<string> {
  return (await once(port, (c) => c.info(section), password)) ?? '';
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface ReplicationProxy {
  port: number;
  freeze(): void;
  close(): void;
}

/**
 * Forwards the replica's connection to the primary. Frozen, it swallows what
 * the primary sends (the replication stream) while still passing the
 * replica's acknowledgements up, so the link looks healthy to everyone.
 */
async function startReplicationProxy(primaryPort: number): Promise<ReplicationProxy> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((down) => {
    const up = connect(primaryPort, HOST);
    sockets.add(down).add(up);
    down.on('data', (d) => up.write(d));
    up.on('data', (d) => {
      if (!frozen) down.write(d);
    });
    const end = () => {
      up.destroy();
      down.destroy();
      sockets.delete(up);
      sockets.delete(down);
    };
    up.on('error', end).on('close', end);
    down.on('error', end).on('close', end);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, HOST, resolve));
  return {
    port,
    freeze: () => {
      frozen = true;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

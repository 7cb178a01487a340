// docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so they are
// checked statically: the services and wiring `docker compose up` depends on, and the
// sidecar's environment fed through the sidecar's own config parser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../server/src/config.js';
import { REPO_ROOT } from './wordpress.js';

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[] | string;
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
}

const raw = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(raw, { merge: true }) as { services: Record<string, Service> };

/** What a trial user puts in .env before `docker compose up` (the file's header says so). */
const DOT_ENV: Record<string, string> = { APPOINTEASE_SECRET: '9b2f4e6a8c0d1e3f5a7b9c1d3e5f7a9b0c2d4e6f8a0b1c3d5e7f9a1b3c5d7e9f' };

/** Compose's `${VAR:-default}` and `${VAR:?error}` (which stops compose when VAR is unset or empty). */
function interpolate(value: string, dotEnv: Record<string, string> = DOT_ENV): string {
  return value
    .replace(/\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g, (_m, name: string, op: string | undefined, arg: string) => {
      const set = dotEnv[name];
      if (set !== undefined && set !== '') return set;
      if (op?.endsWith('?')) throw new Error(`compose refuses to start: ${name}: ${arg}`);
      return op ? arg : '';
    })
    .replace(/\$\$/g, '$');
}
const env = (service: string, dotEnv?: Record<string, string>) =>
  Object.fromEntries(Object.entries(compose.services[service].environment ?? {}).map(([k, v]) => [k, interpolate(String(v), dotEnv)]));

describe('docker-compose.yml', () => {
  it('has exactly MariaDB, Redis, WordPress and the sidecar (without a profile)', () => {
    const always = Object.entries(compose.services).filter(([, s]) => !s.profiles);
    expect(always.map(([name]) => name).sort()).toEqual(['db', 'redis', 'sidecar', 'wordpress']);
    expect(compose.services.db.image).toMatch(/^mariadb:/);
    expect(compose.services.redis.image).toMatch(/^redis:/);
    expect(compose.services.wordpress.image).toMatch(/^wordpress:/);
    expect(compose.services.sidecar.build).toBe('.');
  });

  it('runs Redis with a password, 256 MB and the volatile-lru policy, persisted', () => {
    const command = (compose.services.redis.command as string[]).map((v) => interpolate(v)).join(' ');
    expect(command).toMatch(/--requirepass \S{8,}/);
    expect(command).toContain('--maxmemory 256mb');
    expect(command).toContain('--maxmemory-policy volatile-lru');
    expect(command).toContain('--appendonly yes');
    expect(compose.services.redis.ports).toBeUndefined(); // not published to the host
  });

  it('publishes WordPress on 8080 and the sidecar on 8787, on 127.0.0.1 only, and mounts the plugin from ./wp-bridge', () => {
    expect(compose.services.wordpress.ports).toEqual(['127.0.0.1:8080:80']);
    expect(compose.services.sidecar.ports).toEqual(['127.0.0.1:8787:8787']);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
    expect(compose.services.wordpress.volumes).toContain('./wp-bridge:/var/www/html/wp-content/plugins/appointease-bridge:ro');
    expect(compose.services.sidecar.command).toEqual(['sh', '-c', 'node server/dist/migrate.js && exec node --max-semi-space-size=4 --heap-growing-percent=50 server/dist/index.js']);
    expect(compose.services.sidecar.depends_on).toMatchObject({ db: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
  });

  it('ships no secret: without APPOINTEASE_SECRET in .env compose stops with a message saying how to make one', () => {
    for (const service of ['wordpress', 'sidecar']) {
      expect(() => env(service, {}), service).toThrow(/APPOINTEASE_SECRET: set APPOINTEASE_SECRET in \.env first \(openssl rand -hex 32\)/);
    }
    expect(raw).not.toMatch(/APPOINTEASE_SECRET:-/);
  });

  it('gives WordPress and the sidecar the same secret and consistent credentials', () => {
    const wp = env('wordpress');
    const sidecar = env('sidecar');
    const db = env('db');
    expect(sidecar.APPOINTEASE_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(wp.APPOINTEASE_SECRET).toBe(sidecar.APPOINTEASE_SECRET);
    expect(wp.WORDPRESS_CONFIG_EXTRA).toContain("define( 'APPOINTEASE_SIDECAR_URL', 'http://localhost:8787' );");
    expect(wp.WORDPRESS_CONFIG_EXTRA).toContain("define( 'APPOINTEASE_SIDECAR_INTERNAL_URL', 'http://sidecar:8787' );");
    expect(wp.WORDPRESS_CONFIG_EXTRA).toContain("define( 'APPOINTEASE_SECRET', getenv( 'APPOINTEASE_SECRET' ) );");

    const database = new URL(sidecar.DATABASE_URL);
    expect(database.hostname).toBe('db');
    expect(decodeURIComponent(database.username)).toBe(db.MARIADB_USER);
    expect(decodeURIComponent(database.password)).toBe(db.MARIADB_PASSWORD);
    expect(database.pathname).toBe(`/${db.MARIADB_DATABASE}`);
    expect(wp.WORDPRESS_DB_PASSWORD).toBe(db.MARIADB_PASSWORD);
    expect(wp.WORDPRESS_TABLE_PREFIX).toBe(sidecar.WP_TABLE_PREFIX);

    const redis = new URL(sidecar.REDIS_URL);
    const command = (compose.services.redis.command as string[]).map((v) => interpolate(v));
    expect(redis.hostname).toBe('redis');
    expect(decodeURIComponent(redis.password)).toBe(command[command.indexOf('--requirepass') + 1]);

    expect(sidecar.ALLOWED_ORIGINS.split(',')).toContain('http://localhost:8080');
    expect(sidecar.HOST).toBe('0.0.0.0');
  });

  it('the sentinel profile: a replica of `redis` and three sentinels (quorum 2) with its password, which the sidecar finds through REDIS_SENTINELS', () => {
    const profiled = Object.entries(compose.services).filter(([, s]) => s.profiles);
    expect(profiled.map(([name]) => name).sort()).toEqual(['redis-replica', 'redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3']);
    for (const [, s] of profiled) expect(s.profiles).toEqual(['sentinel']);
    const password = (() => {
      const c = (compose.services.redis.command as string[]).map((v) => interpolate(v));
      return c[c.indexOf('--requirepass') + 1];
    })();
    const primary = (compose.services.redis.command as string[]).map((v) => interpolate(v)).join(' ');
    expect(primary).toContain(`--masterauth ${password}`); // demoted by a failover, it must follow the new primary
    const replica = (compose.services['redis-replica'].command as string[]).map((v) => interpolate(v)).join(' ');
    expect(replica).toContain('--replicaof redis 6379');
    expect(replica).toContain(`--masterauth ${password} --requirepass ${password}`);
    expect(replica).toContain('--maxmemory-policy volatile-lru');
    for (const name of ['redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3']) {
      const script = interpolate((compose.services[name].command as string[]).join('\n'));
      expect(script).toContain('sentinel monitor mymaster redis 6379 2');
      expect(script).toContain('sentinel auth-pass mymaster $REDIS_PASSWORD');
      expect(script).toMatch(/resolve-hostnames yes[\s\S]*sentinel monitor/); // hostnames must be allowed before they are used
      expect(env(name).REDIS_PASSWORD).toBe(password);
      expect(compose.services[name].ports).toBeUndefined();
    }
    // Empty by default (the `redis` service alone); the documented value parses.
    expect(env('sidecar').REDIS_SENTINELS).toBe('');
    const config = parseConfig({ ...env('sidecar', { ...DOT_ENV, REDIS_SENTINELS: 'redis-sentinel-1:26379,redis-sentinel-2:26379,redis-sentinel-3:26379' }) });
    expect(config.redis.sentinels.map((s) => `${s.host}:${s.port}`)).toEqual(['redis-sentinel-1:26379', 'redis-sentinel-2:26379', 'redis-sentinel-3:26379']);
    expect(config.redis.sentinelName).toBe('mymaster');
    expect(decodeURIComponent(new URL(config.redis.url).password)).toBe(password);
  });

  it("passes the sidecar's own configuration validation as a production config", () => {
    const config = parseConfig(env('sidecar'));
    expect(config.nodeEnv).toBe('production');
    expect(config.mail.transport).toBe('wordpress');
    expect(config.mail.wordpressUrl).toBe('http://wordpress');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

  it('builds on node:20 with production dependencies only and starts the built server as PID 1', () => {
    expect(dockerfile).toMatch(/^FROM node:20\b/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build:server$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "server\/dist\/index.js"\]$/m);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production/m);
    // What npm start runs is what the image runs.
    expect(scripts.start).toBe('exec node --max-semi-space-size=4 --heap-growing-percent=50 server/dist/index.js');
    // …and what the systemd unit runs.
    expect(readFileSync(join(REPO_ROOT, 'deploy/appointease@.service'), 'utf8')).toContain('/usr/bin/node --max-semi-space-size=4 --heap-growing-percent=50 server/dist/index.js');
    // The image does not bring its own widget build: it must be in the build context.
    expect(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')).not.toMatch(/^widget/m);
  });

  it('only runs npm scripts that package.json defines', () => {
    const used = [...dockerfile.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const script of used) expect(Object.keys(scripts), `npm run ${script}`).toContain(script);
  });
});

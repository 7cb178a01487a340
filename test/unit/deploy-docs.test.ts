import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWN_VARIABLES, parseConfig } from '../../server/src/config';
import { deployBlock, SECRET_PLACEHOLDER } from '../helpers/deploy-docs';
import { parseDotenv, parseSystemdEnvironmentFile } from '../helpers/env-files';

const hasPhp = spawnSync('php', ['-v']).status === 0;
const hasNginx = spawnSync('/usr/sbin/nginx', ['-v']).status === 0;

/** Issue 17 item 2: the docs' blocks copy-paste correctly into .env, systemd and wp-config.php. */
describe('docs/deploy.md settings block', () => {
  const block = deployBlock('settings');

  it('reads the same as a .env file and as a systemd EnvironmentFile, and names only known settings', () => {
    const dotenv = parseDotenv(block);
    expect(parseSystemdEnvironmentFile(block)).toEqual(dotenv);
    for (const name of Object.keys(dotenv)) expect(KNOWN_VARIABLES, name).toContain(name);
    // The trap of Issue 17: an indented comment after a value swallowed the next name.
    expect(dotenv).toMatchObject({ ALLOWED_ORIGINS: '', MAIL_TRANSPORT: 'wordpress', TRUST_PROXY: 'true', MAIL_FROM: 'Example Salon <bookings@example.com>' });
  });

  it('is a complete production configuration once the secret is pasted in, and refuses the placeholder', () => {
    const dotenv = parseDotenv(block);
    expect(() => parseConfig(dotenv)).toThrow(/^Invalid APPOINTEASE_SECRET: .*openssl rand -hex 32$/);
    const config = parseConfig({ ...dotenv, APPOINTEASE_SECRET: '5d2c8e0f4a6b1c3d9e7f2a4b6c8d0e1f3a5b7c9d2e4f6a8b' });
    expect(config).toMatchObject({ nodeEnv: 'production', trustProxy: true, allowedOrigins: [], warnings: [] });
    expect(config.mail).toMatchObject({ transport: 'wordpress', from: 'Example Salon <bookings@example.com>', wordpressUrl: 'https://example.com' });
  });
});

describe('docs/deploy.md sentinel settings block', () => {
  it('added to the settings block, reads the same as .env and systemd and configures Sentinel with the password from REDIS_URL', () => {
    const block = deployBlock('sentinel-settings');
    const dotenv = parseDotenv(block);
    expect(parseSystemdEnvironmentFile(block)).toEqual(dotenv);
    for (const name of Object.keys(dotenv)) expect(KNOWN_VARIABLES, name).toContain(name);
    const config = parseConfig({ ...parseDotenv(deployBlock('settings')), ...dotenv, APPOINTEASE_SECRET: '5d2c8e0f4a6b1c3d9e7f2a4b6c8d0e1f3a5b7c9d2e4f6a8b' });
    expect(config.redis.sentinels).toEqual([
      { host: '10.0.0.11', port: 26379 },
      { host: '10.0.0.12', port: 26379 },
      { host: '10.0.0.13', port: 26379 },
    ]);
    expect(config.redis).toMatchObject({ sentinelName: 'mymaster', sentinelPassword: 'the-sentinel-password' });
    expect(new URL(config.redis.url).password).toBe('the-redis-password');
  });
});

describe.skipIf(!hasPhp)('docs/deploy.md wp-config block (needs php)', () => {
  it('is valid PHP that defines the public URL and, by default, no single-instance internal URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'appointease-wpconfig-'));
    try {
      const file = join(dir, 'config.php');
      writeFileSync(file, `<?php\n${deployBlock('wp-config')}\necho json_encode( array( 'url' => APPOINTEASE_SIDECAR_URL, 'secret' => APPOINTEASE_SECRET, 'internal' => defined( 'APPOINTEASE_SIDECAR_INTERNAL_URL' ) ) );\n`);
      const r = spawnSync('php', [file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ url: 'https://example.com', secret: SECRET_PLACEHOLDER, internal: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Where it is shown, the internal URL points at the proxy, not at an instance's port.
    expect(deployBlock('wp-config')).not.toMatch(/INTERNAL_URL.*:87\d\d/);
  });
});

describe.skipIf(!hasNginx)('docs/deploy.md nginx block (needs nginx)', () => {
  it('passes nginx -t as written, inside an http block', () => {
    const dir = mkdtempSync(join(tmpdir(), 'appointease-nginx-t-'));
    try {
      const conf = join(dir, 'nginx.conf');
      writeFileSync(conf, `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\naccess_log off;\n${deployBlock('nginx')}\n}\n`);
      const r = spawnSync('/usr/sbin/nginx', ['-t', '-p', dir, '-c', conf], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

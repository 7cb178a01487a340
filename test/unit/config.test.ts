import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../server/src/config';

const base = { NODE_ENV: 'test' };

describe('config', () => {
  it('applies the contract defaults', () => {
    const c = parseConfig(base);
    expect(c).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      databaseUrl: 'mysql://root@127.0.0.1:3306/wordpress',
      tablePrefix: 'wp_',
      redis: { enabled: true, url: 'redis://127.0.0.1:6379', keyPrefix: '' },
      trustProxy: false,
      lockTtlSeconds: 600,
      availabilityCacheSeconds: 30,
      otpTtlSeconds: 600,
      sessionTtlSeconds: 86400,
      maxLocksPerClient: 3,
      allowedOrigins: [],
    });
    expect(c.mail.transport).toBe('log');
  });

  it.each([
    [{ PORT: 'eighty' }, /^Invalid PORT: /],
    [{ REDIS_ENABLED: 'maybe' }, /^Invalid REDIS_ENABLED: /],
    [{ LOCK_TTL_SECONDS: '1' }, /^Invalid LOCK_TTL_SECONDS: /],
    [{ DATABASE_URL: 'postgres://x' }, /^Invalid DATABASE_URL: /],
    [{ APPOINTEASE_SECRET: 'short' }, /^Invalid APPOINTEASE_SECRET: /],
    [{ ALLOWED_ORIGINS: 'https://ok.example, not a url' }, /^Invalid ALLOWED_ORIGINS: /],
    [{ MAIL_TRANSPORT: 'pigeon' }, /^Invalid MAIL_TRANSPORT: /],
    [{ MAIL_TRANSPORT: 'wordpress' }, /^Invalid WORDPRESS_URL: /],
    [{ WP_TABLE_PREFIX: 'wp-;drop' }, /^Invalid WP_TABLE_PREFIX: /],
  ])('a bad value stops start-up with one line naming the variable: %o', (env, message) => {
    expect(() => parseConfig({ ...base, ...env })).toThrowError(ConfigError);
    try {
      parseConfig({ ...base, ...env });
    } catch (e) {
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('requires a secret and refuses the log mail transport in production', () => {
    expect(() => parseConfig({ NODE_ENV: 'production', MAIL_TRANSPORT: 'smtp://127.0.0.1:25' })).toThrow(/APPOINTEASE_SECRET/);
    expect(() => parseConfig({ NODE_ENV: 'production', APPOINTEASE_SECRET: 'x'.repeat(32) })).toThrow(/MAIL_TRANSPORT/);
    const c = parseConfig({ NODE_ENV: 'production', APPOINTEASE_SECRET: 'x'.repeat(32), MAIL_TRANSPORT: 'smtp://127.0.0.1:25' });
    expect(c.secretIsEphemeral).toBe(false);
  });

  it('normalises origins and booleans', () => {
    const c = parseConfig({ ...base, ALLOWED_ORIGINS: 'https://shop.example/, http://localhost:3000', TRUST_PROXY: 'TRUE', REDIS_ENABLED: 'false' });
    expect(c.allowedOrigins).toEqual(['https://shop.example', 'http://localhost:3000']);
    expect(c.trustProxy).toBe(true);
    expect(c.redis.enabled).toBe(false);
  });
});

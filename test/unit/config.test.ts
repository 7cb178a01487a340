import { describe, expect, it } from 'vitest';
import { ConfigError, EXAMPLE_SECRETS, parseConfig, parseDatabaseConfig } from '../../server/src/config';

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
      outbound: { allowPrivate: false },
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
    [{ OUTBOUND_ALLOW_PRIVATE: 'sometimes' }, /^Invalid OUTBOUND_ALLOW_PRIVATE: /],
    [{ REDIS_SENTINELS: '10.0.0.1:26379, redis://10.0.0.2:26379' }, /^Invalid REDIS_SENTINELS: /],
    [{ REDIS_SENTINELS: '10.0.0.1:70000' }, /^Invalid REDIS_SENTINELS: /],
    [{ REDIS_SENTINEL_NAME: 'my master' }, /^Invalid REDIS_SENTINEL_NAME: /],
    [{ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_URL: 'rediss://:pw@10.0.0.1:6379' }, /^Invalid REDIS_URL: /],
    [{ PUBLIC_URL: 'book.example.com' }, /^Invalid PUBLIC_URL: /],
    [{ PUBLIC_URL: 'javascript:alert(1)' }, /^Invalid PUBLIC_URL: /],
    [{ PUBLIC_URL: 'https://book.example.com/?x=1' }, /^Invalid PUBLIC_URL: /],
  ])('a bad value stops start-up with one line naming the variable: %o', (env, message) => {
    expect(() => parseConfig({ ...base, ...env })).toThrowError(ConfigError);
    try {
      parseConfig({ ...base, ...env });
    } catch (e) {
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).not.toContain('\n');
    }
  });

  const realSecret = '3f9c1e0b7a2d4c6e8f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d';

  it('requires a secret and refuses the log mail transport in production', () => {
    expect(() => parseConfig({ NODE_ENV: 'production', MAIL_TRANSPORT: 'smtp://127.0.0.1:25' })).toThrow(/APPOINTEASE_SECRET/);
    expect(() => parseConfig({ NODE_ENV: 'production', APPOINTEASE_SECRET: realSecret })).toThrow(/MAIL_TRANSPORT/);
    const c = parseConfig({ NODE_ENV: 'production', APPOINTEASE_SECRET: realSecret, MAIL_TRANSPORT: 'smtp://127.0.0.1:25' });
    expect(c.secretIsEphemeral).toBe(false);
  });

  it('refuses, in production, a secret from the docs or examples and placeholder-looking ones', () => {
    const prod = { NODE_ENV: 'production', MAIL_TRANSPORT: 'smtp://127.0.0.1:25' };
    for (const secret of [...EXAMPLE_SECRETS, 'x'.repeat(40), 'paste-the-output-of-openssl-rand-hex-32-here', 'please-change-me-before-going-live-0123']) {
      expect(() => parseConfig({ ...prod, APPOINTEASE_SECRET: secret }), secret).toThrow(/^Invalid APPOINTEASE_SECRET: .*openssl rand -hex 32$/);
    }
    // Development and tests may use anything long enough.
    expect(parseConfig({ NODE_ENV: 'development', APPOINTEASE_SECRET: EXAMPLE_SECRETS[0] }).secret).toBe(EXAMPLE_SECRETS[0]);
  });

  it('treats an empty value as unset for every variable (a .env line like `LOG_LEVEL=`)', () => {
    const c = parseConfig({ NODE_ENV: '', LOG_LEVEL: '', LOG_FORMAT: '', PORT: '', APPOINTEASE_SECRET: realSecret, MAIL_TRANSPORT: 'smtp://127.0.0.1:25' });
    expect(c).toMatchObject({ nodeEnv: 'production', logLevel: 'info', logFormat: undefined, port: 8787 });
  });

  it('warns about variables that look like ours but are not, and only those', () => {
    const c = parseConfig({
      ...base,
      APPOINTEASE_SECRETS: 'x',
      REDIS_URl: 'redis://127.0.0.1:6380',
      MAIL_TRANSPORTS: 'smtp://x:25',
      ALLOWED_ORIGIN: 'https://example.com',
      'lock-ttl-seconds': '30',
      PATH: '/usr/bin',
      HOME: '/root',
      HOSTNAME: 'web1',
      PWD: '/srv',
      npm_lifecycle_event: 'start',
      LOGNAME: 'root',
    });
    expect(c.warnings).toEqual([
      'APPOINTEASE_SECRETS is not a setting AppointEase knows: did you mean APPOINTEASE_SECRET? (it is ignored)',
      'REDIS_URl is not a setting AppointEase knows: did you mean REDIS_URL? (it is ignored)',
      'MAIL_TRANSPORTS is not a setting AppointEase knows: did you mean MAIL_TRANSPORT? (it is ignored)',
      'ALLOWED_ORIGIN is not a setting AppointEase knows: did you mean ALLOWED_ORIGINS? (it is ignored)',
      'lock-ttl-seconds is not a setting AppointEase knows: did you mean LOCK_TTL_SECONDS? (it is ignored)',
    ]);
    expect(parseConfig({ ...base, APPOINTEASE_THING: '1' }).warnings).toEqual(['APPOINTEASE_THING is not a setting AppointEase knows (it is ignored)']);
  });

  it('gives migrate only the database settings: no secret, no mail, other variables unread', () => {
    const env = { NODE_ENV: 'production', MAIL_TRANSPORT: 'log', PORT: 'eighty', DATABASE_URL: 'mysql://u:p@db:3306/site', WP_TABLE_PREFIX: 'shop_' };
    expect(() => parseConfig(env)).toThrow();
    expect(parseDatabaseConfig(env)).toEqual({ databaseUrl: 'mysql://u:p@db:3306/site', tablePrefix: 'shop_' });
    expect(() => parseDatabaseConfig({ DATABASE_URL: 'postgres://x' })).toThrow(/^Invalid DATABASE_URL: /);
  });

  it('normalises origins and booleans', () => {
    const c = parseConfig({ ...base, ALLOWED_ORIGINS: 'https://shop.example/, http://localhost:3000', TRUST_PROXY: 'TRUE', REDIS_ENABLED: 'false' });
    expect(c.allowedOrigins).toEqual(['https://shop.example', 'http://localhost:3000']);
    expect(c.trustProxy).toBe(true);
    expect(c.redis.enabled).toBe(false);
    expect(parseConfig({ ...base, OUTBOUND_ALLOW_PRIVATE: 'true' }).outbound.allowPrivate).toBe(true);
  });

  it('reads Sentinels as host:port (IPv6 in brackets, port 26379 when left out) with the primary mymaster by default', () => {
    expect(parseConfig(base).redis).toMatchObject({ sentinels: [], sentinelName: 'mymaster', sentinelPassword: '' });
    const c = parseConfig({ ...base, REDIS_SENTINELS: ' 10.0.0.1:26380, sentinel-b ,[fd00::3]:26381,', REDIS_SENTINEL_NAME: 'booking', REDIS_URL: 'redis://:pw@ignored:6379/2' });
    expect(c.redis.sentinels).toEqual([
      { host: '10.0.0.1', port: 26380 },
      { host: 'sentinel-b', port: 26379 },
      { host: 'fd00::3', port: 26381 },
    ]);
    expect(c.redis.sentinelName).toBe('booking');
  });

  it('PUBLIC_URL: empty by default, else the base without a trailing slash (a path is kept)', () => {
    expect(parseConfig(base).publicUrl).toBe('');
    expect(parseConfig({ ...base, PUBLIC_URL: 'https://Book.Example.com/' }).publicUrl).toBe('https://book.example.com');
    expect(parseConfig({ ...base, PUBLIC_URL: 'https://example.com/booking/' }).publicUrl).toBe('https://example.com/booking');
  });
});

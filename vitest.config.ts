import { defineConfig } from 'vitest/config';

// Integration tests talk to the real MariaDB and Redis; each file makes its
// own database and key prefix, so files may run side by side. Two cores:
// keep the pool small so timing-sensitive tests (lock expiry, breaker) stay honest.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { NODE_ENV: 'test' },
  },
});

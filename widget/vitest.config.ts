import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// The widget's own vitest project: pure logic runs in node; the files that mount the
// element opt into happy-dom with a `@vitest-environment happy-dom` comment.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    name: 'widget',
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
});

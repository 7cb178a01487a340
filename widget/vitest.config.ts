import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { translationManifest } from './i18n-files.ts';

// The widget's own vitest project: pure logic runs in node; the files that mount the
// element opt into happy-dom with a `@vitest-environment happy-dom` comment.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // The built file names, so component tests load translations the way the built widget does.
  define: { __AE_I18N_FILES__: JSON.stringify(translationManifest()) },
  test: {
    name: 'widget',
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
});

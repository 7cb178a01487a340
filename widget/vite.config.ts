import { defineConfig, type Plugin } from 'vite';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { translationFiles, translationManifest } from './i18n-files.ts';
import { BUDGET_GZIP } from './size-budget.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

// Plausible-style size reporting: every build prints what visitors download.
function reportSize(): Plugin {
  return {
    name: 'appointease-report-size',
    apply: 'build',
    // After the translations were emitted, so they are reported too.
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        for (const file of Object.values(bundle)) {
          const text = file.type === 'chunk' ? file.code : typeof file.source === 'string' ? file.source : Buffer.from(file.source).toString('utf8');
          const raw = Buffer.byteLength(text);
          const gz = gzipSync(text, { level: 9 }).length;
          const budget = file.type === 'chunk' ? BUDGET_GZIP.script : BUDGET_GZIP.translation;
          console.log(`[appointease] ${file.fileName}: ${raw} B raw, ${gz} B gzip (budget ${budget} B)`);
        }
      },
    },
  };
}

// Every language but English as its own file beside the script, fetched only by pages in
// that language; the script learns their hashed names at build time.
function emitTranslations(): Plugin {
  return {
    name: 'appointease-translations',
    apply: 'build',
    generateBundle() {
      for (const f of translationFiles()) this.emitFile({ type: 'asset', fileName: f.fileName, source: f.source });
    },
  };
}

// ASCII-only output: a host page that serves the script without a charset (or declares
// a legacy one) would otherwise show "â†" for "←" and break German umlauts.
function asciiOnly(): Plugin {
  return {
    name: 'appointease-ascii-only',
    apply: 'build',
    // After minification (which would turn escapes back into characters).
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type === 'chunk') file.code = file.code.replace(/[^\x00-\x7f]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
      }
    },
  };
}

export default defineConfig({
  root,
  // Always a production build, even when started from a test (NODE_ENV=test would
  // otherwise give oxc's development JSX with file names and line numbers).
  mode: 'production',
  // Vite 8 transforms with oxc; preact's automatic runtime avoids @preact/preset-vite.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact', development: false } },
  define: { 'process.env.NODE_ENV': JSON.stringify('production'), __AE_I18N_FILES__: JSON.stringify(translationManifest()) },
  plugins: [asciiOnly(), emitTranslations(), reportSize()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    minify: true,
    sourcemap: false,
    // The script under a fixed name (the sidecar serves exactly dist/appointease-booking.js),
    // the translations under dist/i18n/ with hashed names.
    lib: {
      entry: 'src/main.ts',
      formats: ['iife'],
      name: 'AppointEaseBookingBundle',
      fileName: () => 'appointease-booking.js',
    },
  },
});

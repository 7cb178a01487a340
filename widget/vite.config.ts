import { defineConfig, type Plugin } from 'vite';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// Plausible-style size reporting: every build prints what visitors download.
function reportSize(): Plugin {
  return {
    name: 'appointease-report-size',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk') continue;
        const raw = Buffer.byteLength(file.code);
        const gz = gzipSync(file.code, { level: 9 }).length;
        this.info(`${file.fileName}: ${(raw / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzip`);
        console.log(`[appointease] ${file.fileName}: ${raw} B raw, ${gz} B gzip (budget 25600 B)`);
      }
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
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  plugins: [asciiOnly(), reportSize()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    minify: true,
    sourcemap: false,
    // One file, no hashed name: the sidecar serves exactly dist/appointease-booking.js.
    lib: {
      entry: 'src/main.ts',
      formats: ['iife'],
      name: 'AppointEaseBookingBundle',
      fileName: () => 'appointease-booking.js',
    },
  },
});

import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// Builds the wp-admin bundle into the plugin itself (wp-bridge/assets/admin.js). The output
// is committed: WordPress installs a plugin folder as-is, with no build step on the site.
export default defineConfig({
  root,
  // Vite 8 transforms with oxc; preact's automatic runtime avoids @preact/preset-vite.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: '../assets',
    emptyOutDir: false, // assets/admin.css lives there too
    target: 'es2020',
    minify: true,
    sourcemap: false,
    lib: {
      entry: 'src/main.tsx',
      // A classic script: WordPress 6.1's script loader prints plain <script> tags.
      formats: ['iife'],
      name: 'AppointEaseAdmin',
      fileName: () => 'admin.js',
    },
  },
});

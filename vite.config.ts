import { defineConfig } from 'vite';

// The explore page (web/) → dist/web, served by the service at / (src/serve/explore-routes.ts).
// Preact's JSX through esbuild; no plugins, no external URLs: the page works offline.
export default defineConfig({
  root: 'web',
  base: '/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: false },
});

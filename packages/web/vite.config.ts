import { defineConfig } from 'vite';

// The dashboard is a static single-page app: `vite build` writes dist/ (index.html and hashed files under
// dist/assets/), which @verdant/server serves at /. Preact through the automatic JSX runtime (no plugin);
// nothing is loaded from outside the origin (no CDN, no web fonts).
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: true, chunkSizeWarningLimit: 200 },
  server: { proxy: { '/api': 'http://127.0.0.1:8787' } },
});

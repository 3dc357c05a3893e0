import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The web console, served by the API at /console (src/http/console-route.ts). Build from the
 * repository root: `vite build --config console/vite.config.ts` (npm run console:build).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // .vite/manifest.json: the size check reads the entry's chunks from it.
    manifest: true,
    sourcemap: false,
    // The CSP allows no inline script or style: never inline assets as data: scripts.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run console:dev`: the API on :4000 serves /graphql (and its WebSocket) and /console/auth.
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:4000', ws: true },
      '/console/auth': 'http://127.0.0.1:4000',
      '/console/logout': 'http://127.0.0.1:4000',
    },
  },
});

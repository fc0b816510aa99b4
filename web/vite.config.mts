/// <reference types="vitest/config" />
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Writes a .br and a .gz beside every text file of the build: the gateway serves them to browsers that accept them
 * (@fastify/static `preCompressed`), compressed once at build time rather than on every request.
 */
function precompress(): Plugin {
  return {
    name: 'llmlab-precompress',
    apply: 'build',
    writeBundle(options) {
      const walk = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
      for (const file of walk(options.dir!)) {
        if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
        const content = readFileSync(file);
        if (content.length < 1024) continue;
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
        writeFileSync(`${file}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

// The dashboard: a static build served by the gateway at / (services/gateway/src/web). JSX is compiled by Vite's
// own transformer (no React plugin: the production build needs none, and the dev server reloads the page).
export default defineConfig({
  root,
  publicDir: 'public',
  // The pure libraries the dashboard shares with the services (the spend forecast, money), as in tsconfig.json.
  resolve: {
    alias: {
      '@llmlab/domain': join(root, '..', 'libs', 'domain', 'src'),
      '@llmlab/contracts': join(root, '..', 'contracts', 'src'),
    },
  },
  plugins: [precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The first route's JavaScript is measured by `npm run bench:web`; pages load on demand.
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      onwarn(warning, warn) {
        // TanStack Query's "use client" directives are for server components; this is a client-only app.
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    // `npm run web:dev`: the platform runs on :3000 (`npm start`); the API is proxied so the origin stays one.
    proxy: { '/v1': 'http://127.0.0.1:3000' },
  },
  test: {
    root,
    environment: 'jsdom',
    environmentOptions: { jsdom: { url: 'http://localhost:3000/' } },
    globals: true,
    setupFiles: ['src/test-setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});

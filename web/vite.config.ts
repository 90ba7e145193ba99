import { defineConfig, type Plugin } from 'vite';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

/**
 * Emits dist/sw.js from sw/sw.template.js with the app shell (index.html, the hashed assets and
 * the static files) written into it. The list is sorted and the cache version is a hash of the
 * list, so the same inputs always give the same bytes.
 */
function serviceWorker(): Plugin {
  return {
    name: 'yano-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => f.startsWith('assets/'))
        .map((f) => '/' + f);
      const shell = ['/', '/manifest.webmanifest', '/icon-192.png', '/icon-512.png', ...files.sort()];
      const version = createHash('sha256').update(shell.join('\n')).digest('hex').slice(0, 12);
      const template = readFileSync(new URL('./sw/sw.template.js', import.meta.url), 'utf8');
      const source = template
        .replace('self.__SHELL__', JSON.stringify(shell, null, 2))
        .replace('__VERSION__', version);
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

export default defineConfig({
  plugins: [serviceWorker()],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', assetsInlineLimit: 0 },
  server: {
    proxy: {
      '/v1': { target: process.env.YANO_API ?? 'http://127.0.0.1:8787', ws: true, changeOrigin: false },
      '/healthz': process.env.YANO_API ?? 'http://127.0.0.1:8787',
    },
  },
});

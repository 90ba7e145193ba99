// yano's service worker: keeps the app shell (written in at build time) so the app opens
// offline. API responses (/v1) are never cached here; the app keeps "offline" tracks itself.
const VERSION = '__VERSION__';
const SHELL_CACHE = 'yano-shell-' + VERSION;
const SHELL = self.__SHELL__;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) =>
        // the page and its hashed assets must all be there; the manifest and icons may fail
        cache
          .addAll(SHELL.filter((u) => u === '/' || u.startsWith('/assets/')))
          .then(() => Promise.all(SHELL.filter((u) => u !== '/' && !u.startsWith('/assets/')).map((u) => cache.add(u).catch(() => {})))),
      )
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith('yano-shell-') && k !== SHELL_CACHE).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/v1/')) return;
  if (request.mode === 'navigate') {
    // the shell, from the network when it answers, else from the cache
    event.respondWith(
      fetch(request).catch(() =>
        caches.open(SHELL_CACHE).then((cache) => cache.match('/')),
      ),
    );
    return;
  }
  if (SHELL.includes(url.pathname)) {
    // hashed assets never change: cache first
    event.respondWith(
      caches.open(SHELL_CACHE).then((cache) => cache.match(url.pathname).then((hit) => hit || fetch(request))),
    );
  }
});

// Tachkhis service worker: keeps the app shell on the tablet so the app opens with no network.
// `__BUILD_ID__` is replaced by a hash of the bundle at build time, so every release gets its
// own cache and the old one is dropped when the new worker takes over.
//
// An update touches the Cache Storage only, and only caches named `tachkhis-shell-…`: it never
// opens, clears or deletes IndexedDB, where the sessions live (see client/src/storage.rs for
// how the database itself is upgraded without losing a store).
'use strict';

const CACHE = 'tachkhis-shell-__BUILD_ID__';
// Held to 650 KiB by tests/integration/bundle.rs. No '/': navigations fall back to /index.html.
const SHELL = [
  '/index.html',
  '/boot.js',
  '/style.css',
  '/manifest.webmanifest',
  '/icon.svg',
  '/pkg/tachkhis_client.js',
  '/pkg/tachkhis_client_bg.wasm',
];
// A navigation that has not answered after this long is served from the cache (a rural link
// can hang for minutes rather than fail).
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((n) => n.startsWith('tachkhis-') && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); });
  });
}

async function navigation(request) {
  try {
    const response = await withTimeout(fetch(request), NAVIGATION_TIMEOUT_MS);
    if (response.ok) {
      return response;
    }
    throw new Error('status ' + response.status);
  } catch (_) {
    const cache = await caches.open(CACHE);
    const cached = await cache.match('/index.html');
    return cached || Response.error();
  }
}

async function shellAsset(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) {
    return cached;
  }
  return fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') {
    return;
  }
  const url = new URL(request.url);
  // The API is never cached: the browser talks to the server directly.
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) {
    return;
  }
  // The public pages (issue 16) are the server's, never the app: an unpublished or withdrawn
  // project's 404 must reach the reader as it is, not be answered by the app's shell.
  if (url.pathname === '/p' || url.pathname.startsWith('/p/')) {
    return;
  }
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(shellAsset(request));
  }
});

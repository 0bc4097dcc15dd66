/**
 * The static Space's service worker: every file of the build (page, app, onnxruntime-web's WASM,
 * model, examples) answered from a cache named for the build, so the page works offline after its
 * first load. The small files are cached when it installs; the large ones (WASM, model) as the
 * page first fetches them through it, so they download once. A new build is a new cache; the
 * old one is deleted once the new worker takes over.
 */
/// <reference lib="webworker" />

declare const __STATIC_FILES__: { files: string[]; eager: string[]; version: string };
declare const self: ServiceWorkerGlobalScope;

const { files, eager, version } = __STATIC_FILES__;
const CACHE = `static-space-${version}`;
const scope = new URL(self.registration.scope);
const known = new Set(files.map((f) => new URL(f, scope).href));
const index = new URL("index.html", scope).href;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(eager.map((f) => new URL(f, scope).href));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith("static-space-") && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  url.search = "";
  url.hash = "";
  const key = url.href === scope.href ? index : url.href;
  if (!known.has(key)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const hit = await cache.match(key);
      if (hit) return hit;
      const response = await fetch(key);
      if (response.ok) event.waitUntil(cache.put(key, response.clone()));
      return response;
    })(),
  );
});

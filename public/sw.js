// mimamori service worker.
// The server prepends `const VERSION`, `const SHELL` (the path of the form-free shell) and
// `const PRECACHE` (this build's hashed wasm/js/css, the shell, manifest and icons) when it
// serves /sw.js.
//
// - The app shell and assets are precached per version; old versions' caches go on activate.
// - Every navigation is answered with the one shell (it holds no personal data and no per-route
//   content), from the cache first, so a cold start works with no network at all. It is the
//   copy at SHELL, never the first page's sign-in form: a signed-in phone must not flash a form.
// - /api/ is never touched here: personal data lives only in IndexedDB, never in Cache Storage.
// - A new version waits until the page asks it to take over (the "新しいバージョン" prompt).

const CACHE = `mimamori-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      // `reload` bypasses the HTTP cache so a new version never precaches stale files.
      cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })))
    )
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("mimamori-") && k !== CACHE).map((k) => caches.delete(k))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

// Background Sync: the browser fires this when connectivity returns after a save made offline.
// The sync code lives in the app (wasm), so the worker wakes every open window of the app, even
// one in a background tab, and that window pushes. With the app closed, records go at next open.
self.addEventListener("sync", (event) => {
  if (event.tag !== "mimamori-outbox") return;
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((windows) => {
      windows.forEach((w) => w.postMessage("sync"));
    })
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return; // network only, never cached

  if (request.mode === "navigate") {
    event.respondWith(
      caches.open(CACHE).then(async (cache) => {
        const shell = await cache.match(SHELL);
        if (shell) return shell;
        try {
          return await fetch(request);
        } catch (e) {
          return new Response("<!DOCTYPE html><meta charset=utf-8><title>みまもり</title><p>オフラインです。電波のある場所で一度開いてください。</p>", {
            status: 503,
            headers: { "Content-Type": "text/html; charset=utf-8" },
          });
        }
      })
    );
    return;
  }

  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const hit = await cache.match(request);
      return hit || fetch(request);
    })
  );
});

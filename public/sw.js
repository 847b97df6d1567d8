// mimamori service worker.
// The server prepends `const VERSION`, `const SHELL` (the path of the form-free shell),
// `const PRECACHE` (this build's hashed wasm/js/css, the shell, manifest, icons and the map
// library), `const TILE_ORIGIN` (the map's tile server) and `const TILE_CACHE_BYTES` (how much
// of it a phone keeps) when it serves /sw.js.
//
// - The app shell and assets are precached per version; old versions' caches go on activate.
// - Every navigation is answered with the one shell (it holds no personal data and no per-route
//   content), from the cache first, so a cold start works with no network at all. It is the
//   copy at SHELL, never the first page's sign-in form: a signed-in phone must not flash a form.
// - /api/ is never touched here: personal data lives only in IndexedDB, never in Cache Storage.
// - A new version waits until the page asks it to take over (the "新しいバージョン" prompt).
// - Map tiles (no personal data: a place and a zoom) are kept in their own cache, across
//   versions, up to TILE_CACHE_BYTES, the oldest evicted first, so the phone map opens offline
//   where its user has been or has saved 「この地域の地図」. Wiped with the device store.

const CACHE = `mimamori-shell-${VERSION}`;
const TILES = "mimamori-tiles";
// A tile kept longer than this is fetched again when the network answers (kept if it does not).
const TILE_FRESH_MS = 30 * 24 * 60 * 60 * 1000;

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
          keys.filter((k) => k.startsWith("mimamori-shell-") && k !== CACHE).map((k) => caches.delete(k))
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
  if (url.origin === TILE_ORIGIN && url.origin !== self.location.origin) {
    event.respondWith(tile(event));
    return;
  }
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

// ---- Map tiles ----------------------------------------------------------------------------

// The kept tiles, oldest first, as [url, bytes]; read from the cache when the worker wakes.
let tileIndex = null;
let tileBytes = 0;
// Writes one at a time, so the index and the cache agree.
let tileQueue = Promise.resolve();

async function loadTileIndex(cache) {
  if (tileIndex) return;
  const keys = await cache.keys();
  const index = [];
  let bytes = 0;
  for (const key of keys) {
    const kept = await cache.match(key);
    const size = Number(kept && kept.headers.get("x-mimamori-bytes")) || 0;
    index.push([key.url, size]);
    bytes += size;
  }
  tileIndex = index;
  tileBytes = bytes;
}

function keepTile(url, blob, type) {
  tileQueue = tileQueue
    .then(async () => {
      const cache = await caches.open(TILES);
      await loadTileIndex(cache);
      const response = new Response(blob, {
        headers: {
          "Content-Type": type || "image/png",
          "x-mimamori-bytes": String(blob.size),
          "x-mimamori-at": String(Date.now()),
        },
      });
      await cache.put(url, response);
      const old = tileIndex.findIndex(([u]) => u === url);
      if (old >= 0) tileBytes -= tileIndex.splice(old, 1)[0][1];
      tileIndex.push([url, blob.size]);
      tileBytes += blob.size;
      while (tileBytes > TILE_CACHE_BYTES && tileIndex.length > 1) {
        const [gone, size] = tileIndex.shift();
        await cache.delete(gone);
        tileBytes -= size;
      }
    })
    .catch(() => {
      // A full disk or a wiped cache: forget the index and read it again next time.
      tileIndex = null;
    });
  return tileQueue;
}

// Cache first (tiles change rarely; offline is the normal case), refreshed when a month old.
// Fetched with CORS so the size can be counted; a tile server that refuses CORS still draws
// the map online, it is only not kept. The tile goes to the map at once; keeping it (and, when
// the worker has just woken, reading the index of kept tiles) happens after.
async function tile(event) {
  const request = event.request;
  const cache = await caches.open(TILES);
  const kept = await cache.match(request.url);
  if (kept && Date.now() - Number(kept.headers.get("x-mimamori-at") || 0) < TILE_FRESH_MS) return kept;
  try {
    const response = await fetch(request.url, { mode: "cors", credentials: "omit", referrerPolicy: "no-referrer" });
    if (response.ok) {
      const type = response.headers.get("Content-Type");
      event.waitUntil(response.clone().blob().then((blob) => keepTile(request.url, blob, type)));
      return response;
    }
    return kept || response;
  } catch (e) {
    if (kept) return kept;
    try {
      return await fetch(request); // as the page asked (e.g. a server without CORS), not kept
    } catch (e2) {
      return Response.error();
    }
  }
}

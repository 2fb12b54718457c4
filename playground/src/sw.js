// The playground's service worker: after the first visit every file of the site comes
// from the cache, so the page works offline. The file list and the cache's name (a hash
// of the build) are written in by build.py; a new build gets a new cache and the old one
// is deleted.
"use strict";

const CACHE = "chainrule-playground-{{BUILD}}";
const FILES = {{FILES}};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("chainrule-playground-") && n !== CACHE)
                                        .map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

// cache first (the files of one build never change), the network for anything else
self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET") return;
  event.respondWith(
    caches.open(CACHE).then((cache) =>
      cache.match(event.request, { ignoreSearch: true }).then((hit) => hit || fetch(event.request)))
  );
});

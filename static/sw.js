"use strict";
// The service worker (offline.js registers it). It keeps one build of the site, the files that
// site-manifest.json lists, each checked against its SHA-256, so that the page opens without a
// network; and it serves them with the headers the local server sends (copied from
// teallama.server.SecurityHeaders into the manifest by the build), COOP and COEP among them, so
// that the page is cross-origin isolated, and may run several threads, on a host that sends no
// headers, such as GitHub Pages.
//
// Each build writes its version and its files' paths into this file, so a new build is a new
// worker, which answers those files and nothing else (and the manifest): it caches the
// new files whole while the old build goes on serving, takes over once no page uses the old one
// (or when a page asks it to: offline.js), and then deletes the old build's cache. Models are not
// here: the model store (store.js) keeps them; but a demo kit's list of models (models/index.json)
// is one of the build's files.
//
// page (offline.js) -> sw.js: "take-over" | "take-over if alone" (see takeOverIfAlone)
// sw.js -> page: "others use the old build", the answer to take-over if alone when it stays waiting

const BUILD = "unbuilt"; // set by the build (teallama.server.SiteManifest)
const FILES = []; // the paths of the build's files, set by the build, as site-manifest.json lists them
const MANIFEST = "site-manifest.json";
const scope = new URL(self.registration.scope);
// as a request's address has them (a space as %20, say)
const ANSWERED = new Set([...FILES, MANIFEST]
  .map((path) => new URL(path, scope).pathname.slice(scope.pathname.length)));
const SITE_CACHE = `teallama-site ${scope.pathname} `; // one origin may hold several sites, each under its own path

self.addEventListener("install", (event) => event.waitUntil(cacheBuild()));
self.addEventListener("activate", (event) => event.waitUntil(deleteOldBuilds().then(() => self.clients.claim())));
self.addEventListener("message", (event) => {
  if (event.data === "take-over") self.skipWaiting();
  if (event.data === "take-over if alone") event.waitUntil(takeOverIfAlone(event.source));
});
self.addEventListener("fetch", onFetch);

// ----------------------------------------------------------------------------
// one build, cached whole

async function sha256(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Fetches the manifest and every file it lists; any file that differs from the build fails the install. */
async function cacheBuild() {
  const listed = await fetch(MANIFEST, { cache: "no-cache" });
  if (!listed.ok) throw new Error(`${MANIFEST}: the server answered ${listed.status}`);
  const manifest = await listed.clone().json();
  if (manifest.version !== BUILD) {
    throw new Error(`${MANIFEST} is of build ${manifest.version}, this worker of build ${BUILD}`);
  }
  const files = await Promise.all(manifest.files.map(async (file) => {
    const response = await fetch(file.path, { cache: "no-cache" });
    if (!response.ok) throw new Error(`${file.path}: the server answered ${response.status}`);
    const bytes = await response.arrayBuffer();
    if ((await sha256(bytes)) !== file.sha256) {
      throw new Error(`${file.path} is not the file of build ${BUILD} (a newer build on its way?)`);
    }
    return { path: file.path, response: new Response(bytes, { headers: response.headers }) };
  }));
  const cache = await caches.open(SITE_CACHE + BUILD);
  await Promise.all(files.map(({ path, response }) => cache.put(path, response)));
  await cache.put(MANIFEST, listed);
}

async function deleteOldBuilds() {
  for (const name of await caches.keys()) {
    if (name.startsWith(SITE_CACHE) && name !== SITE_CACHE + BUILD) await caches.delete(name);
  }
}

/**
 * A page nobody has used asks for the new build: it takes over unless another page of the site is
 * open, which may be in use, and whose old build would have its files replaced under it (a shard
 * worker it starts would run the new build's code); the asker then offers to reload.
 */
async function takeOverIfAlone(asker) {
  const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  if (pages.every((page) => page.id === asker.id || !new URL(page.url).pathname.startsWith(scope.pathname))) {
    await self.skipWaiting();
  } else {
    asker.postMessage("others use the old build");
  }
}

let headers = null; // the promise of the build's headers: {script: {...}, other: {...}}

function buildHeaders() {
  if (headers === null) {
    headers = caches.open(SITE_CACHE + BUILD).then((cache) => cache.match(MANIFEST))
      .then((response) => (response ? response.json() : {})).then((manifest) => manifest.headers || {});
  }
  return headers;
}

// ----------------------------------------------------------------------------
// answers

/**
 * The build's files come from its cache, else from the network, with the headers. Only they (and
 * the manifest) are answered here: models, kept by the model store, pass by untouched, so a
 * download streams as it arrives; and so does anything else, such as the favicon.ico that Firefox
 * asks for by itself: answered here (from the network), now and then, as a page came back from
 * Firefox's back/forward cache, Firefox reported to it "Failed to load ''. A ServiceWorker
 * intercepted the request and encountered an unexpected error", with nothing gone wrong here.
 */
function onFetch(event) {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  const path = url.pathname.slice(scope.pathname.length) || "index.html";
  if (ANSWERED.has(path)) event.respondWith(fromBuild(request, path));
}

async function fromBuild(request, path) {
  const cache = await caches.open(SITE_CACHE + BUILD);
  const cached = await cache.match(path);
  const headers = await buildHeaders();
  if (cached) {
    // the site's files are small: a whole body, since Firefox now and then stalls a cached body streamed on
    return withHeaders(cached, headers, cached.body === null ? null : await cached.blob());
  }
  let response;
  try {
    response = await fetch(request);
  } catch (e) {
    // the page that asked went away (reloaded, as when a new build takes over): nobody reads an
    // answer, and Firefox reports a rejection to that page as an uncaught error
    if (request.signal.aborted) return new Response(null, { status: 204 });
    throw e;
  }
  return withHeaders(response, headers, response.body);
}

/** The response with the server's security headers: the worker policy for scripts, the page policy for the rest. */
function withHeaders(response, headers, body) {
  if (response.type === "opaque" || response.type === "opaqueredirect") return response;
  const merged = new Headers(response.headers);
  const script = /javascript/.test(merged.get("Content-Type") || "");
  for (const [name, value] of Object.entries((script ? headers.script : headers.other) || {})) {
    merged.set(name, value);
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers: merged });
}

/**
 * The scanner's service worker, served from the site root (/scan-sw.js) with scope /scan, so a phone
 * that lost the network reloads the scanner from its cache. The bundle and the scans live in
 * IndexedDB, not here; this worker only keeps the page, its script, styles, manifest, icons and the
 * fallback QR decoder.
 *
 * Network first with a short deadline: online, staff get the newest page; offline or on a venue
 * network that hangs, the cached copy after at most NETWORK_DEADLINE_MS. The API is never touched: at
 * install the worker tells the browser (the static routing API, Chromium 123+) to send `/api/` requests
 * straight to the network, so a scan's POST neither waits for this worker to start nor passes through
 * it; where the API is missing, the fetch handler below lets them through untouched.
 * Each build stamps SCAN_BUILD, so a new build installs a new cache and drops the old one.
 */
declare const SCAN_BUILD: string;

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
/** The static routing API's rule (https://w3c.github.io/ServiceWorker/#dictdef-routerrule), as used here. */
interface RouterRule {
  condition: { urlPattern: unknown };
  source: "network";
}
interface InstallEvent extends ExtendableEvent {
  addRoutes?(rules: RouterRule[]): Promise<void>;
}
declare const URLPattern: (new (init: { pathname: string }) => unknown) | undefined;
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScope {
  addEventListener(type: "install", listener: (event: InstallEvent) => void): void;
  addEventListener(type: "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
}

const scope = globalThis as unknown as ServiceWorkerScope;
const CACHE = `admit-one-scan-${SCAN_BUILD}`;
const NETWORK_DEADLINE_MS = 3_000;
const PAGE = "/scan";
const PRECACHE = [
  PAGE,
  "/assets/scan.js",
  "/assets/scan.css",
  "/assets/scan-qr-decoder.js",
  "/scan.webmanifest",
  "/scan-icon.svg",
  "/scan-icon-192.png",
  "/scan-icon-512.png",
];
const CACHED_PATHS = new Set(PRECACHE);

scope.addEventListener("install", (event) => {
  if (event.addRoutes && typeof URLPattern === "function") {
    event.waitUntil(event.addRoutes([{ condition: { urlPattern: new URLPattern({ pathname: "/api/*" }) }, source: "network" }]).catch(() => undefined));
  }
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => scope.skipWaiting()),
  );
});

scope.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("admit-one-scan-") && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => scope.clients.claim()),
  );
});

scope.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== scope.location.origin) return;
  const isPage = request.mode === "navigate" && (url.pathname === PAGE || url.pathname === `${PAGE}/`);
  if (!isPage && !CACHED_PATHS.has(url.pathname)) return;
  event.respondWith(networkFirst(isPage ? PAGE : url.pathname, request));
});

async function networkFirst(key: string, request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), NETWORK_DEADLINE_MS);
  try {
    const response = await fetch(request.mode === "navigate" ? key : request, { signal: abort.signal });
    if (response.ok) {
      await cache.put(key, response.clone());
      return response;
    }
    return (await cache.match(key)) ?? response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

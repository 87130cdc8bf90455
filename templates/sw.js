{% load static %}{% comment %}
The service worker: rendered by patients/views/phone_app.py so every file below has its
hashed static name, and a new release (new names) installs a new worker.
{% endcomment %}importScripts("{% static 'js/sw-push.js' %}");

/*
 * What the phone keeps, and why:
 * - STATIC: the offline page, the stylesheet, the scripts and icons, kept at install so
 *   a page opened with no connection still looks and works right.
 * - PAGES: the patient's own pages (PATIENT_PAGES only), the last copy the network gave.
 *   With no connection the copy is shown; app.js marks it as offline.
 * Everything else (staff pages, the admin, every POST) goes to the network untouched and
 * is never kept. Signing out (a POST to LOGOUT_URL) throws PAGES away, and so does the
 * sign-in page: whoever sees it is not signed in (a session that lapsed, the next person
 * to pick up the phone), and must not find the last patient's pages here.
 */
// Per release and language: the offline page is kept in the patient's language.
const STATIC = "stepwise-static-{{ version }}-{{ LANGUAGE_CODE }}";
const PAGES = "stepwise-pages";
const OFFLINE_URL = "{{ offline_url }}";
const LOGIN_URL = "{{ login_url }}";
const LOGOUT_URL = "{{ logout_url }}";
const PATIENT_PAGES = ["/week/", "/walks/new/", "/check-ins/new/", "/history/", "/reminders/"];
const PRECACHE = [
  OFFLINE_URL,{% for url in precache %}
  "{{ url }}",{% endfor %}
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(STATIC)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  // An older release's files are of no use any more.
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("stepwise-static-") && name !== STATIC)
            .map((name) => caches.delete(name))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === LOGOUT_URL) {
    // A shared phone must not show the last patient's week: drop the copies, then let
    // the sign-out itself go to the server as usual.
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate" && url.pathname === LOGIN_URL) {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.mode === "navigate" && PATIENT_PAGES.includes(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (request.mode === "navigate") {
    // Any other page comes from the network only; with none, the calm offline page
    // instead of the browser's own error.
    event.respondWith(
      fetch(request).catch(() =>
        caches.match(OFFLINE_URL).then((kept) => kept || Response.error())
      )
    );
  } else if (request.mode !== "navigate" && PRECACHE.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((kept) => kept || fetch(request)));
  }
});

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    // Only the page itself: not the sign-in page a lapsed session is sent to, not an error.
    if (response.ok && !response.redirected && response.type === "basic") {
      const cache = await caches.open(PAGES);
      await cache.put(request.url, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await caches.match(request.url, { cacheName: PAGES });
    return kept || (await caches.match(OFFLINE_URL)) || Response.error();
  }
}

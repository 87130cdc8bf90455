/*
 * The phone app, part one: the service worker, the offline banner, and signing out.
 * Loaded only on the patient's own pages and the offline page (templates/base.html).
 * Without JavaScript, or without service workers, every page works as before.
 */
(function () {
  "use strict";

  const PAGES = "stepwise-pages"; // the worker's copies of the patient's pages (sw.js)

  // The phrase with the given key, in the page's language (includes/offline_words.html).
  function word(key, time) {
    const words = document.getElementById("offline-words");
    const phrase = words && words.content.querySelector('[data-key="' + key + '"]');
    return phrase ? phrase.textContent.replace("{time}", time || "") : "";
  }

  function register() {
    if (!("serviceWorker" in navigator)) return;
    // The worker keeps the offline page in the page's language: a new language (the switch,
    // another patient on this phone) is a new script address, so a new worker and copy.
    const language = encodeURIComponent(document.documentElement.lang || "");
    navigator.serviceWorker.register("/sw.js?lang=" + language, { scope: "/" }).catch(function () {
      // No worker (a private window, say): the pages still work online.
    });
  }

  // A page shown while the phone says it is offline is the worker's copy from when it was
  // last loaded: say so, with that time (written into the page by the server).
  function showOfflineBanner() {
    const banner = document.getElementById("offline-banner");
    const sent = document.body.dataset.pageTime; // when the server sent it (ISO 8601)
    if (!banner || !sent) return;
    // In the phone's own time, as the times of reports saved on it are.
    const time = new Date(sent).toTimeString().slice(0, 5);
    banner.textContent = word("banner", time);
    banner.hidden = navigator.onLine;
  }

  // Signing out throws away the copies of this patient's pages, so the next person to
  // pick up the phone cannot see them. The worker does the same when it sees the
  // sign-out; this covers a phone whose worker is not running yet.
  function clearOnSignOut() {
    const form = document.querySelector("form[data-signout]");
    if (!form || !("caches" in window)) return;
    form.addEventListener("submit", function (event) {
      if (form.dataset.cleared) return;
      event.preventDefault();
      caches.delete(PAGES).finally(function () {
        form.dataset.cleared = "yes";
        form.submit();
      });
    });
  }

  // A different patient signed in on this phone, and the last one never signed out (their
  // session lapsed): the copies of the last one's pages go, before any can be shown.
  // Only on a page the server has just sent: a kept copy names its own patient.
  function forgetAnotherPatientsPages() {
    const owner = document.body.dataset.owner;
    if (!owner || !navigator.onLine || !("caches" in window)) return;
    let last = null;
    try {
      last = localStorage.getItem("stepwise-owner");
      localStorage.setItem("stepwise-owner", owner);
    } catch (error) {
      return; // storage refused (a private window): the worker's copies go at sign-out
    }
    if (last && last !== owner) caches.delete(PAGES);
  }

  // On the offline page: what the phone's copy of the week page showed, as plain text.
  function showLastWeek() {
    const section = document.getElementById("last-week");
    if (!section || !("caches" in window)) return;
    caches
      .open(PAGES)
      .then(function (cache) {
        return cache.match(new URL("/week/", location.href).href);
      })
      .then(function (kept) {
        return kept ? kept.text() : "";
      })
      .then(function (html) {
        if (!html) return;
        const copy = new DOMParser().parseFromString(html, "text/html");
        const progress =
          copy.querySelector(".progress") || copy.querySelector("main .card:not([hidden])");
        if (!progress) return;
        const target = document.getElementById("last-week-copy");
        progress.querySelectorAll("h2, p").forEach(function (line) {
          if (line.id === "progress-title") return;
          const paragraph = document.createElement("p");
          paragraph.textContent = line.textContent.replace(/\s+/g, " ").trim();
          target.appendChild(paragraph);
        });
        section.hidden = false;
      })
      .catch(function () {});
  }

  register();
  forgetAnotherPatientsPages();
  showOfflineBanner();
  window.addEventListener("online", showOfflineBanner);
  window.addEventListener("offline", showOfflineBanner);
  clearOnSignOut();
  showLastWeek();
})();

/*
 * The phone app, part two: reports written with no connection.
 *
 * A form marked data-offline (a walk, a symptom check-in, the next-morning answer) that
 * cannot reach the server is kept in IndexedDB on this phone, and sent when the phone is
 * back online: on the "online" event and on every page load. Each form carries its own
 * submission key, so the server stores it exactly once however often it is sent; the
 * lock below only saves needless repeats (two tabs, the online event and a page load).
 *
 * An entry belongs to the patient who saved it (data-owner on <body>): it is only sent,
 * or listed, while that patient is signed in, with their page's current CSRF token.
 * Nothing saved is ever dropped silently: what the server could not take stays, marked.
 */
(function () {
  "use strict";

  const DB_NAME = "stepwise-offline";
  const STORE = "entries";
  const owner = document.body.dataset.owner;
  const loginUrl = document.body.dataset.loginUrl || "/accounts/login/";
  if (!owner || !("indexedDB" in window)) return;

  // --- The phone's store: one entry per form, keyed by its submission key. ---

  function openStore() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function inStore(mode, work) {
    return openStore().then(function (db) {
      return new Promise(function (resolve, reject) {
        const transaction = db.transaction(STORE, mode);
        const result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(result && result.result); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  // How many reports wait on this phone for this patient (kept by listWaiting), for the
  // warning at sign-out, which must be decided at once.
  let waiting = 0;

  const store = {
    put: function (entry) { return inStore("readwrite", function (s) { s.put(entry); }); },
    remove: function (id) { return inStore("readwrite", function (s) { s.delete(id); }); },
    get: function (id) { return inStore("readonly", function (s) { return s.get(id); }); },
    mine: function () {
      return inStore("readonly", function (s) { return s.getAll(); }).then(function (all) {
        return all.filter(function (entry) { return entry.owner === owner; });
      });
    },
  };

  // --- Words and the status area. ---

  function word(key, time) {
    const words = document.getElementById("offline-words");
    const phrase = words && words.content.querySelector('[data-key="' + key + '"]');
    return phrase ? phrase.textContent.replace("{time}", time || "") : "";
  }

  function say(key, link) {
    const status = document.getElementById("offline-status");
    if (!status) return;
    status.textContent = word(key);
    if (link) {
      status.append(" ");
      status.appendChild(link);
    }
  }

  function checkLink(entry) {
    const link = document.createElement("a");
    link.href = entry.page + "#restore-" + entry.id;
    link.textContent = word("check-link");
    return link;
  }

  // The week page lists what is waiting on this phone.
  function listWaiting() {
    return store.mine().then(function (entries) {
      waiting = entries.length;
      const section = document.getElementById("offline-waiting");
      if (!section) return;
      const list = section.querySelector("ul");
      list.replaceChildren();
      entries.forEach(function (entry) {
        const item = document.createElement("li");
        const needsCheck = entry.status === "check";
        const state = entry.partly ? "partly-" : needsCheck ? "check-" : "waiting-";
        item.textContent = word(state + entry.kind, entry.time);
        if (needsCheck) {
          item.append(" ");
          item.appendChild(checkLink(entry));
          item.append(" ");
          item.appendChild(removeButton(entry));
        }
        list.appendChild(item);
      });
      section.hidden = entries.length === 0;
    });
  }

  // An entry to check that the patient has dealt with another way (logged the walk again,
  // say) can go: only theirs to delete, and only from this phone.
  function removeButton(entry) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.textContent = word("remove");
    button.addEventListener("click", function () {
      store.remove(entry.id).then(listWaiting);
    });
    return button;
  }

  // --- Sending what is saved. ---

  function currentToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function isSignIn(url) {
    return new URL(url, location.href).pathname === loginUrl;
  }

  // The only addresses a saved entry is ever sent to: the three report forms. An entry
  // naming anything else is not one this script saved, and is never sent.
  const REPORT_FORMS = [
    /^\/walks\/new\/$/,
    /^\/check-ins\/new\/$/,
    /^\/walks\/[0-9a-f-]{36}\/morning\/$/,
  ];

  function isReportForm(action) {
    const url = new URL(action, location.href);
    return (
      url.origin === location.origin &&
      url.search === "" &&
      REPORT_FORMS.some(function (form) { return form.test(url.pathname); })
    );
  }

  // One entry: "sent", "check" (the server found a mistake), "sign-in", or "later".
  function send(entry) {
    if (!isReportForm(entry.action)) return Promise.resolve("foreign");
    const body = new URLSearchParams(entry.body);
    // This page's token: the session may have changed since it was saved (signed in
    // again; the same patient, as only their entries are sent).
    if (!currentToken()) return Promise.resolve("later");
    body.set("csrfmiddlewaretoken", currentToken());
    return fetch(entry.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    }).then(
      function (response) {
        if (response.status === 403 || isSignIn(response.url)) return "sign-in";
        if (response.ok && response.redirected) return "sent";
        if (response.ok && response.headers.get("X-Report-Partly-Saved")) return "partly";
        if (response.ok) return "check";
        return "later"; // the server is having trouble: try again next time
      },
      function () { return "later"; } // still no connection
    );
  }

  function sendEach(entries) {
    let chain = Promise.resolve();
    entries.forEach(function (entry) {
      chain = chain.then(function () {
        return send(entry).then(function (outcome) {
          if (outcome === "foreign") return store.remove(entry.id);
          if (outcome === "sent") {
            say("sent");
            return store.remove(entry.id);
          }
          if (outcome === "later") return;
          // What was worrying in it is with the clinic; the rest is still the patient's to
          // answer, and sending it again (same key) adds to the same report.
          entry.partly = entry.partly || outcome === "partly";
          entry.status = outcome === "sign-in" ? "sign-in" : "check";
          if (outcome === "partly") say("partly-saved", checkLink(entry));
          else if (outcome === "check") say("needs-checking", checkLink(entry));
          else say("sign-in");
          return store.put(entry);
        });
      });
    });
    return chain;
  }

  // Sends every entry waiting for this patient, one tab at a time.
  function replayAll() {
    if (!navigator.onLine) return listWaiting(); // what waits matters most with no signal
    const run = function () {
      return store.mine().then(function (entries) {
        return sendEach(entries.filter(function (entry) { return entry.status !== "check"; }));
      });
    };
    const guarded = navigator.locks
      ? navigator.locks.request("stepwise-replay", { ifAvailable: true }, function (lock) {
          return lock ? run() : null; // another tab or call is sending already
        })
      : run();
    return guarded.then(listWaiting, listWaiting);
  }

  // --- Saving a form that cannot be sent now. ---

  // A new submission key. A page kept on the phone carries the key the server gave it
  // when it was last online: two reports written from that one copy are two reports, and
  // must not share it (the second would replace the first, here and on the server).
  function freshKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant
    const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); });
    return [0, 4, 6, 8, 10].map(function (start, n) {
      return hex.slice(start, [4, 6, 8, 10, 16][n]).join("");
    }).join("-");
  }

  function save(form, submitter) {
    const fields = new URLSearchParams(new FormData(form, submitter));
    // Not kept: the token of this session is useless later, and sending takes the page's.
    fields.delete("csrfmiddlewaretoken");
    // A report reopened to check keeps its key (sent again, it completes the same report).
    const key = form.dataset.restoredFrom || freshKey();
    fields.set("submission", key);
    const now = new Date();
    const entry = {
      id: key,
      owner: owner,
      kind: form.dataset.offline,
      action: form.action,
      page: location.pathname,
      body: fields.toString(),
      savedAt: now.toISOString(),
      time: now.toTimeString().slice(0, 5),
      status: "waiting",
    };
    return store.put(entry).then(function () {
      // Saved: this form is done (a second tap must not save it twice). Opening the page
      // again gives a fresh form for another report.
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
        b.disabled = true;
      });
      say("saved");
      return listWaiting();
    });
  }

  // Whether the server can be reached at all: a small request nothing keeps.
  function reachable() {
    const controller = new AbortController();
    const timer = setTimeout(function () { controller.abort(); }, 8000);
    return fetch("/manifest.webmanifest", { cache: "no-store", signal: controller.signal })
      .then(function (response) { return response.ok; }, function () { return false; })
      .finally(function () { clearTimeout(timer); });
  }

  // A yes to a question that is always urgent: the clinic's urgent advice, from the page
  // itself, at once. Only the symptom check-in asks these; the walk form has no serious
  // questions, so offline it only says "saved on this phone".
  function showUrgentAdvice(form) {
    const urgent = (form.dataset.urgentQuestions || "").split(" ");
    const answers = new FormData(form);
    const yes = urgent.some(function (name) { return name && answers.get(name) === "yes"; });
    const advice = document.getElementById("offline-urgent-advice");
    if (!yes || !advice) return;
    const shown = document.getElementById("advice");
    if (shown) shown.remove();
    const main = document.getElementById("main");
    main.insertBefore(advice.content.cloneNode(true), main.firstChild);
    document.getElementById("advice").focus();
  }

  function onSubmit(event) {
    const form = event.target;
    if (form.dataset.online === "yes") return; // checked: let the browser send it
    event.preventDefault();
    if (form.dataset.busy) return; // a second tap while the first is being dealt with
    form.dataset.busy = "yes";
    const submitter = event.submitter || null;
    const offline = !navigator.onLine;
    if (offline) showUrgentAdvice(form); // first, before anything else
    (offline ? Promise.resolve(false) : reachable()).then(function (online) {
      if (!online) {
        if (!offline) showUrgentAdvice(form); // the connection only looked alive
        return save(form, submitter).finally(function () { delete form.dataset.busy; });
      }
      // Online: the form goes as it always did, and the server's page follows. A form
      // reopened from the phone's store is now the server's to keep or correct.
      const restored = form.dataset.restoredFrom;
      (restored ? store.remove(restored) : Promise.resolve()).finally(function () {
        form.dataset.online = "yes";
        form.requestSubmit(submitter);
      });
    });
  }

  // A saved entry the server found a mistake in: its answers back in the form, to check.
  function restore() {
    const match = location.hash.match(/^#restore-(.+)$/);
    if (!match) return Promise.resolve();
    return store.get(decodeURIComponent(match[1])).then(function (entry) {
      const form = document.querySelector("form[data-offline]");
      if (!entry || !form || entry.owner !== owner) return;
      form.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (box) {
        box.checked = false;
      });
      new URLSearchParams(entry.body).forEach(function (value, name) {
        if (name === "csrfmiddlewaretoken") return;
        form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (field) {
          if (field.type === "radio" || field.type === "checkbox") {
            if (field.value === value) field.checked = true;
          } else if (field.type !== "submit") {
            field.value = value;
          }
        });
      });
      form.dataset.restoredFrom = entry.id;
    });
  }

  // Signing out with reports not sent: say so once (they stay, and are sent when this
  // patient signs in here again). Before app.js's own sign-out step: the capture phase.
  let warned = false;
  document.addEventListener(
    "submit",
    function (event) {
      if (!event.target.matches("form[data-signout]") || waiting === 0 || warned) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      warned = true;
      say("unsent-at-sign-out");
      document.getElementById("offline-status").scrollIntoView({ block: "center" });
    },
    true
  );

  document.querySelectorAll("form[data-offline]").forEach(function (form) {
    form.addEventListener("submit", onSubmit);
  });
  window.addEventListener("online", replayAll);
  // For the tests and for anyone reading the console: the same functions the page uses.
  window.stepwiseOffline = { replayAll: replayAll, send: send, store: store };
  restore().then(replayAll, replayAll);
})();

// Notifications on this phone (templates/patients/includes/push_toggle.html).
// The fieldset stays hidden unless this browser can show notifications from a service
// worker; the service worker itself is registered by the app's own script (/sw.js).
(function () {
  "use strict";

  var fieldset = document.querySelector("fieldset[data-push-key]");
  if (!fieldset) return;
  if (!("serviceWorker" in navigator && "PushManager" in window && window.Notification)) return;

  var status = fieldset.querySelector("[data-push-status]");
  var onButton = fieldset.querySelector('[data-push-action="on"]');
  var offButton = fieldset.querySelector('[data-push-action="off"]');

  // One button at a time: the one that changes how things stand now.
  function showOn(on) {
    onButton.hidden = on;
    offButton.hidden = !on;
  }

  function say(name) {
    status.textContent = fieldset.dataset[name];
  }

  // The browser wants the key as bytes; the page has it as base64url text.
  function keyBytes(text) {
    var base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64), function (c) { return c.charCodeAt(0); });
  }

  // The form's own CSRF token: the cookie may be out of a script's reach.
  function csrfToken() {
    var input = (fieldset.form || document).querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function send(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error("The server answered " + response.status);
    });
  }

  function turnOn() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") return say("textBlocked");
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(fieldset.dataset.pushKey)
        });
      }).then(function (subscription) {
        return send(fieldset.dataset.subscribeUrl, subscription.toJSON());
      }).then(function () {
        say("textOn");
        showOn(true);
      });
    });
  }

  function turnOff() {
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return;
      return send(fieldset.dataset.unsubscribeUrl, { endpoint: subscription.endpoint })
        .then(function () { return subscription.unsubscribe(); });
    }).then(function () {
      say("textOff");
      showOn(false);
    });
  }

  fieldset.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-push-action]");
    if (!button) return;
    var action = button.dataset.pushAction === "on" ? turnOn : turnOff;
    button.disabled = true;
    var failed = button.dataset.pushAction === "on" ? "textFailed" : "textOffFailed";
    action().catch(function () { say(failed); }).then(function () { button.disabled = false; });
  });

  // Say how things stand before anything is pressed. getRegistration, not ready: ready
  // waits for ever where no service worker has been registered yet.
  function showState() {
    if (Notification.permission === "denied") return say("textBlocked");
    navigator.serviceWorker.getRegistration().then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      say(subscription ? "textOn" : "textOff");
      showOn(Boolean(subscription));
    }).catch(function () { /* nothing to say yet */ });
  }

  showOn(false);
  showState();
  fieldset.hidden = false;
})();

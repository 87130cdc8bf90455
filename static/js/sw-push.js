// The service worker's side of web push, loaded by /sw.js with importScripts.
// The server sends {title, body, url, tag} (patients/reminders/push.py: push_message).

self.addEventListener("push", function (event) {
  var message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = {};
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "Stepwise", {
      body: message.body || "",
      icon: "/static/icons/icon-192.png",
      // One notification per kind of reminder: a repeat replaces the last one.
      tag: message.tag || "stepwise",
      data: { url: message.url || "/" }
    })
  );
});

// Only a page of this site: a message can never send the patient elsewhere.
function sameOriginUrl(url) {
  var target = new URL(url || "/", self.location.origin);
  return target.origin === self.location.origin ? target.href : self.location.origin + "/";
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = sameOriginUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (new URL(windows[i].url).origin === self.location.origin && "focus" in windows[i]) {
          return windows[i].focus().then(function (client) {
            return client && "navigate" in client ? client.navigate(url) : client;
          });
        }
      }
      return self.clients.openWindow(url);
    })
  );
});

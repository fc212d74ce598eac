// Houqin service worker: makes the web chat installable and shows Web Push notifications.
// Served from /sw.js (scope "/"). It caches nothing: the chat is live or it is not.
"use strict";

const DEFAULT_TITLE = "后勤 Houqin";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  if (event.data) {
    try { data = event.data.json() || {}; } catch { data = { body: event.data.text() }; }
  }
  const title = typeof data.title === "string" && data.title ? data.title : DEFAULT_TITLE;
  const options = {
    body: typeof data.body === "string" ? data.body : "",
    tag: typeof data.tag === "string" && data.tag ? data.tag : "houqin",
    renotify: true,
    requireInteraction: data.requireInteraction === true,
    icon: "/pwa/icon-192.png",
    badge: "/pwa/icon-192.png",
    data: { url: typeof data.url === "string" ? data.url : "/" },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

// A click focuses an open chat window, or opens the chat; only ever a page of this origin.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const wanted = (event.notification.data && event.notification.data.url) || "/";
  const target = new URL(wanted, self.location.origin);
  const url = target.origin === self.location.origin ? target.href : self.location.origin + "/";
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (new URL(client.url).origin === self.location.origin && "focus" in client) {
        await client.focus();
        return;
      }
    }
    await self.clients.openWindow(url);
  })());
});

// The browser renewed the subscription (keys or endpoint rotated): tell the server, as the
// signed-in person's browser (the session cookie goes along; the old one dies with a 410).
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil((async () => {
    const old = event.oldSubscription;
    const sub = event.newSubscription
      || (old && await self.registration.pushManager.subscribe(old.options));
    if (!sub) return;
    await fetch("/api/web/push/subscribe", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(sub.toJSON()),
      credentials: "same-origin",
    });
  })());
});

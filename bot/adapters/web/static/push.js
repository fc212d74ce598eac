// Houqin web chat: registers the service worker and offers "turn on notifications" (Web Push).
// Kept apart from app.js; it follows the page's language and view. Who subscribes is the
// signed-in session (the cookie), never anything this script says.
"use strict";

(() => {
  const button = document.getElementById("push-toggle");
  const state = { strings: {}, locale: null, registration: null, publicKey: null, busy: false, synced: false };

  const t = (key) => (Object.prototype.hasOwnProperty.call(state.strings, key) ? state.strings[key] : key);
  const supported = () => "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  // app.js sets the page's lang once its strings are in; the observer below follows changes
  const pageLocale = () => (document.documentElement.lang === "en" ? "en" : "zh_CN");

  async function loadStrings() {
    const locale = pageLocale();
    if (locale === state.locale) return;
    try {
      const res = await fetch(`/api/web/strings?locale=${encodeURIComponent(locale)}`, { cache: "no-store" });
      if (res.ok) {
        state.strings = (await res.json()).strings || {};
        state.locale = locale;
      }
    } catch { /* the button keeps its last words */ }
  }

  function toast(text) {
    const node = document.getElementById("toast");
    if (!node) return;
    node.textContent = text;
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { node.hidden = true; }, 4000);
  }

  const apiUrl = (path) => `${path}?${new URLSearchParams({ locale: state.locale || "" })}`;

  function keyBytes(b64url) {
    const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (b64url.length % 4)) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  const SUBSCRIBE_TIMEOUT_MS = 15000; // a push service that never answers must not hang the button

  function withTimeout(promise, ms) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(t("push_failed"))), ms);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }

  async function subscription() {
    return state.registration ? state.registration.pushManager.getSubscription() : null;
  }

  async function render() {
    if (!button) return;
    await loadStrings();
    const view = document.getElementById("app")?.dataset.view;
    if (view === "picker") {
      state.synced = false;
      forget();
    }
    const inChat = view === "chat";
    button.hidden = !supported() || !state.registration || !state.publicKey || !inChat;
    if (button.hidden) return;
    let mode = "enable";
    if (Notification.permission === "denied") mode = "denied";
    else if (Notification.permission === "granted") {
      const sub = await subscription();
      if (sub) {
        mode = "on";
        // once per page: the server learns this browser is the signed-in person's (again)
        if (!state.synced) {
          state.synced = true;
          post("/api/web/push/subscribe", sub.toJSON()).catch(() => { state.synced = false; });
        }
      }
    }
    button.dataset.state = mode;
    button.disabled = mode === "denied" || state.busy;
    button.textContent = t(`push_${mode}`);
    button.title = t(`push_${mode}_title`);
  }

  async function post(path, body) {
    const res = await fetch(apiUrl(path), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!res.ok) {
      let message = t("push_failed");
      try { message = (await res.json()).message || message; } catch { /* keep the generic one */ }
      throw new Error(message);
    }
  }

  async function turnOn() {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") return;
    const publicKey = state.publicKey;
    let sub = await subscription();
    if (!sub) {
      sub = await withTimeout(state.registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(publicKey),
      }), SUBSCRIBE_TIMEOUT_MS);
    }
    await post("/api/web/push/subscribe", sub.toJSON());
    toast(t("push_turned_on"));
  }

  // Signed out (the sign-in page shows): this browser stops receiving the last person's
  // notifications; the push service then answers 410 and the server forgets the subscription.
  async function forget() {
    try {
      const sub = await subscription();
      if (sub) await sub.unsubscribe();
    } catch { /* nothing to forget */ }
  }

  async function turnOff() {
    const sub = await subscription();
    if (!sub) return;
    await post("/api/web/push/unsubscribe", { endpoint: sub.endpoint });
    await sub.unsubscribe();
    toast(t("push_turned_off"));
  }

  async function toggle() {
    if (state.busy) return;
    state.busy = true;
    try {
      if (button.dataset.state === "on") await turnOff();
      else await turnOn();
    } catch (err) {
      toast(err && err.message && !(err instanceof DOMException) ? err.message : t("push_failed"));
    } finally {
      state.busy = false;
      render();
    }
  }

  async function main() {
    if (!("serviceWorker" in navigator)) return;
    try {
      state.registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    } catch {
      return; // not a secure context, or blocked: the chat works without it
    }
    try {
      const res = await fetch("/api/web/push/key", { cache: "no-store" });
      if (res.ok) state.publicKey = (await res.json()).public_key || null;
    } catch { /* no button without the key */ }
    if (button) button.addEventListener("click", toggle);
    const app = document.getElementById("app");
    const watch = new MutationObserver(() => render());
    if (app) watch.observe(app, { attributes: true, attributeFilter: ["data-view"] });
    watch.observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
    render();
  }

  main();
})();

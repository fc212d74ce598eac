// Extra sign-in methods on the sign-in page: a code sent to one's chat, WeCom, Telegram.
// Texts come from app.js (data-i18n); this file only shows what the server offers.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);

  function status(text) {
    const box = $("chat-code-status");
    box.textContent = text || "";
    box.hidden = !text;
  }

  async function post(path, payload) {
    const res = await fetch(path, {
      method: "POST", cache: "no-store", credentials: "same-origin",
      headers: {
        "Content-Type": "application/json", Accept: "application/json",
        // the page's language (app.js keeps <html lang> in step with the toggle)
        "Accept-Language": document.documentElement.lang === "zh-CN" ? "zh-CN" : "en",
      },
      body: JSON.stringify(payload),
    });
    let data = {};
    try { data = await res.json(); } catch { /* not JSON */ }
    return { ok: res.ok, data };
  }

  function showTelegram(info) {
    const box = $("telegram-widget");
    const script = document.createElement("script");
    script.async = true;
    script.src = info.script;
    script.setAttribute("data-telegram-login", info.bot);
    script.setAttribute("data-size", "large");
    script.setAttribute("data-auth-url", new URL(info.auth_url, location.href).href);
    script.setAttribute("data-request-access", "write");
    box.appendChild(script);
    box.hidden = false;
  }

  async function main() {
    let methods = {};
    try {
      const res = await fetch("/api/web/auth/methods", { cache: "no-store", credentials: "same-origin" });
      if (res.ok) methods = await res.json();
    } catch { return; }
    if (methods.chat_code) {
      const form = $("chat-code-form");
      form.hidden = false;
      $("chat-code-request").addEventListener("click", async () => {
        const result = await post("/api/web/auth/chat-code/request", { login: $("chat-login").value });
        status(result.data.message || "");
        if (result.ok) $("chat-code").focus();
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const result = await post("/api/web/auth/chat-code", { login: $("chat-login").value, code: $("chat-code").value });
        if (result.ok) {
          location.assign(result.data.redirect || "/");
        } else {
          status(result.data.message || "");
        }
      });
    }
    // only inside the WeCom app: its authorize page does not open in other browsers
    if (methods.wecom && /wxwork/i.test(navigator.userAgent)) $("wecom-sign-in").hidden = false;
    if (methods.telegram) showTelegram(methods.telegram);
  }

  document.addEventListener("DOMContentLoaded", main);
})();

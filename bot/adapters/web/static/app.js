// Houqin local web chat. No framework, no build step; every text is set with
// textContent (never innerHTML) so bot and user text can never inject markup.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const KEYS = { locale: "houqin.webchat.locale" };
  const POLL_WAIT = 20;
  const TYPING_MS = 10000;

  const state = {
    locale: null,
    serverLocale: null, // the signed-in person's locale as the server last reported it
    stuck: true, // the view follows the newest message (false once the user scrolled up)
    lastTop: 0, // the message list's scrollTop when last seen
    strings: {},
    limits: { max_upload_bytes: 50 * 1024 * 1024, max_text_chars: 20000 },
    people: null,
    person: null,
    cursor: 0,
    epoch: null,
    pollGen: 0,
    pollAbort: null,
    rendered: new Map(), // server message id -> element
    pending: new Map(), // client_id -> local user bubble not yet confirmed
    typingTimer: null,
    toastTimer: null,
    pendingStart: null, // the ?start= parameter of a scanned QR label, sent once
    welcome: false, // arrived from a one-time link or code: offer to set a password
  };

  // ---- small utilities -------------------------------------------------------------

  const store = {
    get(key) { try { return localStorage.getItem(key); } catch { return null; } },
    set(key, value) { try { localStorage.setItem(key, value); } catch { /* private mode */ } },
    remove(key) { try { localStorage.removeItem(key); } catch { /* private mode */ } },
  };

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function randomId(prefix) {
    if (window.crypto && crypto.randomUUID) return prefix + crypto.randomUUID().replace(/-/g, "");
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function t(key, fields) {
    let text = Object.prototype.hasOwnProperty.call(state.strings, key) ? state.strings[key] : key;
    if (fields) text = text.replace(/\{(\w+)\}/g, (m, name) => (name in fields ? String(fields[name]) : m));
    return text;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function hue(seed) {
    let h = 0;
    for (const ch of seed) h = (h * 31 + ch.codePointAt(0)) % 360;
    return h;
  }

  function paintAvatar(node, person) {
    const name = (person.name || "?").trim();
    node.textContent = Array.from(name)[0] || "?";
    node.style.backgroundColor = `hsl(${hue(String(person.person_id))} 55% 46%)`;
  }

  function timeLabel(iso) {
    const date = iso ? new Date(iso) : new Date();
    if (Number.isNaN(date.getTime())) return "";
    return date.toLocaleTimeString(state.locale === "zh_CN" ? "zh-CN" : "en", { hour: "2-digit", minute: "2-digit" });
  }

  function detectLocale() {
    const saved = store.get(KEYS.locale);
    if (saved === "en" || saved === "zh_CN") return saved;
    const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
    return String(langs[0] || "").toLowerCase().startsWith("zh") ? "zh_CN" : "en";
  }

  // ---- banner & toast --------------------------------------------------------------

  function setBanner(key) {
    const banner = $("banner");
    banner.hidden = !key;
    if (key) {
      banner.dataset.i18n = key;
      banner.textContent = t(key);
    }
  }

  function toast(text) {
    const node = $("toast");
    node.textContent = text;
    node.hidden = false;
    clearTimeout(state.toastTimer);
    state.toastTimer = setTimeout(() => { node.hidden = true; }, 5000);
  }

  // ---- strings ---------------------------------------------------------------------

  async function loadStrings(locale) {
    for (let delay = 500; ; delay = Math.min(delay * 2, 8000)) {
      try {
        const res = await fetch(`/api/web/strings?locale=${encodeURIComponent(locale)}`, { cache: "no-store" });
        if (res.ok) {
          const data = await res.json();
          state.strings = data.strings || {};
          if (data.limits) state.limits = data.limits;
          state.locale = data.locale || locale;
          return;
        }
      } catch { /* retry below */ }
      await sleep(delay);
    }
  }

  function applyStrings() {
    document.documentElement.lang = state.locale === "zh_CN" ? "zh-CN" : "en";
    document.title = t("title");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
      node.placeholder = t(node.dataset.i18nPlaceholder);
    }
    for (const node of document.querySelectorAll("[data-i18n-title]")) {
      node.title = t(node.dataset.i18nTitle);
      node.setAttribute("aria-label", t(node.dataset.i18nTitle));
    }
    for (const node of document.querySelectorAll("[data-role]")) node.textContent = roleLabel(node.dataset.role);
    for (const node of document.querySelectorAll("[data-time]")) node.textContent = timeLabel(node.dataset.time);
    if (state.people) renderPeople();
    renderCurrentPerson();
  }

  function roleLabel(role) {
    const key = `role.${role}`;
    return Object.prototype.hasOwnProperty.call(state.strings, key) ? state.strings[key] : role;
  }

  async function setPageLocale(locale) {
    store.set(KEYS.locale, locale);
    await loadStrings(locale);
    applyStrings();
  }

  // Signed in, the toggle is the person's one language setting (the one /lang changes), so
  // the bot answers in the language of the page; signed out it only changes the page.
  async function switchLanguage() {
    const next = state.locale === "zh_CN" ? "en" : "zh_CN";
    if (state.person) {
      let result;
      try {
        result = await api("/api/web/me/locale", { locale: next });
      } catch {
        toast(t("language_failed")); // offline: nothing changed, here or in the chat
        return;
      }
      if (result.ok) {
        state.serverLocale = next;
        state.person.locale = next;
      } else if (result.status !== 501) { // 501: this server cannot save it; the page still can
        toast((result.data && result.data.message) || t("language_failed"));
        return;
      }
    }
    await setPageLocale(next);
  }

  // The server says which locale the person has (sign-in, every poll): a change made in the
  // chat (/lang) turns the page frame too.
  async function adoptLocale(locale) {
    if (locale !== "en" && locale !== "zh_CN") return;
    if (locale === state.serverLocale) return;
    state.serverLocale = locale;
    if (state.person) state.person.locale = locale;
    if (locale !== state.locale) await setPageLocale(locale);
  }

  // ---- people and sign-in -------------------------------------------------------

  function personName(person) {
    return person.name;
  }

  async function api(path, payload) {
    const res = await fetch(path, {
      method: "POST", cache: "no-store", credentials: "same-origin",
      headers: {
        "Content-Type": "application/json", Accept: "application/json",
        "Accept-Language": state.locale === "zh_CN" ? "zh-CN" : "en",
      },
      body: JSON.stringify(payload || {}),
    });
    let data = {};
    try { data = await res.json(); } catch { /* not JSON */ }
    return { ok: res.ok, status: res.status, data };
  }

  async function loadMe() {
    for (let delay = 1000; ; delay = Math.min(delay * 2, 10000)) {
      try {
        const res = await fetch("/api/web/me", { cache: "no-store", credentials: "same-origin" });
        if (res.ok || res.status === 401) {
          setBanner(null);
          return { signedIn: res.ok, data: await res.json() };
        }
      } catch { /* retry below */ }
      setBanner("connection_error");
      await sleep(delay);
    }
  }

  async function loadPeople() {
    try {
      const res = await fetch("/api/web/people", { cache: "no-store" });
      if (res.ok) state.people = await res.json();
    } catch { setBanner("people_error"); }
  }

  function personCard(person, testId, title, subtitle, chips) {
    const card = el("button", "person-card");
    card.type = "button";
    card.dataset.testid = testId;
    card.setAttribute("role", "listitem");
    const avatar = el("span", "avatar");
    paintAvatar(avatar, person);
    const info = el("span", "person-info");
    info.append(el("span", "person-name", title));
    if (subtitle) info.append(el("span", "person-sub", subtitle));
    if (chips.length) {
      const roles = el("span", "roles");
      for (const role of chips) {
        const chip = el("span", "chip", roleLabel(role));
        chip.dataset.role = role;
        roles.append(chip);
      }
      info.append(roles);
    }
    card.append(avatar, info);
    card.addEventListener("click", () => signedIn(api("/api/web/auth/demo", { person_id: person.person_id })));
    return card;
  }

  function renderPeople() {
    const list = $("people");
    list.replaceChildren();
    for (const person of state.people || []) {
      list.append(personCard(person, `person-${person.user_id}`, person.name, null, person.roles || []));
    }
    if (!(state.people || []).length) list.append(el("p", "hint", t("no_people")));
  }

  function renderCurrentPerson() {
    const box = $("current-person");
    if (!state.person) { box.hidden = true; return; }
    box.hidden = false;
    paintAvatar($("current-avatar"), state.person);
    const roles = (state.person.roles || []).map(roleLabel).join(" · ") || t("no_roles");
    const name = personName(state.person);
    $("current-name").textContent = name;
    $("current-name").title = name; // the full name when a long one is cut with an ellipsis
    $("current-avatar").title = roles;
  }

  function showView(view) {
    $("app").dataset.view = view;
    $("picker").hidden = view !== "picker";
    $("chat").hidden = view !== "chat";
  }

  function signInError(text) {
    const box = $("signin-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  async function showPicker(info) {
    stopPolling();
    state.person = null;
    state.serverLocale = null;
    renderCurrentPerson();
    signInError(null);
    $("register-form").hidden = !(info && info.open_reporting);
    $("demo-box").hidden = !(info && info.demo);
    if (info && info.demo) {
      await loadPeople();
      renderPeople();
    }
    showView("picker");
  }

  // After any sign-in request: reload the page state from the session the server set.
  async function signedIn(request) {
    const result = await request;
    if (!result.ok) {
      signInError((result.data && result.data.message) || t("signin_failed"));
      return;
    }
    state.welcome = String((result.data && result.data.redirect) || "").includes("welcome");
    await boot();
  }

  async function choosePerson(person) {
    state.person = person;
    await adoptLocale(person.locale);
    renderCurrentPerson();
    resetChat();
    showView("chat");
    $("set-password").hidden = Boolean(person.has_password) || !state.welcome;
    startPolling();
    $("message-input").focus();
    sendPendingStart();
  }

  async function signOut(everywhere) {
    stopPolling();
    await api(everywhere ? "/api/web/auth/logout-all" : "/api/web/auth/logout");
    state.welcome = false;
    await boot();
  }

  async function savePassword() {
    const result = await api("/api/web/auth/set-password", { password: $("new-password").value });
    if (result.ok) {
      $("new-password").value = "";
      $("set-password").hidden = true;
      state.person.has_password = true;
      toast(t("set_password_done"));
    } else {
      toast((result.data && result.data.message) || t("signin_failed"));
    }
  }

  function takeWelcomeParam() {
    try {
      const params = new URLSearchParams(window.location.search);
      if (!params.has("welcome")) return false;
      params.delete("welcome");
      const rest = params.toString();
      history.replaceState(null, "", window.location.pathname + (rest ? `?${rest}` : ""));
      return true;
    } catch { return false; }
  }

  // A QR label's link (/?start=p_<code>) is sent once as "/start p_<code>" by whoever chats.
  function takeStartParam() {
    try {
      const params = new URLSearchParams(window.location.search);
      const value = params.get("start");
      if (!value) return null;
      params.delete("start");
      const rest = params.toString();
      history.replaceState(null, "", window.location.pathname + (rest ? `?${rest}` : ""));
      return /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : null;
    } catch { return null; }
  }

  function sendPendingStart() {
    const param = state.pendingStart;
    if (!param) return;
    state.pendingStart = null;
    $("message-input").value = `/start ${param}`;
    sendText();
  }

  // ---- messages --------------------------------------------------------------------

  function resetChat() {
    const box = $("messages");
    for (const node of Array.from(box.querySelectorAll(".msg"))) node.remove();
    state.rendered.clear();
    state.pending.clear();
    state.cursor = 0;
    state.stuck = true;
    $("new-messages").hidden = true;
    showTyping(false);
    updateEmpty();
  }

  function updateEmpty() {
    $("empty-chat").hidden = state.rendered.size + state.pending.size > 0;
  }

  function nearBottom() {
    const box = $("messages");
    return box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  }

  function scrollToBottom() {
    const box = $("messages");
    box.scrollTop = box.scrollHeight;
    state.lastTop = box.scrollTop;
    state.stuck = true;
    $("new-messages").hidden = true;
  }

  // Keep the newest message in view as images load or the window resizes, unless the user
  // scrolled up to read (then a "new messages" chip offers the way back down).
  function followBottom() {
    if (state.stuck) scrollToBottom();
  }

  // Only a move up (the user's) unpins the view: content growing under it (an image that
  // loaded, a new message) changes scrollHeight, not scrollTop, and must not count.
  function onScroll() {
    const top = $("messages").scrollTop;
    if (nearBottom()) state.stuck = true;
    else if (top < state.lastTop - 1) state.stuck = false;
    state.lastTop = top;
    if (state.stuck) $("new-messages").hidden = true;
  }

  function newMessagesArrived() {
    if (state.stuck) scrollToBottom();
    else $("new-messages").hidden = false;
  }

  // ---- images: thumbnails that open full size ----------------------------------------

  function thumbnail(src, alt) {
    const img = el("img", "msg-image");
    img.alt = alt;
    img.src = src;
    img.tabIndex = 0;
    img.setAttribute("role", "button");
    img.title = t("image_open");
    img.addEventListener("load", followBottom);
    img.addEventListener("click", () => openLightbox(src, alt));
    img.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        openLightbox(src, alt);
      }
    });
    return img;
  }

  function openLightbox(src, alt) {
    const box = $("lightbox");
    const img = $("lightbox-image");
    img.src = src;
    img.alt = alt;
    state.lightboxFrom = document.activeElement;
    box.hidden = false;
    $("lightbox-close").focus();
  }

  function closeLightbox() {
    const box = $("lightbox");
    if (box.hidden) return;
    box.hidden = true;
    $("lightbox-image").removeAttribute("src");
    if (state.lightboxFrom && state.lightboxFrom.focus) state.lightboxFrom.focus();
  }

  // ---- phone numbers: tap to call ----------------------------------------------------

  // mainland mobiles (optionally +86, spaced or dashed) and landlines with an area code;
  // not inside longer codes such as ticket numbers (R-20261203-0001)
  const PHONE = /(?<![\w+-])(?:(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}|0\d{2,3}-\d{7,8})(?![\w-])/g;

  // The text as text nodes and tel: links: built node by node, never parsed as HTML.
  function linkedText(className, text) {
    const node = el("div", className);
    let last = 0;
    for (const match of text.matchAll(PHONE)) {
      if (match.index > last) node.append(document.createTextNode(text.slice(last, match.index)));
      const link = el("a", "tel", match[0]);
      link.href = `tel:${match[0].replace(/[^\d+]/g, "")}`;
      node.append(link);
      last = match.index + match[0].length;
    }
    if (last < text.length) node.append(document.createTextNode(text.slice(last)));
    return node;
  }

  function showTyping(on) {
    clearTimeout(state.typingTimer);
    const node = $("typing");
    node.hidden = !on;
    if (on) {
      $("messages").append(node); // keep it last
      followBottom();
      state.typingTimer = setTimeout(() => { node.hidden = true; }, TYPING_MS);
    }
  }

  function placeMessage(node, id) {
    const box = $("messages");
    const later = Array.from(box.querySelectorAll(".msg[data-id]")).find((n) => Number(n.dataset.id) > id);
    box.insertBefore(node, later || $("typing"));
  }

  function metaRow(node, iso, edited) {
    let meta = node.querySelector(".meta");
    if (!meta) {
      meta = el("div", "meta");
      node.append(meta);
    }
    meta.replaceChildren();
    const time = el("span", "time", timeLabel(iso));
    time.dataset.time = iso || new Date().toISOString();
    meta.append(time);
    if (edited) {
      const mark = el("span", "edited", t("edited"));
      mark.dataset.i18n = "edited";
      meta.append(mark);
    }
    return meta;
  }

  // A video or recording: played in place (<video>/<audio>), or its name when unplayable.
  function mediaNode(att) {
    const mime = att.mime || "";
    if (att.url && (mime.startsWith("video/") || mime.startsWith("audio/"))) {
      const player = el(mime.startsWith("video/") ? "video" : "audio", "msg-media");
      player.controls = true;
      player.preload = "metadata";
      player.src = att.url;
      player.addEventListener("loadedmetadata", followBottom);
      const link = el("a", "attachment", t("attachment", { name: att.name || "?" }));
      link.href = att.url;
      link.download = att.name || "";
      const box = el("div", "media-box");
      box.append(player, link);
      return box;
    }
    return el("div", "attachment", t("attachment", { name: att.name || "?" }));
  }

  // An album: photos as thumbnails that open full size, videos played in place, in a grid.
  function galleryNode(items) {
    const grid = el("div", "msg-gallery");
    for (const att of items) {
      grid.append(att.is_image ? thumbnail(att.url, att.name || t("image_alt")) : mediaNode(att));
    }
    return grid;
  }

  function fillBot(node, msg) {
    node.replaceChildren();
    const bubble = el("div", "bubble");
    if (msg.image) bubble.append(thumbnail(msg.image, t("image_alt")));
    if (msg.attachment) bubble.append(mediaNode(msg.attachment));
    if (msg.gallery && msg.gallery.length) bubble.append(galleryNode(msg.gallery));
    if (msg.text) bubble.append(linkedText("msg-text", msg.text));
    node.append(bubble);
    if (msg.buttons && msg.buttons.length) {
      const keyboard = el("div", "buttons");
      for (const row of msg.buttons) {
        const line = el("div", "button-row");
        for (const button of row) {
          const btn = el("button", "inline-button", button.label);
          btn.type = "button";
          btn.dataset.payload = button.payload;
          btn.addEventListener("click", () => pressButton(node, btn, msg.id, button.payload));
          line.append(btn);
        }
        keyboard.append(line);
      }
      node.append(keyboard);
    }
    metaRow(node, msg.edited_at || msg.created_at, Boolean(msg.edited_at));
  }

  function fillUser(node, msg) {
    node.replaceChildren();
    const bubble = el("div", "bubble");
    const att = msg.attachment;
    if (att && att.is_image && att.url) {
      bubble.append(thumbnail(att.url, att.name || t("photo_alt")));
    } else if (att && att.url && /^(video|audio)\//.test(att.mime || "")) {
      bubble.append(mediaNode(att));
    } else if (att) {
      bubble.append(el("div", "attachment", t("attachment", { name: att.name || "?" })));
    }
    if (msg.text) bubble.append(el("div", "msg-text", msg.text));
    node.append(bubble);
    metaRow(node, msg.created_at, false);
  }

  // Draws a message; true when it is new on the page (not an edit or a confirmed preview).
  function renderMessage(msg) {
    const mine = msg.from === "user";
    let node = state.rendered.get(msg.id);
    if (!node && mine && msg.client_id && state.pending.has(msg.client_id)) {
      node = state.pending.get(msg.client_id);
      state.pending.delete(msg.client_id);
      node.dataset.id = String(msg.id);
      node.classList.remove("pending", "failed");
      state.rendered.set(msg.id, node);
      metaRow(node, msg.created_at, false); // keep the local preview, drop the status
      return false;
    }
    const fresh = !node;
    if (!node) {
      node = el("div", mine ? "msg user" : "msg bot");
      node.dataset.id = String(msg.id);
      state.rendered.set(msg.id, node);
      placeMessage(node, msg.id);
    }
    if (mine) fillUser(node, msg);
    else fillBot(node, msg);
    return fresh;
  }

  // ---- polling ---------------------------------------------------------------------

  function stopPolling() {
    state.pollGen += 1;
    if (state.pollAbort) state.pollAbort.abort();
    state.pollAbort = null;
  }

  function startPolling() {
    stopPolling();
    pollLoop(state.pollGen);
  }

  async function pollLoop(gen) {
    let delay = 1000;
    let first = true;
    while (gen === state.pollGen) {
      const ctrl = new AbortController();
      state.pollAbort = ctrl;
      const timer = setTimeout(() => ctrl.abort(), (POLL_WAIT + 15) * 1000);
      try {
        const query = new URLSearchParams({ after: String(state.cursor), wait: first ? "0" : String(POLL_WAIT) });
        if (state.epoch) query.set("epoch", state.epoch);
        const res = await fetch(`/api/web/messages?${query}`, { signal: ctrl.signal, cache: "no-store" });
        if (res.status === 401) { if (gen === state.pollGen) boot(); return; }
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const data = await res.json();
        if (gen !== state.pollGen) return;
        if (data.reset && !first) resetChat();
        state.epoch = data.epoch;
        if (first) state.stuck = true; // a conversation opens at its newest message
        let botSpoke = false;
        let added = false;
        for (const msg of data.messages || []) {
          if (renderMessage(msg)) added = true;
          if (msg.from === "bot") botSpoke = true;
        }
        if (botSpoke) showTyping(false);
        state.cursor = data.cursor;
        updateEmpty();
        if (added) newMessagesArrived();
        else followBottom();
        if (data.locale) await adoptLocale(data.locale);
        if ($("banner").dataset.i18n === "connection_error") setBanner(null);
        delay = 1000;
        first = false;
      } catch {
        if (gen !== state.pollGen) return;
        setBanner("connection_error");
        await sleep(delay);
        delay = Math.min(delay * 2, 10000);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  // ---- sending ---------------------------------------------------------------------

  async function post(makeBody) {
    let delay = 500;
    for (let attempt = 0; attempt < 4; attempt += 1) {
      try {
        const body = makeBody();
        const init = { method: "POST", body };
        if (typeof body === "string") init.headers = { "Content-Type": "application/json" };
        const res = await fetch("/api/web/send", init);
        if (res.ok) return { ok: true };
        if (res.status < 500) return { ok: false, status: res.status };
      } catch { /* network trouble: retry with the same client_id */ }
      await sleep(delay);
      delay *= 2;
    }
    return { ok: false, status: 0 };
  }

  function localBubble(clientId, text, file) {
    const node = el("div", "msg user pending");
    node.dataset.clientId = clientId;
    const bubble = el("div", "bubble");
    if (file && file.type.startsWith("image/")) {
      bubble.append(thumbnail(URL.createObjectURL(file), file.name || t("photo_alt")));
    } else if (file) {
      bubble.append(el("div", "attachment", t("attachment", { name: file.name })));
    }
    if (text) bubble.append(el("div", "msg-text", text));
    node.append(bubble);
    const meta = el("div", "meta");
    const status = el("span", "status", t("sending"));
    status.dataset.i18n = "sending";
    meta.append(status);
    node.append(meta);
    $("messages").insertBefore(node, $("typing"));
    state.pending.set(clientId, node);
    updateEmpty();
    scrollToBottom();
    return node;
  }

  function markFailed(node, retry) {
    if (!node.isConnected || !node.classList.contains("pending")) return;
    node.classList.add("failed");
    const meta = node.querySelector(".meta");
    meta.replaceChildren();
    const again = el("button", "retry", t("send_failed"));
    again.type = "button";
    again.dataset.i18n = "send_failed";
    again.addEventListener("click", () => {
      node.classList.remove("failed");
      const status = el("span", "status", t("sending"));
      status.dataset.i18n = "sending";
      meta.replaceChildren(status);
      showTyping(true);
      retry();
    });
    meta.append(again);
  }

  async function deliver(node, makeBody) {
    const result = await post(makeBody);
    if (result.ok) return;
    showTyping(false);
    if (result.status === 413) toast(t("file_too_large", { mb: Math.round(state.limits.max_upload_bytes / 1048576) }));
    markFailed(node, () => deliver(node, makeBody));
  }

  function sendText() {
    const input = $("message-input");
    const text = input.value.trim();
    if (!text || !state.person) return;
    if (text.length > state.limits.max_text_chars) {
      toast(t("text_too_long", { chars: state.limits.max_text_chars }));
      return;
    }
    input.value = "";
    autosize();
    const clientId = randomId("c-");
    const payload = JSON.stringify({ text, client_id: clientId, locale: state.locale });
    const node = localBubble(clientId, text, null);
    showTyping(true);
    deliver(node, () => payload);
  }

  function sendFile(file) {
    if (!file || !state.person) return;
    if (file.size > state.limits.max_upload_bytes) {
      toast(t("file_too_large", { mb: Math.round(state.limits.max_upload_bytes / 1048576) }));
      return;
    }
    const input = $("message-input");
    const caption = input.value.trim();
    input.value = "";
    autosize();
    const clientId = randomId("c-");
    const locale = state.locale;
    const node = localBubble(clientId, caption, file);
    showTyping(true);
    deliver(node, () => {
      const form = new FormData();
      form.append("client_id", clientId);
      form.append("locale", locale);
      if (caption) form.append("caption", caption);
      form.append("photo", file, file.name);
      return form;
    });
  }

  async function pressButton(node, btn, messageId, payload) {
    if (!state.person) return;
    const buttons = Array.from(node.querySelectorAll("button.inline-button"));
    for (const b of buttons) b.disabled = true;
    btn.classList.add("pressed");
    const body = JSON.stringify({
      callback: payload, message_id: String(messageId),
      client_id: randomId("b-"), locale: state.locale,
    });
    showTyping(true);
    const result = await post(() => body);
    if (!result.ok) showTyping(false);
    // If the bot edits the message the buttons are rebuilt; otherwise free them again.
    setTimeout(() => {
      for (const b of buttons) b.disabled = false;
      btn.classList.remove("pressed");
    }, result.ok ? 4000 : 0);
  }

  function autosize() {
    const input = $("message-input");
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  }

  // ---- start -----------------------------------------------------------------------

  function wire() {
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      sendText();
    });
    const input = $("message-input");
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        sendText();
      }
    });
    input.addEventListener("input", autosize);
    $("photo-button").addEventListener("click", () => $("photo-input").click());
    $("photo-input").addEventListener("change", (event) => {
      const file = event.target.files && event.target.files[0];
      sendFile(file);
      event.target.value = "";
    });
    $("sign-out").addEventListener("click", () => signOut(false));
    $("sign-out-all").addEventListener("click", () => signOut(true));
    $("set-password").addEventListener("submit", (event) => { event.preventDefault(); savePassword(); });
    $("set-password-later").addEventListener("click", () => { $("set-password").hidden = true; });
    $("password-form").addEventListener("submit", (event) => {
      event.preventDefault();
      signedIn(api("/api/web/auth/password", { login: $("login-input").value, password: $("password-input").value }));
    });
    $("code-form").addEventListener("submit", (event) => {
      event.preventDefault();
      signedIn(api("/api/web/auth/code", { code: $("code-input").value }));
    });
    $("register-form").addEventListener("submit", (event) => {
      event.preventDefault();
      signedIn(api("/api/web/auth/register", {
        name: $("register-name").value, phone: $("register-phone").value,
        password: $("register-password").value, locale: state.locale,
      }));
    });
    $("lang-toggle").addEventListener("click", switchLanguage);
    $("messages").addEventListener("scroll", onScroll, { passive: true });
    $("new-messages").addEventListener("click", scrollToBottom);
    $("lightbox").addEventListener("click", closeLightbox);
    document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeLightbox(); });
    if (window.ResizeObserver) new ResizeObserver(followBottom).observe($("messages"));
  }

  async function boot() {
    const me = await loadMe();
    if (me.signedIn) {
      $("password-input").value = "";
      await choosePerson(me.data);
    } else {
      await showPicker(me.data);
    }
    applyStrings();
  }

  async function main() {
    state.pendingStart = takeStartParam();
    state.welcome = takeWelcomeParam();
    wire();
    await loadStrings(detectLocale());
    applyStrings();
    await boot();
  }

  main();
})();

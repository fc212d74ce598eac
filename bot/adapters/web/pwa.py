"""The web chat as an installable app: the manifest, the service worker and its icons, and the
Web Push subscription API (`/api/web/push/...`).

Who is asking comes from one injected callable, `person_of(request)`: the signed-in person's
id or None. Subscribing needs a person, a same-origin request and a JSON body; the subscription
itself is checked by the injected `subscribe` (bot.delivery.webpush), which raises ServiceError
for anything it refuses."""

from __future__ import annotations

import functools
import io
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from bot.adapters.web.pages import STATIC_DIR
from bot.core.errors import ServiceError
from bot.core.i18n import SUPPORTED, Translator, normalize_locale
from bot.core.json_body import BadJson, parse_json

log = logging.getLogger(__name__)

ICON_SIZES = (192, 512)
MAX_BODY_BYTES = 8 * 1024
THEME_COLOR = "#0f766e"
BACKGROUND_COLOR = "#e9eef5"
JS_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}

PersonOf = Callable[[web.Request], Awaitable[int | None]]
Subscribe = Callable[[int, object], Awaitable[int]]
Unsubscribe = Callable[[int, object], Awaitable[bool]]


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of a URL (None when it has none)."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


@functools.lru_cache(maxsize=len(ICON_SIZES))
def icon_png(size: int) -> bytes:
    """The app icon (the page's logo: a chat bubble with a plus on the brand colour), drawn
    with Pillow at 4× and scaled down; full-bleed so it also works as a maskable icon."""
    from PIL import Image, ImageDraw

    big = size * 4
    unit = big / 32
    image = Image.new("RGB", (big, big), THEME_COLOR)
    draw = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (x0 * unit, y0 * unit, x1 * unit, y1 * unit)

    draw.rounded_rectangle(box(8, 9, 24, 20), radius=2.5 * unit, fill="white")
    draw.polygon([(10.5 * unit, 19 * unit), (15 * unit, 19 * unit), (10.5 * unit, 24 * unit)],
                 fill="white")
    width = int(2.2 * unit)
    draw.line([box(12.5, 14.5, 19.5, 14.5)[:2], box(12.5, 14.5, 19.5, 14.5)[2:]],
              fill=THEME_COLOR, width=width)
    draw.line([box(16, 11, 16, 18)[:2], box(16, 11, 16, 18)[2:]], fill=THEME_COLOR, width=width)
    out = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(out, "PNG", optimize=True)
    return out.getvalue()


class PwaRoutes:
    """Adds the app's routes to the web chat's HTTP server."""

    def __init__(
        self,
        http_app: web.Application,
        translator: Translator,
        person_of: PersonOf,
        public_key: Callable[[], Awaitable[str]] | None = None,
        subscribe: Subscribe | None = None,
        unsubscribe: Unsubscribe | None = None,
        *,
        public_url: str | None = None,
    ):
        self.translator = translator
        self.person_of = person_of
        self.public_key = public_key
        self.subscribe = subscribe
        self.unsubscribe = unsubscribe
        self.public_origin = origin_of(public_url)
        self.enabled = None not in (public_key, subscribe, unsubscribe)
        router = http_app.router
        router.add_get("/manifest.webmanifest", self._manifest)
        router.add_get("/sw.js", self._service_worker)
        router.add_get("/pwa/push.js", self._push_js)
        for size in ICON_SIZES:
            router.add_get(f"/pwa/icon-{size}.png", functools.partial(self._icon, size=size))
        router.add_get("/api/web/push/key", self._key)
        if self.enabled:
            router.add_post("/api/web/push/subscribe", self._subscribe)
            router.add_post("/api/web/push/unsubscribe", self._unsubscribe)

    # --- the installable app ---------------------------------------------------------------------

    def _locale(self, request: web.Request) -> str:
        hint = request.query.get("locale") or (
            request.headers.get("Accept-Language", "").split(",")[0].split(";")[0].strip()
        )
        locale = normalize_locale(hint) or self.translator.default
        return locale if locale in SUPPORTED else self.translator.default

    async def _manifest(self, request: web.Request) -> web.Response:
        locale = self._locale(request)
        t = functools.partial(self.translator, locale)
        icons = [
            {"src": f"/pwa/icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png",
             "purpose": "any"}
            for size in ICON_SIZES
        ]
        icons.append({"src": "/pwa/icon-512.png", "sizes": "512x512", "type": "image/png",
                      "purpose": "maskable"})
        manifest = {
            "id": "/",
            "name": t("webpush.app_name"),
            "short_name": t("webpush.app_short_name"),
            "description": t("webpush.app_description"),
            "lang": "zh-CN" if locale == "zh_CN" else "en",
            "dir": "ltr",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": BACKGROUND_COLOR,
            "theme_color": THEME_COLOR,
            "icons": icons,
        }
        return web.Response(
            text=json.dumps(manifest, ensure_ascii=False),
            content_type="application/manifest+json",
            charset="utf-8",
            headers={"Cache-Control": "no-cache", "Vary": "Accept-Language",
                     "X-Content-Type-Options": "nosniff"},
        )

    async def _service_worker(self, request: web.Request) -> web.Response:
        return web.Response(
            body=(STATIC_DIR / "sw.js").read_bytes(),
            content_type="text/javascript",
            charset="utf-8",
            headers={**JS_HEADERS, "Service-Worker-Allowed": "/"},
        )

    async def _push_js(self, request: web.Request) -> web.Response:
        return web.Response(
            body=(STATIC_DIR / "push.js").read_bytes(), content_type="text/javascript",
            charset="utf-8", headers=JS_HEADERS,
        )

    async def _icon(self, request: web.Request, size: int) -> web.Response:
        return web.Response(
            body=icon_png(size), content_type="image/png",
            headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
        )

    # --- Web Push subscriptions ------------------------------------------------------------------

    def _error(self, request: web.Request, status: int, key: str, **fields: object) -> web.Response:
        message = self.translator(self._locale(request), key, **fields)
        return web.json_response(
            {"error": key.rsplit(".", 1)[-1], "message": message}, status=status
        )

    def _same_origin(self, request: web.Request) -> bool:
        """The request came from our own page: Origin (or Referer) is ours and the browser did
        not mark it cross-site."""
        if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
            return False
        claimed = origin_of(request.headers.get("Origin")) or origin_of(
            request.headers.get("Referer")
        )
        ours = {f"{request.scheme}://{request.host}".lower()}
        if self.public_origin:
            ours.add(self.public_origin)
        return claimed is not None and claimed in ours

    async def _json(self, request: web.Request) -> tuple[int, object] | web.Response:
        """The signed-in person and the JSON body of a state-changing request, or the refusal."""
        if not self._same_origin(request):
            return self._error(request, 403, "webpush.cross_origin")
        person_id = await self.person_of(request)
        if person_id is None:
            return self._error(request, 401, "webpush.sign_in_required")
        if request.content_type != "application/json":
            return self._error(request, 415, "webpush.not_json")
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return self._error(request, 413, "webpush.too_large")
        raw = bytearray()
        async for chunk in request.content.iter_chunked(4096):
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                return self._error(request, 413, "webpush.too_large")
        try:
            return person_id, parse_json(bytes(raw))
        except BadJson:
            return self._error(request, 400, "webpush.not_json")

    async def _key(self, request: web.Request) -> web.Response:
        """The applicationServerKey; `enabled` false when Web Push is off (no button then)."""
        key = await self.public_key() if self.public_key is not None else None
        return web.json_response(
            {"enabled": key is not None, "public_key": key}, headers={"Cache-Control": "no-cache"}
        )

    async def _subscribe(self, request: web.Request) -> web.Response:
        got = await self._json(request)
        if isinstance(got, web.Response):
            return got
        person_id, body = got
        assert self.subscribe is not None
        try:
            await self.subscribe(person_id, body)
        except ServiceError as err:
            status = 400 if err.key.startswith("webpush.") else 403
            return self._error(request, status, err.key, **err.fields)
        return web.json_response({"ok": True}, status=201)

    async def _unsubscribe(self, request: web.Request) -> web.Response:
        got = await self._json(request)
        if isinstance(got, web.Response):
            return got
        person_id, body = got
        endpoint = body.get("endpoint") if isinstance(body, dict) else None
        assert self.unsubscribe is not None
        removed = await self.unsubscribe(person_id, endpoint)
        return web.json_response({"ok": True, "removed": removed})

"""Who a web request comes from: the session cookie, checked against server-side sessions.

Names other modules use (WeCom OAuth, Telegram Login Widget, chat codes, Web Push):

- `WebUser`: the signed-in person as the adapter sees it (person_id, name, roles, locale;
  `chat_id` is "p<person_id>", the person's web identity).
- `WebAuth(settings, resolve, start, end, end_all)`, built in bot/app.py with callables:
  `resolve(token) -> WebUser | None`, `start(person_id, method, ip, user_agent) -> token`,
  `end(token)`, `end_all(person_id)`.
- `await auth.current(request) -> WebUser | None` (cached per request);
  `await auth.refresh(request)` reads the person again (the messages poll, after its wait, so
  a `/lang` answered meanwhile reaches the page as `locale`).
- `await auth.sign_in_response(request, person_id, method, redirect="/")`: starts a session,
  sets the cookie and answers (JSON `{"ok": true, "redirect": ...}` to fetch/JSON requests,
  a 303 redirect otherwise). Use it as the last step of any sign-in route.
- `auth.same_origin(request)`, `auth.host_allowed(request)`, `auth.client_ip(request)`.
- `auth.middleware`: 421 for a foreign Host, 403 for a cross-origin state-changing request,
  415 for a non-JSON body on JSON endpoints, on every path under GUARDED_PREFIXES.
- Cookie helpers: bot/adapters/web/session_cookie.py.
- Built once in bot/web_wiring.py (`web_auth(settings, services)`), kept as `HouqinApp.web_auth`
  (set when the web chat is on) and handed to WebChatAdapter; a new sign-in route registers
  itself on `HouqinApp.http` and ends with `await app.web_auth.sign_in_response(...)`.
- The link, code, password and registration routes: bot/adapters/web/sign_in.py
  (`SignInMethods` callables from bot/web_wiring.py, `SignInRoutes`).
- Session rows: `services.web_sessions` (bot/services/people/web_sessions.py); the person's
  web identity (platform "web", chat id "p<id>") is bound by `services.web_sign_in.bind_web`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import web

from bot.adapters.web.pages import is_loopback
from bot.adapters.web.session_cookie import (
    clear_session_cookie,
    read_session_token,
    set_session_cookie,
)
from bot.config import Settings

GUARDED_PREFIXES = ("/api/web/", "/auth/")
GUARDED_EXACT = ("/",)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# multipart is allowed where files are uploaded, urlencoded forms only on /auth/ form posts
MULTIPART_PATHS = ("/api/web/send",)
_USER = web.RequestKey("houqin_web_user", object)


@dataclass(frozen=True)
class WebUser:
    """The signed-in person of a web request."""

    person_id: int
    name: str
    roles: tuple[str, ...] = ()
    locale: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def chat_id(self) -> str:
        """The person's web chat id (and user id): derived from the person, never the client."""
        return f"p{self.person_id}"


Resolve = Callable[[str], Awaitable[WebUser | None]]
Start = Callable[[int, str, str | None, str | None], Awaitable[str]]
End = Callable[[str], Awaitable[None]]
EndAll = Callable[[int], Awaitable[int]]


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class WebAuth:
    """Sessions, origin and host checks for the web chat and every sign-in route."""

    def __init__(self, settings: Settings, resolve: Resolve, start: Start, end: End,
                 end_all: EndAll):
        self.settings = settings
        self._resolve = resolve
        self._start = start
        self._end = end
        self._end_all = end_all
        self.public_origin = _origin(settings.public_url) if settings.public_url else None
        self.secure = bool(self.public_origin and self.public_origin.startswith("https://"))
        self.trusted_proxies = {p.strip() for p in settings.trusted_proxies.split(",")
                                if p.strip()}
        self.max_age_days = settings.web_session_days
        self.public_host = urlsplit(settings.public_url).netloc.lower() if (
            settings.public_url) else None

    # -- who ---------------------------------------------------------------------------

    async def current(self, request: web.Request) -> WebUser | None:
        """The signed-in person of this request, or None (no, bad, ended or stale session)."""
        if _USER in request:
            return request[_USER]
        token = read_session_token(request)
        user = await self._resolve(token) if token else None
        request[_USER] = user
        return user

    async def refresh(self, request: web.Request) -> WebUser | None:
        """The signed-in person read again (after a long poll: the locale may have changed)."""
        request.pop(_USER, None)
        return await self.current(request)

    def client_ip(self, request: web.Request) -> str | None:
        """The client address: X-Forwarded-For's last entry (what the proxy saw) only behind a
        public URL and only from a trusted proxy (HOUQIN_TRUSTED_PROXIES), else the peer."""
        if self.public_origin and request.remote in self.trusted_proxies:
            forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
            if forwarded:
                return forwarded[:64]
        return request.remote

    async def sign_in_response(self, request: web.Request, person_id: int, method: str,
                               redirect: str = "/") -> web.Response:
        """Start a session for `person_id`, set its cookie and answer (JSON or a 303)."""
        token = await self._start(person_id, method, self.client_ip(request),
                                  request.headers.get("User-Agent"))
        if not redirect.startswith("/") or redirect.startswith("//"):
            redirect = "/"  # never an open redirect
        if _wants_json(request):
            response: web.Response = web.json_response({"ok": True, "redirect": redirect})
        else:
            response = web.Response(status=303, headers={"Location": redirect})
        response.headers["Cache-Control"] = "no-store"
        set_session_cookie(response, token, secure=self.secure, max_age_days=self.max_age_days)
        return response

    async def sign_out(self, request: web.Request, *, everywhere: bool = False) -> web.Response:
        """End this browser's session (or all of the person's) and clear the cookie."""
        token = read_session_token(request)
        user = await self.current(request)
        if everywhere and user is not None:
            await self._end_all(user.person_id)
        elif token:
            await self._end(token)
        response = web.json_response({"ok": True}) if _wants_json(request) else web.Response(
            status=303, headers={"Location": "/"})
        clear_session_cookie(response)
        return response

    # -- checks ------------------------------------------------------------------------

    def allowed_hosts(self) -> set[str]:
        """Host header values served: the public URL's host (+ loopback in demo or without
        a public URL)."""
        hosts: set[str] = set()
        if self.public_host:
            hosts.add(self.public_host)
        if self.settings.demo or not self.public_host:
            port = self.settings.http_port
            for name in LOOPBACK_NAMES:
                hosts.update({name, f"{name}:{port}"})
        return hosts

    def host_allowed(self, request: web.Request) -> bool:
        """True when the Host header names this deployment."""
        host = (request.headers.get("Host") or "").lower()
        if host in self.allowed_hosts():
            return True
        if self.settings.demo or not self.public_host:
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            return name in LOOPBACK_NAMES or is_loopback(name)
        return False

    def allowed_origins(self, request: web.Request) -> set[str]:
        """Origins whose pages may change state here."""
        origins = {self.public_origin} if self.public_origin else set()
        if self.settings.demo or not self.public_origin:
            origins.add(f"http://{request.host}".lower())  # the Host was checked already
        return origins

    def same_origin(self, request: web.Request) -> bool:
        """True when Origin (or, without it, Referer) is this deployment's own origin."""
        source = request.headers.get("Origin")
        if not source or source == "null":
            referer = request.headers.get("Referer")
            if not referer:
                return False
            source = referer
        return _origin(source) in self.allowed_origins(request)

    @web.middleware
    async def middleware(self, request: web.Request, handler) -> web.StreamResponse:
        """Host, origin and content-type guards in front of the web chat and sign-in routes."""
        path = request.path
        if not (path in GUARDED_EXACT or path.startswith(GUARDED_PREFIXES)
                or path.startswith("/static/webchat/")):
            return await handler(request)
        if not self.host_allowed(request):
            return _error(421, "wrong_host", "misdirected request")
        if request.method not in SAFE_METHODS:
            if not self.same_origin(request):
                return _error(403, "cross_origin", "cross-origin request refused")
            # an empty body has no type to check (a bare form button, a sign-out)
            has_body = request.body_exists and request.content_length != 0
            kind = request.content_type if has_body else ""
            if path.startswith("/api/web/") and kind and kind != "application/json" and not (
                    path in MULTIPART_PATHS and kind == "multipart/form-data"):
                return _error(415, "json_only", "send Content-Type: application/json")
            if path.startswith("/auth/") and kind not in (
                    "application/x-www-form-urlencoded", "application/json", ""):
                return _error(415, "form_only", "unsupported content type")
        return await handler(request)


def _wants_json(request: web.Request) -> bool:
    return request.content_type == "application/json" or "application/json" in (
        request.headers.get("Accept") or "")


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)

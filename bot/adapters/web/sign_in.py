"""The web chat's sign-in routes: one-time link landing, typed code, password, registration,
setting a password, signing out. Every success ends in `WebAuth.sign_in_response`."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.adapters.web.auth import WebAuth
from bot.adapters.web.forms import RequestError, read_json_object
from bot.adapters.web.pages import ui_strings
from bot.core.errors import ServiceError
from bot.core.i18n import Translator, normalize_locale

log = logging.getLogger(__name__)
LINK_ROUTE = "/auth/link/{token}"
MAX_FORM_BYTES = 4096


@dataclass
class SignInMethods:
    """The callables bot/app.py injects; each returns a person id or raises ServiceError."""

    redeem_link: Callable[[str], Awaitable[int]]
    redeem_code: Callable[[str, str | None], Awaitable[int]]
    login: Callable[[str, str, str | None], Awaitable[int]]
    register: Callable[[str, str, str, str | None], Awaitable[int]]
    set_password: Callable[[int, str], Awaitable[None]]
    has_password: Callable[[int], Awaitable[bool]]
    open_reporting: bool = False


def _hint(request: web.Request) -> str | None:
    first = (request.headers.get("Accept-Language") or "").split(",")[0]
    return first.split(";")[0].strip() or None


def html_page(translator: Translator, request: web.Request, title_key: str, body_key: str,
              *, status: int = 200, form_action: str | None = None,
              button_key: str | None = None) -> web.Response:
    """A small server-rendered, localized page (no script), optionally with one POST button."""
    locale, strings = ui_strings(translator, _hint(request))
    title = html.escape(strings.get(title_key, title_key))
    body = html.escape(strings.get(body_key, body_key))
    form = ""
    if form_action and button_key:
        form = (f'<form method="post" action="{html.escape(form_action)}"><button type="submit" '
                f'data-testid="link-confirm">{html.escape(strings[button_key])}</button></form>')
    back = html.escape(strings.get("back_to_chat", "/"))
    page = (f'<!doctype html><html lang="{"zh-CN" if locale == "zh_CN" else "en"}"><head>'
            '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f'<link rel="stylesheet" href="/static/webchat/style.css"><title>{title}</title>'
            f'</head><body class="plain"><main class="plain-page"><h1>{title}</h1>'
            f'<p data-testid="page-message">{body}</p>{form}<p><a href="/">{back}</a></p>'
            "</main></body></html>")
    return web.Response(
        text=page, content_type="text/html", charset="utf-8", status=status,
        # same-origin, not no-referrer: a form POST under no-referrer sends `Origin: null`,
        # which the same-origin check refuses; the token never leaves this origin either way
        headers={"Cache-Control": "no-store", "Referrer-Policy": "same-origin",
                 "X-Content-Type-Options": "nosniff",
                 "Content-Security-Policy": "default-src 'none'; style-src 'self'; "
                 "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
    )


class SignInRoutes:
    """Adds the sign-in endpoints to the web chat's HTTP app."""

    def __init__(self, app: web.Application, auth: WebAuth, methods: SignInMethods,
                 translator: Translator):
        self.auth = auth
        self.methods = methods
        self.translator = translator
        router = app.router
        router.add_get(LINK_ROUTE, self._link_page)
        router.add_post(LINK_ROUTE, self._link_sign_in)
        router.add_post("/api/web/auth/code", self._code)
        router.add_post("/api/web/auth/password", self._password)
        router.add_post("/api/web/auth/register", self._register)
        router.add_post("/api/web/auth/set-password", self._set_password)

    def _refusal(self, request: web.Request, err: ServiceError, status: int) -> web.Response:
        locale = normalize_locale(_hint(request)) or self.translator.default
        text = self.translator(locale, err.key, **err.fields)
        return web.json_response({"error": err.key, "message": text}, status=status)

    async def _body(self, request: web.Request) -> dict:
        if (request.content_length or 0) > MAX_FORM_BYTES:
            raise RequestError(413, "too_large", "request body is too large")
        return await read_json_object(request)

    async def _link_page(self, request: web.Request) -> web.Response:
        # a GET only shows a button: link previews of chat apps must not use up the link
        return html_page(self.translator, request, "link_title", "link_body",
                         form_action=request.path, button_key="link_button")

    async def _link_sign_in(self, request: web.Request) -> web.Response:
        try:
            person_id = await self.methods.redeem_link(request.match_info["token"])
        except ServiceError as err:
            reason = err.key.rsplit(".", 1)[-1]
            return html_page(self.translator, request, "link_failed_title", reason, status=410
                             if reason in ("link_used", "link_expired") else 404)
        return await self.auth.sign_in_response(request, person_id, "link",
                                                redirect="/?welcome=1")

    async def _code(self, request: web.Request) -> web.Response:
        try:
            data = await self._body(request)
            person_id = await self.methods.redeem_code(str(data.get("code") or ""),
                                                       self.auth.client_ip(request))
        except RequestError as err:
            return err.response()
        except ServiceError as err:
            return self._refusal(request, err, 429 if err.key.endswith("too_many") else 400)
        return await self.auth.sign_in_response(request, person_id, "code",
                                                redirect="/?welcome=1")

    async def _password(self, request: web.Request) -> web.Response:
        try:
            data = await self._body(request)
            login, password = data.get("login"), data.get("password")
            if not isinstance(login, str) or not isinstance(password, str):
                raise RequestError(400, "bad_field", "login and password must be strings")
            person_id = await self.methods.login(login, password, self.auth.client_ip(request))
        except RequestError as err:
            return err.response()
        except ServiceError as err:
            status = 429 if err.key.endswith("too_many") else 401
            return self._refusal(request, err, status)
        return await self.auth.sign_in_response(request, person_id, "password")

    async def _register(self, request: web.Request) -> web.Response:
        try:
            data = await self._body(request)
            fields = [data.get(k) for k in ("name", "phone", "password")]
            if not all(isinstance(v, str) for v in fields):
                raise RequestError(400, "bad_field", "name, phone and password are required")
            locale = data.get("locale") if isinstance(data.get("locale"), str) else None
            person_id = await self.methods.register(*fields, normalize_locale(locale))
        except RequestError as err:
            return err.response()
        except ServiceError as err:
            return self._refusal(request, err, 403 if err.key.endswith("closed") else 400)
        return await self.auth.sign_in_response(request, person_id, "password")

    async def _set_password(self, request: web.Request) -> web.Response:
        user = await self.auth.current(request)
        if user is None:
            return RequestError(401, "sign_in_required", "sign in first").response()
        try:
            data = await self._body(request)
            password = data.get("password")
            if not isinstance(password, str):
                raise RequestError(400, "bad_field", "password must be a string")
            await self.methods.set_password(user.person_id, password)
        except RequestError as err:
            return err.response()
        except ServiceError as err:
            return self._refusal(request, err, 400)
        return web.json_response({"ok": True})

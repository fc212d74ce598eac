"""More ways into the web chat: a code sent to one's bound chat, WeCom's silent OAuth2 sign-in
inside the WeCom app, and the Telegram Login Widget. Every success ends in
`WebAuth.sign_in_response`; the callables come from bot/app.py (bot/web_wiring.py)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from bot.adapters.web.auth import WebAuth
from bot.adapters.web.forms import RequestError, read_json_object
from bot.adapters.web.sign_in import html_page
from bot.core.errors import ServiceError
from bot.core.i18n import Translator, normalize_locale

log = logging.getLogger(__name__)

WECOM_START = "/auth/wecom/start"
WECOM_RETURN = "/auth/wecom"
TELEGRAM_RETURN = "/auth/telegram"
WECOM_AUTHORIZE = "https://open.weixin.qq.com/connect/oauth2/authorize"
TELEGRAM_WIDGET = "https://telegram.org/js/telegram-widget.js?22"
TELEGRAM_SCRIPT_ORIGIN = "https://telegram.org"
TELEGRAM_FRAME_ORIGIN = "https://oauth.telegram.org"  # the widget's button is an iframe
STATE_COOKIE = "houqin_wecom_state"
STATE_MAX_AGE = 600
MAX_PARAM = 512
MAX_QUERY = 4096
MAX_BODY = 2048


@dataclass
class ChatCodeMethods:
    """Request a code (None back either way: no account enumeration) and redeem it."""

    request: Callable[[str, str | None], Awaitable[None]]
    redeem: Callable[[str, str, str | None], Awaitable[int]]


@dataclass
class WeComLogin:
    """WeCom OAuth2 (snsapi_base): the app's ids and the code → member → person steps."""

    corp_id: str
    agent_id: str
    user_from_code: Callable[[str], Awaitable[str | None]]
    person_for: Callable[[str], Awaitable[int]]


@dataclass
class TelegramLogin:
    """The Login Widget: the bot's username and the check of its signed data."""

    bot_username: str
    person_for: Callable[[dict[str, str]], Awaitable[int]]


def _hint(request: web.Request) -> str | None:
    first = (request.headers.get("Accept-Language") or "").split(",")[0]
    return first.split(";")[0].strip() or None


class ExtraSignInRoutes:
    """Adds the chat-code, WeCom and Telegram sign-in endpoints to the web chat's app."""

    def __init__(self, app: web.Application, auth: WebAuth, translator: Translator, *,
                 public_url: str | None, chat_code: ChatCodeMethods | None = None,
                 wecom: WeComLogin | None = None, telegram: TelegramLogin | None = None):
        self.auth = auth
        self.translator = translator
        self.public_url = (public_url or "").rstrip("/") or None
        self.chat_code = chat_code
        self.wecom = wecom
        self.telegram = telegram
        router = app.router
        if chat_code is not None:
            router.add_post("/api/web/auth/chat-code/request", self._request_code)
            router.add_post("/api/web/auth/chat-code", self._redeem_code)
        if wecom is not None:
            router.add_get(WECOM_START, self._wecom_start)
            router.add_get(WECOM_RETURN, self._wecom_return)
        if telegram is not None:
            router.add_get(TELEGRAM_RETURN, self._telegram_return)
            app.on_response_prepare.append(self._widget_csp)

    # -- helpers ---------------------------------------------------------------------

    def _refusal(self, request: web.Request, err: ServiceError, status: int) -> web.Response:
        locale = normalize_locale(_hint(request)) or self.translator.default
        text = self.translator(locale, err.key, **err.fields)
        return web.json_response({"error": err.key, "message": text}, status=status)

    def _page(self, request: web.Request, body_key: str, status: int) -> web.Response:
        return html_page(self.translator, request, "signin_failed_title", body_key,
                         status=status)

    async def _body(self, request: web.Request) -> dict:
        if (request.content_length or 0) > MAX_BODY:
            raise RequestError(413, "too_large", "request body is too large")
        return await read_json_object(request)

    @staticmethod
    def _strings(data: dict, *names: str) -> list[str]:
        values = [data.get(name) for name in names]
        if not all(isinstance(v, str) for v in values):
            raise RequestError(400, "bad_field", f"{', '.join(names)} must be strings")
        return values  # type: ignore[return-value]

    # -- what the sign-in page offers ------------------------------------------------

    def offers(self) -> dict:
        """What the sign-in page offers besides links, codes and passwords (served by the web
        chat adapter at /api/web/auth/methods)."""
        telegram = None
        if self.telegram is not None:
            telegram = {"bot": self.telegram.bot_username, "script": TELEGRAM_WIDGET,
                        "auth_url": TELEGRAM_RETURN}
        return {
            "chat_code": self.chat_code is not None,
            "wecom": WECOM_START if self.wecom is not None and self.public_url else None,
            "telegram": telegram,
        }

    async def _widget_csp(self, request: web.Request, response: web.StreamResponse) -> None:
        # the sign-in page (the chat page at "/") may load exactly the widget's script origin
        policy = response.headers.get("Content-Security-Policy")
        if request.path != "/" or not policy or TELEGRAM_SCRIPT_ORIGIN in policy:
            return
        policy = policy.replace("script-src 'self'",
                                f"script-src 'self' {TELEGRAM_SCRIPT_ORIGIN}", 1)
        response.headers["Content-Security-Policy"] = f"{policy}; frame-src {TELEGRAM_FRAME_ORIGIN}"

    # -- 3c: a code sent to one's chat -----------------------------------------------

    async def _request_code(self, request: web.Request) -> web.Response:
        assert self.chat_code is not None
        try:
            (login,) = self._strings(await self._body(request), "login")
            await self.chat_code.request(login, self.auth.client_ip(request))
        except RequestError as err:
            return err.response()
        except ServiceError as err:
            return self._refusal(request, err, 429 if "too_many" in err.key else 400)
        locale = normalize_locale(_hint(request)) or self.translator.default
        # the same answer whether or not the account exists or has a chat
        return web.json_response({"ok": True, "message": self.translator(
            locale, "websignin.chat_code_sent")})

    async def _redeem_code(self, request: web.Request) -> web.Response:
        assert self.chat_code is not None
        try:
            login, code = self._strings(await self._body(request), "login", "code")
            person_id = await self.chat_code.redeem(login, code, self.auth.client_ip(request))
        except RequestError as err:
            return err.response()
        except ServiceError as err:
            return self._refusal(request, err, 429 if "too_many" in err.key else 401)
        return await self.auth.sign_in_response(request, person_id, "chat_code")

    # -- 3d: inside WeCom ------------------------------------------------------------

    async def _wecom_start(self, request: web.Request) -> web.StreamResponse:
        assert self.wecom is not None
        if not self.public_url:
            return self._page(request, "wecom_no_public_url", 503)
        state = secrets.token_urlsafe(18)
        query = urlencode({
            "appid": self.wecom.corp_id, "redirect_uri": self.public_url + WECOM_RETURN,
            "response_type": "code", "scope": "snsapi_base", "agentid": self.wecom.agent_id,
            "state": state,
        })
        response = web.Response(status=302, headers={
            "Location": f"{WECOM_AUTHORIZE}?{query}#wechat_redirect",
            "Cache-Control": "no-store"})
        response.set_cookie(STATE_COOKIE, state, max_age=STATE_MAX_AGE, path=WECOM_RETURN,
                            httponly=True, secure=self.auth.secure, samesite="Lax")
        return response

    async def _wecom_return(self, request: web.Request) -> web.StreamResponse:
        assert self.wecom is not None
        code = request.query.get("code", "")
        state = request.query.get("state", "")
        expected = request.cookies.get(STATE_COOKIE, "")
        if (len(request.query_string) > MAX_QUERY or not code or len(code) > MAX_PARAM
                or not state or len(state) > MAX_PARAM):
            return self._cleared(self._page(request, "wecom_bad_link", 400))
        if not expected or not secrets.compare_digest(state, expected):
            # no state cookie (a replayed or forged return, or a link opened elsewhere)
            return self._cleared(self._page(request, "wecom_bad_state", 400))
        try:
            user_id = await self.wecom.user_from_code(code)
        except Exception as exc:  # the WeCom API refused the code or is unreachable
            log.info("WeCom web sign-in: code not accepted (%s)", type(exc).__name__)
            user_id = None
        if not user_id:
            return self._cleared(self._page(request, "wecom_not_member", 403))
        try:
            person_id = await self.wecom.person_for(user_id)
        except ServiceError:
            return self._cleared(self._page(request, "wecom_unknown", 403))
        return self._cleared(await self.auth.sign_in_response(request, person_id, "wecom"))

    @staticmethod
    def _cleared(response: web.StreamResponse) -> web.StreamResponse:
        response.del_cookie(STATE_COOKIE, path=WECOM_RETURN)  # a state works once
        return response

    # -- 3e: Telegram Login Widget ---------------------------------------------------

    async def _telegram_return(self, request: web.Request) -> web.StreamResponse:
        assert self.telegram is not None
        if len(request.query_string) > MAX_QUERY:
            return self._page(request, "telegram_bad", 400)
        data = {key: request.query.getone(key) for key in request.query}
        if len(data) != len(request.query):  # a field given twice
            return self._page(request, "telegram_bad", 400)
        try:
            person_id = await self.telegram.person_for(data)
        except ServiceError as err:
            reason = err.key.rsplit(".", 1)[-1]
            return self._page(request, reason, 403 if reason == "telegram_unknown" else 400)
        return await self.auth.sign_in_response(request, person_id, "telegram")

"""The WeCom server API (the few JSON endpoints Houqin needs), called with aiohttp.

Why not wechatpy's `WeChatClient`: it is built on `requests`, so every call would block the
event loop (the Telegram long poll, the web chat and every other chat would stall while WeCom
answers). Running it in a worker thread would work, but its token storage is not made for
concurrent refreshes from several threads, and we only need six endpoints. So the JSON API is
called here with one shared aiohttp session (timeouts, cancellation, no threads), while wechatpy
is still used for what it does well and synchronously fast: callback crypto and XML parsing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp

from bot.core.redact import without_query
from bot.core.types import DeliveryError

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com/cgi-bin/"
# The token is renewed this long before WeCom says it expires (clock skew, slow requests).
REFRESH_MARGIN = 300.0
# Errcodes meaning "the access token is invalid or expired": fetch a new one and retry once.
TOKEN_ERRORS = frozenset({40014, 42001, 41001})
# Frequency limits: wait this long (seconds) before the outbox tries again.
RATE_LIMITS = {45009: 60.0, 45033: 5.0, 45011: 60.0, 45047: 60.0}
# Of those, the ones about the whole app (concurrency, the app's quota); 45009 may be about one
# member's limit only, so delivery decides from how many members are refused.
APP_WIDE_LIMITS = frozenset({45033, 45011, 45047})
# Errors that retrying cannot fix (bad user, bad message, app not allowed to message them).
PERMANENT = frozenset(
    {40003, 40008, 40031, 40056, 40058, 41009, 44004, 45002, 48002, 60011, 60020, 81013, 82001}
)
BUSY = -1  # "system busy": retried with the outbox's ordinary back-off
MAX_MEDIA_BYTES = 20 * 1024 * 1024  # the largest file WeCom stores


class WeComApiError(Exception):
    """WeCom answered with a non-zero errcode (`errcode` None: the request itself failed)."""

    def __init__(self, errcode: int | None, errmsg: str, path: str = ""):
        super().__init__(f"{path}: {errcode} {errmsg}".strip(": "))
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path


class WeComMediaTooLarge(WeComApiError):
    """media/get: the file is larger than we are willing to download."""

    def __init__(self, limit: int):
        super().__init__(None, f"file larger than {limit} bytes", "media/get")
        self.limit = limit


def delivery_error(exc: WeComApiError) -> DeliveryError:
    """Map an API failure to the outbox's terms: wait (rate limit), give up, or retry."""
    if exc.errcode in RATE_LIMITS:
        bot_wide = True if exc.errcode in APP_WIDE_LIMITS else None
        return DeliveryError(str(exc), retry_after=RATE_LIMITS[exc.errcode], bot_wide=bot_wide)
    if exc.errcode in PERMANENT:
        return DeliveryError(str(exc), permanent=True)
    return DeliveryError(str(exc))


class WeComApi:
    """An access-token-caching client for the WeCom JSON API."""

    def __init__(
        self,
        corp_id: str,
        secret: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.corp_id = corp_id
        self.secret = secret
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.clock = clock
        self._token: str | None = None
        self._token_until = 0.0
        self._token_lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session (a later call opens a new one)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    # --- access token --------------------------------------------------------------------------

    async def token(self) -> str:
        """The cached access token, fetched again shortly before it expires."""
        if self._token and self.clock() < self._token_until:
            return self._token
        async with self._token_lock:  # one gettoken for many concurrent callers
            if self._token and self.clock() < self._token_until:
                return self._token
            data = await self._request(
                "GET", "gettoken", {"corpid": self.corp_id, "corpsecret": self.secret}
            )
            token = str(data.get("access_token") or "")
            if not token:
                raise WeComApiError(None, "gettoken returned no access_token", "gettoken")
            expires_in = float(data.get("expires_in") or 7200)
            self._token = token
            self._token_until = self.clock() + max(expires_in - REFRESH_MARGIN, expires_in / 2)
            return token

    def _forget(self, token: str) -> None:
        if self._token == token:
            self._token, self._token_until = None, 0.0

    # --- requests ------------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        json: dict[str, Any] | None = None,
        form: Callable[[], aiohttp.FormData] | None = None,
    ) -> dict[str, Any]:
        """Call an authenticated endpoint (`form` builds a multipart body for each attempt)."""

        async def attempt(token: str) -> dict[str, Any]:
            query = {**(params or {}), "access_token": token}
            data = form() if form is not None else None
            return await self._request(method, path, query, json=json, data=data)

        return await self._authorized(attempt)

    async def _authorized(self, attempt: Callable[[str], Awaitable[T]]) -> T:
        """Run `attempt(token)`; when WeCom calls the token stale, once more with a new one."""
        token = await self.token()
        try:
            return await attempt(token)
        except WeComApiError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            log.info("wecom token rejected (%s), fetching a new one", exc.errcode)
            self._forget(token)
        return await attempt(await self.token())

    async def _request(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        *,
        json: dict[str, Any] | None = None,
        data: aiohttp.FormData | None = None,
    ) -> dict[str, Any]:
        try:
            async with self._http().request(
                method, self.base_url + path, params=params, json=json, data=data
            ) as resp:
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise _transport_error(exc, path) from None  # the cause quotes the URL
        return _checked(body, path)

    # --- endpoints -----------------------------------------------------------------------------

    async def send_message(self, body: dict[str, Any]) -> dict[str, Any]:
        """message/send: one message to up to 1000 users ("a|b|c")."""
        return await self.call("POST", "message/send", json=body)

    async def upload_media(self, kind: str, content: bytes, filename: str, mime: str) -> str:
        """media/upload: store a temporary file (3 days) and return its media_id."""
        def build() -> aiohttp.FormData:
            body = aiohttp.FormData()
            body.add_field("media", content, filename=filename, content_type=mime)
            return body

        data = await self.call("POST", "media/upload", {"type": kind}, form=build)
        return str(data["media_id"])

    async def get_media(self, media_id: str, max_bytes: int = MAX_MEDIA_BYTES) -> bytes:
        """media/get: the bytes of a file a user sent (JSON answers are errors)."""
        return await self._authorized(lambda token: self._download(media_id, token, max_bytes))

    async def _download(self, media_id: str, token: str, max_bytes: int) -> bytes:
        params = {"access_token": token, "media_id": media_id}
        try:
            async with self._http().get(self.base_url + "media/get", params=params) as resp:
                kind = resp.headers.get("Content-Type", "")
                if kind.startswith(("application/json", "text/plain")):
                    _checked(await resp.json(content_type=None), "media/get")
                    raise WeComApiError(None, "media/get answered JSON without data", "media/get")
                if resp.status != 200:
                    raise WeComApiError(None, f"HTTP {resp.status}", "media/get")
                content = bytearray()
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    content += chunk
                    if len(content) > max_bytes:
                        break
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise _transport_error(exc, "media/get") from None
        if len(content) > max_bytes:
            raise WeComMediaTooLarge(max_bytes)
        return bytes(content)

    async def create_menu(self, agent_id: str, menu: dict[str, Any]) -> None:
        """menu/create: replace the app's custom menu."""
        await self.call("POST", "menu/create", {"agentid": agent_id}, json=menu)

    async def list_departments(self, department_id: int = 1) -> list[dict]:
        """department/list: a department and all below it (id, name, parentid); names only
        when the app's visible range and permissions allow."""
        data = await self.call("GET", "department/list", {"id": department_id})
        return list(data.get("department") or [])

    async def list_users(self, department_id: int = 1, fetch_child: bool = True) -> list[dict]:
        """user/list: the members of a department (and its sub-departments)."""
        params = {"department_id": department_id, "fetch_child": int(fetch_child)}
        data = await self.call("GET", "user/list", params)
        return list(data.get("userlist") or [])

    async def user_from_code(self, code: str) -> str | None:
        """auth/getuserinfo: the member's userid behind an OAuth2 code (None: not a member)."""
        body = await self.call("GET", "auth/getuserinfo", {"code": code})
        return body.get("userid") or body.get("UserId") or None


def _transport_error(exc: Exception, path: str) -> WeComApiError:
    """A failed request as WeComApiError, without the URL query aiohttp quotes (it holds
    access_token, corpsecret or an OAuth code)."""
    return WeComApiError(None, f"{type(exc).__name__}: {without_query(str(exc))}", path)


def _checked(body: Any, path: str) -> dict[str, Any]:
    """The body when errcode is 0 (or absent), else WeComApiError."""
    if not isinstance(body, dict):
        raise WeComApiError(None, "answer is not a JSON object", path)
    errcode = body.get("errcode", 0)
    if errcode:
        raise WeComApiError(int(errcode), str(body.get("errmsg") or ""), path)
    return body

"""PTB's HTTP transport on aiohttp: the Bot API calls of python-telegram-bot, cheaper.

PTB's default transport (httpx, with httpcore, anyio and h11 underneath) spends more CPU on one
call than building, sending and parsing it takes on aiohttp, which the bot already runs for its own
server; every reply is one call, so this is most of the bot's cost per update. PTB keeps
everything else (method parameters, error mapping, flood control).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT = 5.0  # seconds, PTB's own default for connect, read and write
MEDIA_WRITE_TIMEOUT = 20.0  # uploads get longer to go out
POOL_SIZE = 256  # PTB's default for the calls other than getUpdates


def _seconds(value: Any, default: float | None) -> float | None:
    """A timeout PTB passed, or ours when it left it at its DEFAULT_NONE."""
    return default if value is BaseRequest.DEFAULT_NONE else value


class AiohttpRequest(BaseRequest):
    """A `telegram.request.BaseRequest` on one aiohttp session (a pool of `pool_size`
    connections)."""

    def __init__(self, pool_size: int = POOL_SIZE, read_timeout: float | None = DEFAULT_TIMEOUT):
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The read timeout used when PTB gives none."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (once)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP call: the parameters as a JSON body, or multipart with the files."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        headers = {"User-Agent": self.USER_AGENT}
        body: Any = None
        if files:
            body = aiohttp.FormData()
            for name, value in (request_data.json_parameters if request_data else {}).items():
                body.add_field(name, value)
            for name, (filename, content, mime) in files.items():
                data = content if isinstance(content, bytes) else content.read()
                body.add_field(name, data, filename=filename, content_type=mime)
        elif request_data is not None and request_data.parameters:
            # one JSON body: much cheaper to build than form fields percent-encoded one by one
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        read = _seconds(read_timeout, self._read_timeout)
        write = _seconds(write_timeout, MEDIA_WRITE_TIMEOUT if files else DEFAULT_TIMEOUT)
        # aiohttp has no write timeout of its own: the answer cannot come before the body is
        # written, so the read timeout also covers the write
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_seconds(pool_timeout, 1.0),  # waiting for a free connection of the pool
            sock_connect=_seconds(connect_timeout, DEFAULT_TIMEOUT),
            sock_read=None if read is None or write is None else read + write,
        )
        try:
            async with self._session.request(
                method, url, data=body, timeout=timeout, headers=headers
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


class JsonParameters(RequestData):
    """Ready JSON parameters of a call, for `call`: no PTB objects built for them."""

    def __init__(self, values: dict[str, Any]):
        super().__init__()  # no PTB parameters, so no files (those go through PTB's methods)
        self._values = values

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters as given."""
        return self._values

    @property
    def multipart_data(self) -> dict[str, Any]:
        """No files."""
        return {}


async def call(bot: Bot, method: str, values: dict[str, Any]) -> Any:
    """One Bot API call with plain JSON parameters, answered with the plain JSON result: for
    the calls every update makes (sendMessage, editMessageText, answerCallbackQuery), where
    PTB's objects for the parameters and for the message it returns cost more than the call.
    Telegram's refusals raise PTB's errors (BadRequest, RetryAfter, …) as PTB's methods do."""
    return await bot.request.post(f"{bot.base_url}/{method}", request_data=JsonParameters(values))

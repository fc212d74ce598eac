"""PTB's HTTP transport on aiohttp: the Bot API calls of python-telegram-bot, cheaper.

PTB's default transport (httpx, with httpcore, anyio and h11 underneath) spends more CPU on one
call than building, sending and parsing it takes on aiohttp, which the bot already runs for its own
server; every reply is one call, so this is most of the bot's cost per update. PTB keeps
everything else (method parameters, error mapping, flood control).
"""

from __future__ import annotations

from typing import Any

import aiohttp
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
        """One HTTP call: the parameters form-encoded, or multipart with the files."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else {}
        body: Any = fields
        if files:
            form = aiohttp.FormData()
            for name, value in fields.items():
                form.add_field(name, value)
            for name, (filename, content, mime) in files.items():
                data = content if isinstance(content, bytes) else content.read()
                form.add_field(name, data, filename=filename, content_type=mime)
            body = form
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
                method, url, data=body, timeout=timeout, headers={"User-Agent": self.USER_AGENT}
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err

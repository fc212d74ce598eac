"""Web Push delivery (platform "webpush"): one outbox row is one notification to one browser
subscription, sent with VAPID and aes128gcm through pywebpush's aiohttp client.

The adapter knows no database: it is given callables to look a subscription up (`target`),
and to report a gone subscription (404/410), a delivery and a retryable failure."""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Awaitable, Callable

import aiohttp
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async

from bot.core.types import Address, BaseAdapter, DeliveryError, Feed, Reply

log = logging.getLogger(__name__)

TTL_SECONDS = 24 * 3600  # a push waits this long at the push service for an offline browser
TIMEOUT_SECONDS = 15.0
GONE = (404, 410)

Target = Callable[[str], Awaitable[dict | None]]
Report = Callable[[str], Awaitable[None]]


class WebPushAdapter(BaseAdapter):
    """Sends queued notifications to browsers' push services."""

    platform = "webpush"

    def __init__(
        self,
        private_pem: Callable[[], Awaitable[str]],
        target: Target,
        gone: Report,
        delivered: Report,
        failed: Report,
        contact: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        ttl: int = TTL_SECONDS,
    ):
        self.private_pem = private_pem
        self.target = target
        self.gone = gone
        self.delivered = delivered
        self.failed = failed
        self.contact = contact
        self.ssl_context = ssl_context
        self.ttl = ttl
        self._vapid: Vapid | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self, feed: Feed) -> None:
        """Nothing comes in through Web Push; the HTTP client is opened on first use."""

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(ssl=self.ssl_context or True, limit=32)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def _signer(self) -> Vapid:
        if self._vapid is None:
            self._vapid = Vapid.from_pem((await self.private_pem()).encode())
        return self._vapid

    async def send(self, address: Address, reply: Reply) -> None:
        """Push one notification (the reply's text is its JSON); DeliveryError on failure,
        permanent when the subscription is gone."""
        chat_id = address.chat_id
        info = await self.target(chat_id)
        if info is None:
            raise DeliveryError("web push subscription was removed", permanent=True)
        try:
            urgent = bool(json.loads(reply.text).get("requireInteraction"))
        except (ValueError, AttributeError):
            urgent = False
        try:
            await webpush_async(
                info,
                data=reply.text,
                vapid_private_key=await self._signer(),
                vapid_claims={"sub": self.contact},  # a fresh dict: pywebpush fills aud and exp
                ttl=self.ttl,
                headers={"Urgency": "high" if urgent else "normal"},
                timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
                aiohttp_session=await self._client(),
            )
        except WebPushException as exc:
            status = exc.status_code
            if status in GONE:
                await self.gone(chat_id)
                raise DeliveryError(f"push subscription gone ({status})", permanent=True) from exc
            await self.failed(chat_id)
            raise DeliveryError(
                f"push service answered {status}", retry_after=_seconds(exc.retry_after)
            ) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            await self.failed(chat_id)
            raise DeliveryError(f"push service unreachable: {exc!r}") from exc
        await self.delivered(chat_id)

    async def fetch_file(self, ref: str) -> bytes:
        """Web Push carries no files."""
        raise KeyError(ref)

    async def stop(self) -> None:
        """Close the HTTP client."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def _seconds(value: str | None) -> float | None:
    """A Retry-After given in seconds (an HTTP date is ignored: the back-off applies)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None

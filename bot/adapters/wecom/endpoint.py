"""The WeCom callback endpoint (GET URL check, POST messages) on the shared aiohttp server.

A POST is verified, decrypted, parsed and answered at once: WeCom waits 5 seconds at most and
then retries. The update itself is handled in a task, one chat at a time in arrival order, so a
slow handler (a photo download, a busy database) never delays the HTTP answer.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from aiohttp import web

from bot.adapters.wecom.callback import (
    CallbackGuard,
    CallbackRejected,
    ReplayedCallback,
    passive_button_update,
)
from bot.adapters.wecom.inbound import Parsed, parse
from bot.core.chats import ChatScheduler
from bot.core.types import Accept, Feed, Incoming

log = logging.getLogger(__name__)

CALLBACK_PATH = "/wecom/callback"
MAX_BODY_BYTES = 256 * 1024  # callbacks are a few KB of encrypted XML
GREETING_INTERVAL = 6 * 3600.0  # enter_agent fires on every visit: greet at most this often
REMEMBERED = 50_000
V = TypeVar("V")


class Recent(Generic[V]):
    """A bounded mapping that forgets the entries written longest ago."""

    def __init__(self, limit: int = REMEMBERED):
        self.limit = limit
        self._items: OrderedDict[str, V] = OrderedDict()

    def get(self, key: str) -> V | None:
        """The value, or None."""
        return self._items.get(key)

    def put(self, key: str, value: V) -> None:
        """Store (as the newest entry), evicting the oldest beyond the limit."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def pop(self, key: str) -> None:
        """Forget one entry."""
        self._items.pop(key, None)


class CallbackEndpoint:
    """Receives WeCom callbacks and feeds their updates to the dispatcher."""

    def __init__(
        self,
        guard: CallbackGuard,
        corp_id: str,
        agent_id: str,
        *,
        choices: Recent[list[str]],
        card_labels: Recent[dict[str, str]],
        before_feed: Callable[[str], Awaitable[object]] | None = None,
        clock: Callable[[], float],
    ):
        self.guard = guard
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.choices = choices
        self.card_labels = card_labels
        self.before_feed = before_feed
        self.clock = clock
        self.greeted: Recent[float] = Recent()
        self.feed: Feed | None = None
        self.accept: Accept | None = None  # records an update before WeCom is told "got it"
        self.chats = ChatScheduler("WeCom")

    def mount(self, http_app: web.Application) -> None:
        """Add the GET and POST routes to the shared aiohttp app."""
        http_app.router.add_get(CALLBACK_PATH, self.verify_url)
        http_app.router.add_post(CALLBACK_PATH, self.callback)

    async def drain(self, timeout: float = 5.0) -> None:
        """Stop feeding; let updates in progress finish (up to `timeout`), cancel the rest."""
        self.feed = None
        await self.chats.drain(timeout)

    async def verify_url(self, request: web.Request) -> web.Response:
        """GET: WeCom checks the URL by sending an encrypted echostr we must decrypt."""
        try:
            echo = self.guard.verify_url(request.query)
        except CallbackRejected as exc:
            log.warning("WeCom URL verification refused: %s", exc.reason)
            return web.Response(status=exc.status, text=exc.reason)
        return web.Response(text=echo)

    async def callback(self, request: web.Request) -> web.Response:
        """POST: verify, decrypt, parse, answer at once; the update is handled in a task."""
        if self.feed is None:
            return web.Response(status=503, text="not running")
        body = await _read_limited(request, MAX_BODY_BYTES)
        if body is None:
            return web.Response(status=413, text="too large")
        try:
            parsed = parse(self.guard.open(request.query, body))
        except CallbackRejected as exc:
            log.warning("WeCom callback refused (%s) from %s", exc.reason, request.remote)
            return web.Response(status=exc.status, text=exc.reason)
        except ReplayedCallback as exc:
            log.warning("WeCom callback dropped: %s", exc)
            return web.Response(text="")  # accepted once already: nothing for WeCom to retry
        except ValueError as exc:
            log.warning("WeCom callback not understood: %s", exc)
            return web.Response(status=400, text="bad message")
        if parsed.agent_id and parsed.agent_id != self.agent_id:
            log.warning("WeCom callback for agent %s ignored (ours: %s)", parsed.agent_id,
                        self.agent_id)
            return web.Response(text="")
        if parsed.incoming is not None and self._wanted(parsed):
            try:
                fresh = self.accept is None or await self.accept(parsed.incoming)
            except Exception as exc:  # database locked or unreachable: WeCom sends it again
                log.warning("WeCom update %s not recorded (%r): answering 503",
                            parsed.incoming.update_id, exc)
                self.guard.forget(request.query)
                self.greeted.pop(parsed.incoming.user_id)
                return web.Response(status=503, text="busy, retry")
            if not fresh:
                return web.Response(text="")  # handled before: WeCom retried after a timeout
            self.schedule(parsed.incoming)
        return web.Response(text=self._passive_reply(parsed, request.query.get("nonce", "")))

    def _wanted(self, parsed: Parsed) -> bool:
        """Drop repeated greetings: WeCom sends enter_agent each time the app is opened."""
        if parsed.kind != "enter_agent" or parsed.incoming is None:
            return True
        user, now = parsed.incoming.user_id, self.clock()
        last = self.greeted.get(user)
        if last is not None and now - last < GREETING_INTERVAL:
            return False
        self.greeted.put(user, now)
        return True

    def _passive_reply(self, parsed: Parsed, nonce: str) -> str:
        """For a card tap we know: grey out the card's buttons, showing what was chosen."""
        incoming = parsed.incoming
        if parsed.card_key is None or incoming is None or not incoming.message_id:
            return ""
        label = (self.card_labels.get(incoming.message_id) or {}).get(parsed.card_key)
        if not label:
            return ""
        self.card_labels.pop(incoming.message_id)
        xml = passive_button_update(incoming.user_id, self.corp_id, label[:40],
                                    int(self.clock()))
        return self.guard.seal(xml, nonce)

    def schedule(self, incoming: Incoming) -> None:
        """Handle the update in a task (after the chat's earlier ones): the HTTP answer does
        not wait for it."""

        async def run() -> None:
            if self.feed is None:
                return
            if self.before_feed is not None:
                await self.before_feed(incoming.user_id)
            self._numbered_choice(incoming)
            if self.feed is not None:
                await self.feed(incoming)

        self.chats.schedule(incoming.chat_id, run)

    def _numbered_choice(self, incoming: Incoming) -> None:
        """A bare number answering our last numbered list becomes that button's payload."""
        if incoming.command or incoming.callback or incoming.photos or not incoming.text:
            return
        choices = self.choices.get(incoming.chat_id) or []
        try:
            number = int(incoming.text.strip())  # full-width digits ("２") count too
        except ValueError:
            return
        if 1 <= number <= len(choices):
            incoming.callback, incoming.text = choices[number - 1], None
            self.choices.pop(incoming.chat_id)  # answered: the same number typed again is text


async def _read_limited(request: web.Request, limit: int) -> bytes | None:
    """The request body, or None when it is larger than `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)

"""The notifier: every outgoing message is written to the outbox first, then delivered.

`send` and `push` try to deliver at once when the platform's rate limits allow it (a reply in a
conversation always does, ahead of anything queued); otherwise, and for bulk fan-out through
`enqueue`, the platform's delivery lane sends the queued rows in priority order within its limits
(see bot.delivery.lanes and bot.delivery.ratelimit). Failed sends stay in the outbox and are retried
with exponential back-off, honouring the platform's retry_after; `deliver_due` (called by the
scheduler) sends whatever is due. Several app instances on one database share the platforms'
limits (bot.delivery.workers): a chat another worker holds gets its messages through that one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from tortoise.transactions import in_transaction

from bot.core.i18n import Translator
from bot.core.types import Adapter, Address, Button, Reply
from bot.db import Statement
from bot.delivery.lanes import Lane
from bot.delivery.outbox import OutboxStore, Outgoing, now_utc
from bot.delivery.ratelimit import PlatformLimits, RateLimiter
from bot.delivery.workers import WorkerRegistry
from models.outbox import OutboxMessage
from models.people import Identity, Person

log = logging.getLogger(__name__)

__all__ = [
    "PRIORITY_BULK",
    "PRIORITY_DEFAULT",
    "PRIORITY_EMERGENCY",
    "PRIORITY_OFFER",
    "PRIORITY_REPLY",
    "PRIORITY_STAFF_ALERT",
    "Notifier",
    "Outgoing",
    "now_utc",
]

PRIORITY_REPLY = 1  # answers in a conversation, help calls in an emergency
PRIORITY_EMERGENCY = 2  # emergency broadcasts, their re-pushes, safety problems found on rounds
PRIORITY_OFFER = 2  # a job offered to a worker
PRIORITY_STAFF_ALERT = 3  # staff alerts about work: escalations, nobody available, low ratings
PRIORITY_DEFAULT = 5  # notifications about one's tickets and the like
PRIORITY_BULK = 8  # digests and reminders (lower numbers go first)
INLINE_MAX_WAIT = 3.0  # a reply waits this long for a slot at most, else the lane sends it

# Turns queued messages into extra deliveries of their own (Web Push notifications of web chat
# messages: bot.delivery.webpush); what it returns is queued as separate outbox rows.
Mirror = Callable[[Sequence[Outgoing]], Awaitable[list[Outgoing]]]


CHAT_CHUNK = 500


async def inactive_chats(addresses: Iterable[Address]) -> set[Address]:
    """Those of `addresses` that belong only to inactive people (deactivated by the roster)."""
    by_platform: dict[str, list[str]] = {}
    for address in addresses:
        by_platform.setdefault(address.platform, []).append(address.chat_id)
    gone: set[Address] = set()
    for platform, chats in by_platform.items():
        for start in range(0, len(chats), CHAT_CHUNK):
            chunk = chats[start:start + CHAT_CHUNK]
            rows = await Identity.filter(platform=platform, chat_id__in=chunk).values_list(
                "chat_id", "person__active")
            active = {chat for chat, is_active in rows if is_active}
            gone.update(Address(platform, chat) for chat, _ in rows if chat not in active)
    return gone


class Notifier:
    """Writes replies and pushes to the outbox and delivers them through the adapters."""

    def __init__(
        self,
        adapters: Mapping[str, Adapter],
        translator: Translator,
        max_attempts: int = 8,
        limits: Mapping[str, PlatformLimits] | None = None,
    ):
        self.adapters = adapters
        self.translator = translator
        self.max_attempts = max_attempts
        self.limits = dict(limits or {})
        self.store = OutboxStore(max_attempts)
        self.workers = WorkerRegistry(self.store, self._share)
        self._lanes: dict[str, Lane] = {}
        self._running = False
        self.mirror: Mirror | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    def lane(self, platform: str) -> Lane | None:
        """The delivery lane of a platform (None when no adapter serves it)."""
        lane = self._lanes.get(platform)
        adapter = self.adapters.get(platform)
        if lane is None and adapter is not None:
            limits = self.limits.get(platform) or adapter.rate_limits or PlatformLimits()
            limiter = RateLimiter(limits)
            limiter.share(self.workers.live)
            lane = Lane(platform, adapter, limiter, self.store)
            self._lanes[platform] = lane
            if self._running:
                lane.start()
        return lane

    async def start(self) -> None:
        """Join the live delivery workers and start the lanes (queued rows from before a
        restart go out first; after the other workers have slowed down, if there are any)."""
        wait = await self.workers.join() if self.adapters else 0.0  # sends nothing: no share
        self._running = True
        for platform in list(self.adapters):
            lane = self.lane(platform)
            if lane is not None:
                if wait:
                    lane.limiter.hold(wait)
                lane.start()
                lane.wake(0)

    async def stop(self) -> None:
        """Stop the lanes: calls in flight finish, untried rows go back to the queue."""
        self._running = False
        for lane in list(self._lanes.values()):
            await lane.stop()
        await self.store.close()
        await self.workers.leave()

    def _share(self, live: int) -> None:
        """`live` delivery workers now share the limits."""
        for lane in self._lanes.values():
            lane.limiter.share(live)

    # --- sending -------------------------------------------------------------------------------

    async def send(
        self,
        address: Address,
        reply: Reply,
        priority: int = PRIORITY_DEFAULT,
        *,
        idempotency_key: str | None = None,
        notify: bool | None = None,
        writes: Sequence[Statement] = (),
    ) -> OutboxMessage:
        """Queue one message and deliver it at once if the platform's limits allow (a reply,
        priority 1, waits for the next slot); with a key already used, nothing is sent again.

        `notify`: mirror it too (Web Push of a web chat message); by default everything but a
        reply in the conversation the person is in (priority 1) is. `writes`: statements that
        must be committed with the message or not at all (a conversation's new step and the
        question it asks), run in the transaction of its outbox row."""
        item = Outgoing(address, reply, priority, idempotency_key)
        row, fresh = await self._send(item, writes)
        if fresh and (notify if notify is not None else priority > PRIORITY_REPLY):
            await self._mirror([item])
        return row

    async def _send(
        self, item: Outgoing, writes: Sequence[Statement] = ()
    ) -> tuple[OutboxMessage, bool]:
        """Queue and maybe deliver one message; the row, and False when its key was queued
        before (the earlier row)."""
        address, priority = item.address, item.priority
        lane = self.lane(address.platform)
        refused = None if lane is not None else f"no adapter for {address.platform}"
        if refused is None and priority > PRIORITY_REPLY and await inactive_chats([address]):
            refused = "the person is inactive (gone from the roster): no pushes"
        if refused is not None:
            row, _ = await self.store.add(item, claimed=True, writes=writes)
            await self.store.failed(row, refused, None, True)
            return row, False
        chats = (address.chat_id,)
        if self.store.shared and await self.store.held_elsewhere(
            address.platform, address.chat_id, lane.chat_hold
        ):  # that worker paces the chat: it sends this one too
            return await self._queue(item, lane, writes)
        if await lane.queued_ahead(address.chat_id, priority):
            # the chat's earlier messages are still waiting: sent now, this one would overtake
            return await self._queue(item, lane, writes)
        urgent = (
            priority <= PRIORITY_REPLY
            and lane.limiter.next_free(chats) <= INLINE_MAX_WAIT
        )
        if not urgent and not lane.limiter.try_acquire(chats, priority):
            return await self._queue(item, lane, writes)
        try:
            row, fresh = await self.store.add(item, claimed=True, writes=writes)
        except BaseException:
            if not urgent:  # the slot taken is not used
                lane.limiter.done()
            raise
        if not fresh:
            if not urgent:
                lane.limiter.done()
            return row, False
        if urgent:
            await lane.limiter.acquire(chats, priority)
        await lane.send_now(row)  # tells the limiter when the call is over
        return row, True

    async def _queue(
        self, item: Outgoing, lane: Lane, writes: Sequence[Statement]
    ) -> tuple[OutboxMessage, bool]:
        """Leave the message to the lane, behind the chat's messages queued before it."""
        row, fresh = await self.store.add(item, writes=writes)
        if fresh:
            lane.note_waiting(item.address.chat_id, item.priority)
        lane.wake(item.priority)
        return row, fresh

    async def push(
        self,
        person: Person,
        key: str,
        buttons: list[list[Button]] | None = None,
        priority: int = PRIORITY_DEFAULT,
        **fields: Any,
    ) -> int:
        """Send a translated message to every identity of a person; returns how many were queued
        (none for someone no longer on the roster: inactive people get no pushes)."""
        if not person.active:
            return 0
        text = self.translator(person.locale, key, **fields)
        identities = await Identity.filter(person_id=person.id)
        for ident in identities:
            reply = Reply(text=text, buttons=buttons or [])
            await self.send(Address(ident.platform, ident.chat_id), reply, priority, notify=True)
        return len(identities)

    async def push_replies(self, person: Person, replies: Sequence[Reply], key: str,
                           priority: int = PRIORITY_BULK) -> int:
        """Send ready-made replies to every identity of a person, each once per identity
        (idempotency key `key:identity:n`, so a delivery run again sends nothing twice);
        returns how many identities they went to."""
        identities = await Identity.filter(person_id=person.id)
        for ident in identities:
            for n, reply in enumerate(replies):
                await self.send(Address(ident.platform, ident.chat_id), reply, priority,
                                idempotency_key=f"{key}:{ident.id}:{n}")
        return len(identities)

    async def enqueue(self, items: Iterable[Outgoing]) -> int:
        """Queue many messages for the lanes (a broadcast); messages whose idempotency key was
        queued before are skipped. Returns how many were newly queued.

        For platforms sending one call per message, delivery starts with the first rows
        written; for platforms that batch identical messages (WeCom), the rows appear at once,
        in one transaction, so the lane fills its calls. Chats of inactive people (gone from
        the roster) are left out."""
        items = list(items)
        gone = await inactive_chats({item.address for item in items})
        streamed: list[Outgoing] = []
        batched: list[Outgoing] = []
        for item in items:
            if item.address in gone:
                continue
            lane = self.lane(item.address.platform)
            (batched if lane is not None and lane.batch_limit > 1 else streamed).append(item)
        fresh = await self.store.add_many(streamed, self._wake) if streamed else []
        if batched:
            async with in_transaction():
                queued = await self.store.add_many(batched)
            self._wake(queued)
            fresh += queued
        await self._mirror(fresh)
        return len(fresh)

    async def _mirror(self, items: Sequence[Outgoing]) -> None:
        """Queue the mirrored deliveries of freshly queued messages; a failure here is logged
        and never undoes or delays the messages themselves."""
        if self.mirror is None or not items:
            return
        try:
            extra = await self.mirror(items)
            if extra:
                await self.store.add_many(extra, self._wake)
        except Exception:
            log.exception("could not queue the mirrored deliveries of %s messages", len(items))

    def _wake(self, queued: list[Outgoing]) -> None:
        """Tell the lanes what was queued: its chats have messages waiting, and how urgent."""
        lanes: dict[str, Lane | None] = {}
        urgency: dict[str, int] = {}
        for item in queued:
            platform = item.address.platform
            if platform not in lanes:
                lanes[platform] = self.lane(platform)
            lane = lanes[platform]
            if lane is not None:
                lane.note_waiting(item.address.chat_id, item.priority)
            urgency[platform] = min(urgency.get(platform, item.priority), item.priority)
        for platform, priority in urgency.items():
            lane = lanes[platform]
            if lane is not None:
                lane.wake(priority)

    async def deliver_due(self, limit: int = 200) -> int:
        """Deliver queued messages whose time has come, now; returns how many were sent."""
        await self.store.fail_orphans(self.adapters)
        sent = 0
        for platform in list(self.adapters):
            lane = self.lane(platform)
            if lane is not None and sent < limit:
                sent += await lane.drain(limit - sent)
        return sent

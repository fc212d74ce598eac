"""The outbox table's operations: queue (once-only keys), claim with a lease, mark, release.

A row is claimed by setting `status="sending"`, a random `lease` and `next_attempt_at` to the
lease's end, in one conditional UPDATE; a worker that dies mid-send leaves the row to be claimed
again once the lease runs out, so nothing queued is ever lost. A live worker renews the lease of
the rows it still holds (they may wait minutes for a per-chat slot) and sends a row only while
its lease is known to be valid, so a row is never sent by two workers.

Leases are timed by the database's clock (`DbClock`), not the machine's: two machines whose
clocks disagree still agree on when a lease runs out. With several delivery workers live
(`shared`), a claim also skips the chats another worker holds (rows under its live lease, or
sent by it within the chat's pacing interval), so each chat is paced by one worker at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q, Subquery
from tortoise.queryset import QuerySet

from bot.core.types import Address, Reply
from bot.db import Statement, database_now, execute_atomically
from models.outbox import OutboxMessage

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_BACKOFF = 600.0
ACTIVE = ("pending", "sending")
KEY_CHUNK = 500
FLUSH_DELAY = 0.05  # sent marks are written at most this late: a hard crash may resend those
CLAIMED_FIELDS = ("id", "chat_id", "payload", "priority", "group_key", "attempts", "lease")
# a row is sent only this long after its lease was last taken or renewed: the rest of the lease
# covers the call itself and a clock running a little fast elsewhere
SAFE_SHARE = 0.8
# a row due at once is written due this much earlier: the database clock estimated between
# readings may be a few milliseconds ahead, and a claim right after must find the row due
DUE_SLACK = timedelta(seconds=1)


_FIELDS = OutboxMessage._meta.fields_map
_INSERT_COLUMNS = tuple(
    name for name in OutboxMessage._meta.fields_db_projection if name != "id"
)
# one message queued by hand, not through Model.save (every reply is one): a once-only key
# already used inserts nothing and returns no id
_INSERT_SQL = (
    "INSERT INTO outbox_message ("
    + ", ".join(OutboxMessage._meta.fields_db_projection[n] for n in _INSERT_COLUMNS) + ") "
    f"VALUES ({', '.join('?' * len(_INSERT_COLUMNS))}) "
    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
)


def now_utc() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class DbClock:
    """The database's clock: read at every claim and renewal, estimated in between as the
    machine's clock (`machine`, injectable) plus the offset last measured."""

    def __init__(self, machine: Callable[[], datetime] = now_utc):
        self.machine = machine
        self.offset = timedelta(0)
        self.measured = False

    async def read(self) -> datetime:
        """The database's time now (and the machine clock's offset from it, remembered)."""
        before = self.machine()
        moment = await database_now()
        self.offset = moment - (before + (self.machine() - before) / 2)
        self.measured = True
        return moment

    async def estimate(self) -> datetime:
        """`now()`, once the offset has been measured (the first call reads the database)."""
        return self.now() if self.measured else await self.read()

    def now(self) -> datetime:
        """The database's time as estimated from the machine's clock."""
        return self.machine() + self.offset


def group_key_of(payload: dict[str, Any]) -> str | None:
    """Identical messages share a key (edits never do: each edits its own chat's message)."""
    if payload.get("edit_message_id"):
        return None
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha1(canonical).hexdigest()


@dataclass
class Claimed:
    """A leased outbox row, with what delivery needs of it."""

    id: int
    chat_id: str
    payload: dict[str, Any]
    priority: int
    group_key: str | None
    attempts: int
    lease: str | None = None
    held_until: float = math.inf  # time.monotonic() after which the lease may have run out

    @classmethod
    def of(cls, row: OutboxMessage) -> Claimed:
        """The delivery view of a row."""
        return cls(
            row.id, row.chat_id, row.payload, row.priority, row.group_key, row.attempts, row.lease
        )

    def held(self) -> bool:
        """Whether this worker's lease on the row is still valid for sure."""
        return time.monotonic() < self.held_until


@dataclass
class Outgoing:
    """One message to queue: where, what, how urgent, and an optional once-only key."""

    address: Address
    reply: Reply
    priority: int = 5
    idempotency_key: str | None = None

    def row(
        self,
        *,
        claimed: bool = False,
        cached: tuple[dict[str, Any], str | None] | None = None,
        lease: timedelta = LEASE,
        now: datetime | None = None,
        worker: str | None = None,
    ) -> OutboxMessage:
        """An unsaved outbox row (already claimed by `worker`, for `lease` from `now` on the
        database's clock, when it is about to be sent inline); `cached` is the reply's payload
        and group key when already computed."""
        payload, group = cached or self.payload()
        now = now or now_utc()
        return OutboxMessage(
            platform=self.address.platform,
            chat_id=self.address.chat_id,
            payload=payload,
            priority=self.priority,
            idempotency_key=self.idempotency_key,
            group_key=group,
            status="sending" if claimed else "pending",
            attempts=1 if claimed else 0,
            lease=secrets.token_hex(8) if claimed else None,
            next_attempt_at=now + lease if claimed else now - DUE_SLACK,
            worker=worker if claimed else None,
        )

    def payload(self) -> tuple[dict[str, Any], str | None]:
        """The serialized reply and its group key."""
        payload = self.reply.to_dict()
        return payload, group_key_of(payload)


class OutboxStore:
    """Database side of delivery; sent marks are written in small batches.

    `worker` names this process's claims; `shared` is set while other delivery workers are
    live (bot.delivery.workers), and claims then leave their chats to them."""

    def __init__(
        self,
        max_attempts: int = 8,
        lease: timedelta | None = None,
        clock: DbClock | None = None,
        worker: str | None = None,
    ):
        self.max_attempts = max_attempts
        self.lease = lease or LEASE
        self.clock = clock or DbClock()
        self.worker = worker or f"w-{secrets.token_hex(6)}"
        self.shared = False
        self._sent: list[int] = []
        self._flusher: asyncio.Task[None] | None = None

    async def add(
        self, item: Outgoing, *, claimed: bool = False, writes: Sequence[Statement] = ()
    ) -> tuple[OutboxMessage, bool]:
        """Queue one message, in one transaction with `writes` (statements committed with it
        or not at all); with a key already used, the earlier row and False (`writes` are
        committed all the same)."""
        now = await self.clock.estimate()
        row = item.row(claimed=claimed, lease=self.lease, now=now, worker=self.worker)
        values = [_FIELDS[name].to_db_value(getattr(row, name), row) for name in _INSERT_COLUMNS]
        *_, inserted = await execute_atomically([*writes, (_INSERT_SQL, values)])
        if not inserted:  # the key was queued before: nothing new is sent
            return await OutboxMessage.get(idempotency_key=item.idempotency_key), False
        row.id = inserted[0]["id"]
        row._saved_in_db = True
        return row, True

    async def add_many(
        self,
        items: Sequence[Outgoing],
        queued: Callable[[list[Outgoing]], None] | None = None,
    ) -> list[Outgoing]:
        """Queue many messages in bulk, chunk by chunk (`queued` is told after each, so delivery
        can start while the rest is written), skipping once-only keys already queued; returns
        the messages actually queued."""
        fresh: list[Outgoing] = []
        seen: set[str] = set()
        payloads: dict[int, tuple[dict[str, Any], str | None]] = {}
        await self.clock.estimate()
        for start in range(0, len(items), KEY_CHUNK):
            chunk = items[start : start + KEY_CHUNK]
            keys = [i.idempotency_key for i in chunk if i.idempotency_key]
            if keys:
                found = await OutboxMessage.filter(idempotency_key__in=keys).values_list(
                    "idempotency_key", flat=True
                )
                seen.update(str(k) for k in found)
            new: list[Outgoing] = []
            for item in chunk:
                if item.idempotency_key:
                    if item.idempotency_key in seen:
                        continue
                    seen.add(item.idempotency_key)
                new.append(item)
            if not new:
                continue
            rows = []
            for item in new:
                cached = payloads.get(id(item.reply))
                if cached is None:
                    cached = payloads[id(item.reply)] = item.payload()
                rows.append(item.row(cached=cached, now=self.clock.now()))
            await OutboxMessage.bulk_create(rows, ignore_conflicts=True)
            fresh += new
            if queued is not None:
                queued(new)
        return fresh

    async def claim(
        self, platform: str, limit: int, hold: timedelta = timedelta(0)
    ) -> list[Claimed]:
        """Lease up to `limit` due rows of one platform, most urgent first; while other workers
        are live, none of a chat they hold (or sent to less than `hold` ago)."""
        started = time.monotonic()
        now = await self.clock.read()
        due = OutboxMessage.filter(platform=platform, status__in=ACTIVE, next_attempt_at__lte=now)
        if self.shared:
            busy = self._held_elsewhere(platform, now, hold)
            due = due.exclude(chat_id__in=Subquery(busy.values("chat_id")))
        ids = await due.order_by("priority", "id").limit(limit).values_list("id", flat=True)
        if not ids:
            return []
        lease = secrets.token_hex(8)
        await OutboxMessage.filter(id__in=ids, status__in=ACTIVE, next_attempt_at__lte=now).update(
            status="sending", lease=lease, attempts=F("attempts") + 1,
            next_attempt_at=now + self.lease, worker=self.worker,
        )
        rows = (
            await OutboxMessage.filter(lease=lease)
            .order_by("priority", "id")
            .values(*CLAIMED_FIELDS)
        )
        held_until = self._held_until(started)
        claimed = [Claimed(**row, held_until=held_until) for row in rows]
        if self.shared and claimed:
            claimed = await self._leave_contested(platform, claimed, now, hold)
        return claimed

    def _held_elsewhere(self, platform: str, now: datetime, hold: timedelta) -> QuerySet[Any]:
        """Rows showing another worker holds their chat: under its live lease, or sent by it
        less than `hold` ago (its pacing of the chat still runs)."""
        held = Q(status="sending", next_attempt_at__gt=now)
        if hold > timedelta(0):
            held |= Q(status="sent", sent_at__gt=now - hold)
        return OutboxMessage.filter(held, platform=platform, worker__not_isnull=True).exclude(
            worker=self.worker
        )

    async def held_elsewhere(self, platform: str, chat: str, hold: timedelta) -> bool:
        """Whether another live worker holds the chat now (its messages go through that one)."""
        busy = self._held_elsewhere(platform, self.clock.now(), hold)
        return await busy.filter(chat_id=chat).exists()

    async def _leave_contested(
        self, platform: str, rows: list[Claimed], now: datetime, hold: timedelta
    ) -> list[Claimed]:
        """Give back the claimed rows of chats another worker took meanwhile (two claims at
        the same moment): checked after our claim is written, so of two such claims at most one
        keeps the chat (both may give it back; the next claim settles it)."""
        chats = sorted({r.chat_id for r in rows})
        contested: set[str] = set()
        for start in range(0, len(chats), KEY_CHUNK):
            chunk = chats[start : start + KEY_CHUNK]
            found = await self._held_elsewhere(platform, now, hold).filter(
                chat_id__in=chunk
            ).values_list("chat_id", flat=True)
            contested.update(str(c) for c in found)
        if not contested:
            return rows
        await self.release([r for r in rows if r.chat_id in contested])
        return [r for r in rows if r.chat_id not in contested]

    def _held_until(self, taken_at: float) -> float:
        """Until when a lease taken (or renewed) at monotonic `taken_at` is safe to send on."""
        return taken_at + self.lease.total_seconds() * SAFE_SHARE

    async def renew(self, rows: Sequence[Claimed]) -> set[int]:
        """Extend the lease of claimed rows still waiting to be sent; returns the ids still
        held (a row whose lease ran out and was claimed elsewhere is no longer ours)."""
        started = time.monotonic()
        now = await self.clock.read()
        by_lease: dict[str, list[int]] = {}
        for row in rows:
            if row.lease is not None:
                by_lease.setdefault(row.lease, []).append(row.id)
        kept: set[int] = set()
        for lease, ids in by_lease.items():
            for start in range(0, len(ids), KEY_CHUNK):
                chunk = ids[start : start + KEY_CHUNK]
                mine = OutboxMessage.filter(id__in=chunk, lease=lease, status="sending")
                if await mine.update(next_attempt_at=now + self.lease) == len(chunk):
                    kept.update(chunk)
                else:
                    kept.update(await mine.values_list("id", flat=True))
        held_until = self._held_until(started)
        for row in rows:
            if row.id in kept:
                row.held_until = held_until
        return kept

    async def mark_sent(self, ids: Iterable[int]) -> None:
        """Record delivery now."""
        ids = list(ids)
        if ids:
            await OutboxMessage.filter(id__in=ids).update(
                status="sent", sent_at=self.clock.now(), last_error=None, lease=None
            )

    def sent_later(self, ids: Iterable[int]) -> None:
        """Record delivery within a few milliseconds (one UPDATE for many sends)."""
        self._sent.extend(ids)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_DELAY)
        with contextlib.suppress(Exception):  # logged by flush; kept for the next flush
            await self.flush()

    async def flush(self) -> None:
        """Write the sent marks not written yet."""
        while self._sent:
            ids, self._sent = self._sent, []
            try:
                await self.mark_sent(ids)
            except Exception:
                log.exception("could not mark %s outbox rows sent", len(ids))
                self._sent[:0] = ids
                raise

    async def close(self) -> None:
        """Flush and stop the background flusher."""
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._flusher
        await self.flush()

    async def failed(
        self, row: Claimed | OutboxMessage, error: str, retry_after: float | None, permanent: bool
    ) -> None:
        """Schedule the next attempt (or give up), honouring the platform's retry_after.

        A "retry after" is a wait, not an error: that attempt is not counted, so a message
        that is only being rate-limited is never given up."""
        mine = OutboxMessage.filter(id=row.id)
        if row.lease is not None:  # claimed elsewhere meanwhile: that worker decides
            mine = mine.filter(lease=row.lease)
        if retry_after and not permanent:
            log.info("outbox %s rate-limited, retry in %.1fs: %s", row.id, retry_after, error)
            await mine.update(
                status="pending",
                last_error=error[:2000],
                lease=None,
                attempts=F("attempts") - 1,
                next_attempt_at=self.clock.now() + timedelta(seconds=retry_after),
            )
            return
        give_up = permanent or row.attempts >= self.max_attempts
        delay = retry_after if retry_after is not None else min(2.0**row.attempts, MAX_BACKOFF)
        log.warning("outbox %s attempt %s failed: %s", row.id, row.attempts, error)
        await mine.update(
            status="failed" if give_up else "pending",
            last_error=error[:2000],
            lease=None,
            next_attempt_at=self.clock.now() + timedelta(seconds=delay),
        )

    async def release(self, rows: Iterable[Claimed]) -> None:
        """Give claimed rows back untried: due at once, the attempt not counted (rows claimed
        by another worker meanwhile stay its own)."""
        by_lease: dict[str | None, list[int]] = {}
        for row in rows:
            by_lease.setdefault(row.lease, []).append(row.id)
        for lease, ids in by_lease.items():
            mine = OutboxMessage.filter(id__in=ids, status="sending")
            if lease is not None:
                mine = mine.filter(lease=lease)
            await mine.update(
                status="pending", lease=None, attempts=F("attempts") - 1,
                next_attempt_at=self.clock.now() - DUE_SLACK,
            )

    async def defer(self, due: Iterable[tuple[Claimed, datetime]]) -> None:
        """Give claimed rows back untried, each due at its time (when its chat is free);
        the attempt is not counted (rows claimed by another worker meanwhile stay its own)."""
        groups: dict[tuple[str | None, datetime], list[int]] = {}
        for row, moment in due:
            groups.setdefault((row.lease, moment), []).append(row.id)
        for (lease, moment), ids in groups.items():
            mine = OutboxMessage.filter(id__in=ids, status="sending")
            if lease is not None:
                mine = mine.filter(lease=lease)
            await mine.update(
                status="pending", lease=None, attempts=F("attempts") - 1, next_attempt_at=moment
            )

    async def waiting_priority(self, platform: str, chat: str) -> int | None:
        """The most urgent priority among the chat's messages not sent yet (None: none)."""
        row = (
            await OutboxMessage.filter(platform=platform, chat_id=chat, status__in=ACTIVE)
            .order_by("priority")
            .first()
            .values("priority")
        )
        return row["priority"] if row else None

    async def next_due(self, platform: str) -> datetime | None:
        """When the platform's earliest waiting row becomes due (None when nothing waits)."""
        row = (
            await OutboxMessage.filter(platform=platform, status__in=ACTIVE)
            .order_by("next_attempt_at")
            .first()
            .values("next_attempt_at")
        )
        return row["next_attempt_at"] if row else None

    async def fail_orphans(self, platforms: Iterable[str]) -> int:
        """Give up on due rows for platforms nobody can send to."""
        return (
            await OutboxMessage.filter(status__in=ACTIVE, next_attempt_at__lte=self.clock.now())
            .exclude(platform__in=list(platforms))
            .update(status="failed", last_error="no adapter for this platform", lease=None)
        )

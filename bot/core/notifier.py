"""The notifier: every outgoing message is written to the outbox first, then delivered.

A failed send stays in the outbox and is retried by `deliver_due` (called periodically by the
scheduler) with exponential back-off, honouring the platform's retry_after.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.i18n import Translator
from bot.core.types import Adapter, Address, Button, DeliveryError, Reply
from models.outbox import OutboxMessage
from models.people import Identity, Person

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_BACKOFF = 600.0


def now_utc() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Notifier:
    """Writes replies and pushes to the outbox and delivers them through the adapters."""

    def __init__(
        self, adapters: Mapping[str, Adapter], translator: Translator, max_attempts: int = 8
    ):
        self.adapters = adapters
        self.translator = translator
        self.max_attempts = max_attempts

    async def send(self, address: Address, reply: Reply, priority: int = 5) -> OutboxMessage:
        """Queue one message and try to deliver it at once."""
        row = await OutboxMessage.create(
            platform=address.platform,
            chat_id=address.chat_id,
            payload=reply.to_dict(),
            priority=priority,
            next_attempt_at=now_utc(),
        )
        await self._attempt(row)
        return row

    async def push(
        self,
        person: Person,
        key: str,
        buttons: list[list[Button]] | None = None,
        priority: int = 5,
        **fields: Any,
    ) -> int:
        """Send a translated message to every identity of a person; returns how many were queued."""
        text = self.translator(person.locale, key, **fields)
        identities = await Identity.filter(person_id=person.id)
        for ident in identities:
            reply = Reply(text=text, buttons=buttons or [])
            await self.send(Address(ident.platform, ident.chat_id), reply, priority)
        return len(identities)

    async def deliver_due(self, limit: int = 200) -> int:
        """Deliver queued messages whose time has come; returns how many were sent."""
        due = (
            await OutboxMessage.filter(
                status__in=("pending", "sending"), next_attempt_at__lte=now_utc()
            )
            .order_by("priority", "id")
            .limit(limit)
        )
        sent = 0
        for row in due:
            sent += await self._attempt(row)
        return sent

    async def _claim(self, row: OutboxMessage) -> bool:
        """Take the row for one attempt; False when another worker got it first."""
        claimed = await OutboxMessage.filter(
            id=row.id, attempts=row.attempts, status__in=("pending", "sending")
        ).update(status="sending", attempts=row.attempts + 1, next_attempt_at=now_utc() + LEASE)
        if claimed:
            row.attempts += 1
        return bool(claimed)

    async def _attempt(self, row: OutboxMessage) -> int:
        if not await self._claim(row):
            return 0
        adapter = self.adapters.get(row.platform)
        try:
            if adapter is None:
                raise DeliveryError(f"no adapter for {row.platform}", permanent=True)
            await adapter.send(Address(row.platform, row.chat_id), Reply.from_dict(row.payload))
        except DeliveryError as exc:
            await self._failed(row, str(exc), exc.retry_after, exc.permanent)
            return 0
        except Exception as exc:  # an adapter bug must not lose the message
            log.exception("adapter %s failed to send outbox %s", row.platform, row.id)
            await self._failed(row, repr(exc), None, False)
            return 0
        await OutboxMessage.filter(id=row.id).update(
            status="sent", sent_at=now_utc(), last_error=None
        )
        return 1

    async def _failed(
        self, row: OutboxMessage, error: str, retry_after: float | None, permanent: bool
    ) -> None:
        give_up = permanent or row.attempts >= self.max_attempts
        delay = retry_after if retry_after is not None else min(2.0**row.attempts, MAX_BACKOFF)
        log.warning("outbox %s attempt %s failed: %s", row.id, row.attempts, error)
        await OutboxMessage.filter(id=row.id).update(
            status="failed" if give_up else "pending",
            last_error=error[:2000],
            next_attempt_at=now_utc() + timedelta(seconds=delay),
        )

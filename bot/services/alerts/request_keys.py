"""Idempotency keys of `POST /api/alerts`: the same key within 24 hours names the first alert,
decided by the key's primary key in the database (two parallel requests: one raises, the other
is told)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.core.errors import ServiceError
from models.alerts import Alert, AlertRequestKey

KEY_TTL = timedelta(hours=24)
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII, no spaces


@dataclass(frozen=True)
class KeyClaim:
    """What a key says: new (go on and raise the alert), or the alert its first request raised
    (None while that request is still running)."""

    new: bool
    alert: Alert | None = None


def check_key(key: object) -> str:
    """The key as given, or ServiceError when it is not 1–128 printable ASCII characters."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise ServiceError("alerts.bad_request_key")
    return key


async def claim_key(key: str, now: datetime | None = None) -> KeyClaim:
    """Claim `key` for a new alert, or find what its first request (within 24 h) raised."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    await AlertRequestKey.filter(created_at__lt=now - KEY_TTL).delete()
    try:
        async with in_transaction():
            await AlertRequestKey.create(key=key, created_at=now)
        return KeyClaim(new=True)
    except IntegrityError:
        row = await AlertRequestKey.get_or_none(key=key).prefetch_related("alert")
        return KeyClaim(new=False, alert=row.alert if row else None)


async def settle_key(key: str, alert: Alert) -> None:
    """Record the alert that the key's request raised."""
    await AlertRequestKey.filter(key=key).update(alert_id=alert.id)


async def release_key(key: str) -> None:
    """Forget a key whose request raised nothing (refused), so a corrected retry can use it."""
    await AlertRequestKey.filter(key=key, alert_id=None).delete()

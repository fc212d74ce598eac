"""Managers' digest (日报/周报/月报) job: each manager gets yesterday's digest once per local
day at or after the time they chose (08:00 by default), and, when switched on, last week's on
Mondays and last month's on the 1st at the same time."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.types import Address
from bot.services.container import Services
from bot.services.digest.figures import Digest
from bot.services.digest.views import messages
from models.people import Identity, Person


async def digest_tick(services: Services, now: datetime | None = None) -> int:
    """Send the digests that are due by `now`; returns how many digests went out."""
    when = now or datetime.now(UTC)
    service = services.digest
    sent = 0
    for person, sections, period in await service.due_managers(when):
        report = await service.build(person, period, sections)
        await deliver(services, person, report)
        sent += 1
    return sent


async def deliver(services: Services, person: Person, d: Digest) -> int:
    """Queue the scheduled digest to every identity of `person` (once per identity and span,
    by idempotency key); returns how many identities it went to."""
    notifier = services.notifier
    replies = messages(d, notifier.translator, person.locale, today=False)
    identities = await Identity.filter(person_id=person.id)
    kind = "" if d.period.kind == "day" else f"{d.period.kind}:"
    for ident in identities:
        for n, reply in enumerate(replies):
            key = f"digest:{ident.id}:{kind}{d.day.isoformat()}:{n}"
            await notifier.send(Address(ident.platform, ident.chat_id), reply,
                                idempotency_key=key)
    return len(identities)

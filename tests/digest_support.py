"""Fixtures for the digest tests: tickets, deadlines, jobs, ratings and alerts with explicit
timestamps on local days of November 2026 (Asia/Shanghai)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from models.alerts import Alert, AlertRecipient
from models.dispatch import Job, TicketSla
from models.followup import FollowUp, RepeatFailure
from models.people import Person
from models.places import Place
from models.repairs import Ticket, TicketEvent

TZ = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def local(hour: int, minute: int = 0, day: int = 20) -> datetime:
    """A local time on a November 2026 day, as stored: in UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def when(month: int, day: int, hour: int, minute: int = 0, tz: ZoneInfo = TZ) -> datetime:
    """A local time on any 2026 day in `tz`, as stored: in UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


async def ticket(reporter: Person, place: str, category: str, created: datetime,
                 status: str = "submitted") -> Ticket:
    """A ticket created at `created`."""
    row = await Ticket.create(number=f"R-T-{next(_numbers):04d}", reporter=reporter,
                              place=await Place.get(code=place), category=category,
                              description="test", status=status)
    await Ticket.filter(id=row.id).update(created_at=created)
    return row


async def event(t: Ticket, to_status: str, at: datetime) -> None:
    """A status change of `t` at `at`."""
    row = await TicketEvent.create(ticket=t, kind="status", to_status=to_status)
    await TicketEvent.filter(id=row.id).update(created_at=at)


async def sla(t: Ticket, started: datetime, response_due: datetime, resolution_due: datetime,
              responded: datetime | None = None, resolved: datetime | None = None) -> None:
    """The ticket's stored deadlines and when they were met."""
    await TicketSla.create(ticket=t, started_at=started, response_due=response_due,
                           resolution_due=resolution_due, responded_at=responded,
                           resolved_at=resolved)


async def job_done(t: Ticket, worker: Person, finished: datetime, role: str = "primary") -> None:
    """A finished job of `worker` on `t`."""
    start = finished - timedelta(hours=2)
    await Job.create(ticket=t, worker=worker, role=role, status="done", offered_at=start,
                     expires_at=start, valid_until=start, answered_at=start,
                     finished_at=finished)


async def rating(t: Ticket, worker: Person, score: int, answered: datetime) -> None:
    """A follow-up answered with a score."""
    await FollowUp.create(ticket=t, worker=worker, asked_at=answered - timedelta(hours=1),
                          due_at=answered + timedelta(days=1), answer="fixed",
                          answered_at=answered, score=score)


async def alert(created: datetime, statuses: list[str], people: list[Person]) -> None:
    """An alert raised at `created` with one recipient per status."""
    row = await Alert.create(template="water", audience_kind="everyone")
    await Alert.filter(id=row.id).update(created_at=created)
    for person, status in zip(people, statuses, strict=False):
        await AlertRecipient.create(alert=row, person=person, status=status)


async def repeat(t: Ticket, at: datetime) -> None:
    """A repeat failure flagged on `t`."""
    await RepeatFailure.create(ticket=t, place_id=t.place_id, category=t.category, count=3,
                               window_days=30, created_at=at)  # type: ignore[attr-defined]

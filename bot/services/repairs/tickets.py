"""Repair tickets: numbering, creation, duplicates, history, notes, cancellation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError, require_role
from bot.db import fetch_models
from bot.services.assets import check_reportable, sync_asset
from bot.services.repairs.categories import CategorySet, shipped
from bot.services.repairs.ticket_media import (
    MAX_SHOWN,
    SHOWN_KINDS,
    MediaCounts,
    media_counts,
    ticket_media,
)
from models.assets import Asset
from models.audit import AuditLog
from models.people import Person
from models.places import Place
from models.repairs import (
    OPEN_STATUSES,
    URGENCIES,
    Attachment,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketFollower,
)

STAFF_ROLES = ("worker", "manager", "dorm_admin")
# A worker's progress: accepted -> on_the_way -> arrived -> in_progress -> done (steps may be
# skipped); a job taken away goes back to assigned (offered to someone else) or submitted.
_WORKING = ("on_the_way", "arrived", "in_progress", "done", "assigned", "submitted", "closed")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submitted": ("assigned", "accepted", "cancelled", "closed"),
    "assigned": ("accepted", "submitted", "cancelled", "closed"),
    "accepted": _WORKING,
    "on_the_way": _WORKING[1:],
    "arrived": _WORKING[2:],
    "in_progress": _WORKING[3:],
    "done": ("closed", "reopened"),
    "reopened": ("assigned", "accepted", *_WORKING),
    "closed": (),
    "cancelled": (),
}
STAFF_ONLY_EVENTS = ("declined", "stock_not_deducted")
REPORTER_CANCELLABLE = ("submitted", "assigned")

# the look-ups a report runs, written by hand (bot.db.fetch_models)
_OPEN_DUPLICATE = (
    "WHERE place_id = ? AND category = ? AND status IN ("
    + ", ".join("?" * len(OPEN_STATUSES)) + ") ORDER BY id LIMIT 1"
)
_MINE_AND_FOLLOWED = (
    "WHERE reporter_id = ? OR id IN (SELECT ticket_id FROM ticket_follower WHERE person_id = ?)"
    " ORDER BY id DESC LIMIT ?"
)


@dataclass
class TicketDetail:
    """A ticket with what its detail view shows."""

    ticket: Ticket
    place: Place
    events: list[TicketEvent]
    photo_count: int
    follower_count: int
    is_reporter: bool
    media: MediaCounts = field(default_factory=MediaCounts)


class RepairService:
    """The rules of repair tickets."""

    def __init__(self, timezone: str = "Asia/Shanghai", categories: CategorySet | None = None):
        self.tz = ZoneInfo(timezone)
        self.categories = categories or shipped()

    async def _next_number(self, conn: object, now: datetime) -> str:
        day = now.astimezone(self.tz).strftime("%Y%m%d")
        try:
            async with in_transaction():
                await TicketCounter.get_or_create(day=day)
        except IntegrityError:  # another request created today's counter first
            pass
        await TicketCounter.filter(day=day).using_db(conn).update(last_seq=F("last_seq") + 1)
        counter = await TicketCounter.get(day=day).using_db(conn)
        return f"R-{day}-{counter.last_seq:04d}"

    async def open_duplicate(self, place: Place, category: str) -> Ticket | None:
        """The oldest open ticket for the same place and category, if any."""
        found = await fetch_models(Ticket, _OPEN_DUPLICATE, [place.id, category, *OPEN_STATUSES])
        return found[0] if found else None

    async def create(
        self,
        reporter: Person,
        place: Place,
        category: str,
        description: str,
        urgency: str = "normal",
        attachment_ids: list[int] | None = None,
        now: datetime | None = None,
        asset: Asset | None = None,
    ) -> Ticket:
        """File a new ticket with its photos (optionally on one asset at that place); numbered
        R-YYYYMMDD-NNNN in local time."""
        require_role(reporter, "reporter")
        check_reportable(asset, place)
        if category not in self.categories:
            raise ServiceError("repair.bad_category")
        if urgency not in URGENCIES:
            raise ServiceError("repair.bad_urgency")
        text = description.strip()
        if not text:
            raise ServiceError("repair.need_description")
        async with in_transaction() as conn:
            number = await self._next_number(conn, now or datetime.now(UTC))
            ticket = await Ticket.create(
                number=number,
                reporter=reporter,
                place=place,
                category=category,
                description=text[:4000],
                urgency=urgency,
                status="submitted",
                asset=asset,
                using_db=conn,
            )
            if attachment_ids:
                await (
                    Attachment.filter(id__in=attachment_ids, owner_id=reporter.id, ticket_id=None)
                    .using_db(conn)
                    .update(ticket_id=ticket.id)
                )
            await TicketEvent.create(
                ticket=ticket, actor=reporter, kind="created", to_status="submitted", using_db=conn
            )
            await AuditLog.create(
                actor=reporter,
                action="ticket.create",
                target=number,
                detail={"place": place.code, "category": category},
                using_db=conn,
            )
        await sync_asset(ticket, reporter, now)
        return ticket

    async def get(self, number: str) -> Ticket:
        """A ticket by its number."""
        ticket = await Ticket.get_or_none(number=number.strip().upper())
        if ticket is None:
            raise NotFound("tickets.unknown", number=number[:30])
        return ticket

    async def get_by_id(self, ticket_id: int) -> Ticket:
        """A ticket by its id."""
        found = await fetch_models(Ticket, "WHERE id = ?", [ticket_id])
        if not found:
            raise NotFound("tickets.unknown", number=str(ticket_id))
        return found[0]

    async def follow(self, ticket_id: int, person: Person) -> Ticket:
        """Say "me too" on an open ticket: the person then gets its updates."""
        ticket = await self.get_by_id(ticket_id)
        if ticket.status not in OPEN_STATUSES:
            raise InvalidState("tickets.not_open", number=ticket.number)
        if ticket.reporter_id != person.id:
            _, created = await TicketFollower.get_or_create(ticket=ticket, person=person)
            if created:
                await TicketEvent.create(ticket=ticket, actor=person, kind="followed")
                await AuditLog.create(actor=person, action="ticket.follow", target=ticket.number)
        return ticket

    async def for_person(self, person: Person, limit: int = 10) -> list[Ticket]:
        """The person's own and followed tickets, newest first."""
        tickets = await fetch_models(Ticket, _MINE_AND_FOLLOWED, [person.id, person.id, limit])
        if tickets:
            await Ticket.fetch_for_list(tickets, "place")
        return tickets

    async def _visible(self, ticket: Ticket, viewer: Person) -> bool:
        if ticket.reporter_id == viewer.id or viewer.has_role(*STAFF_ROLES):
            return True
        return await TicketFollower.exists(ticket_id=ticket.id, person_id=viewer.id)

    async def detail(self, number: str, viewer: Person) -> TicketDetail:
        """A ticket with history and counts, if the viewer may see it."""
        ticket = await self.get(number)
        if not await self._visible(ticket, viewer):
            raise NotFound("tickets.unknown", number=number[:30])
        query = TicketEvent.filter(ticket_id=ticket.id).order_by("id")
        if not viewer.has_role(*STAFF_ROLES):  # workers' decline reasons are internal
            query = query.exclude(kind__in=STAFF_ONLY_EVENTS)
        events = await query
        return TicketDetail(
            ticket=ticket,
            place=await Place.get(id=ticket.place_id),
            events=list(events),
            photo_count=await Attachment.filter(ticket_id=ticket.id, kind="photo").count(),
            follower_count=await TicketFollower.filter(ticket_id=ticket.id).count(),
            is_reporter=ticket.reporter_id == viewer.id,
            media=await media_counts(ticket.id),
        )

    async def media(self, number: str, viewer: Person) -> list[Attachment]:
        """The ticket's photos, videos and voice notes (the report's and the result's) still
        on disk, oldest first, if the viewer may see the ticket."""
        ticket = await self.get(number)
        if not await self._visible(ticket, viewer):
            raise NotFound("tickets.unknown", number=number[:30])
        return await ticket_media(ticket.id, SHOWN_KINDS, MAX_SHOWN)

    async def add_note(
        self, number: str, person: Person, text: str, attachment_ids: list[int] | None = None
    ) -> Ticket:
        """The reporter adds a note and/or photos, videos, voice notes to their open ticket."""
        ticket = await self.get(number)
        if ticket.reporter_id != person.id:
            raise PermissionDenied("tickets.only_reporter")
        if ticket.status not in OPEN_STATUSES:
            raise InvalidState("tickets.not_open", number=ticket.number)
        async with in_transaction():
            if attachment_ids:
                await Attachment.filter(
                    id__in=attachment_ids, owner_id=person.id, ticket_id=None
                ).update(ticket_id=ticket.id)
            await TicketEvent.create(
                ticket=ticket, actor=person, kind="note", note=(text or "").strip()[:2000] or None
            )
            await AuditLog.create(actor=person, action="ticket.note", target=ticket.number)
        return ticket

    async def cancel(self, number: str, person: Person, reason: str = "") -> Ticket:
        """The reporter withdraws a ticket nobody has started on."""
        ticket = await self.get(number)
        if ticket.reporter_id != person.id:
            raise PermissionDenied("tickets.only_reporter")
        if ticket.status not in REPORTER_CANCELLABLE:
            raise InvalidState("tickets.cannot_cancel", number=ticket.number)
        await self.transition(ticket, "cancelled", person, reason)
        return ticket

    async def transition(
        self, ticket: Ticket, to: str, actor: Person | None, note: str = ""
    ) -> None:
        """Move a ticket to another status, recording history and audit (checked, race-safe)."""
        if to not in TRANSITIONS.get(ticket.status, ()):
            raise InvalidState("tickets.bad_transition", number=ticket.number)
        async with in_transaction():
            moved = await Ticket.filter(id=ticket.id, status=ticket.status).update(status=to)
            if not moved:
                raise InvalidState("tickets.changed_meanwhile", number=ticket.number)
            await TicketEvent.create(
                ticket=ticket,
                actor=actor,
                kind="status",
                from_status=ticket.status,
                to_status=to,
                note=note.strip()[:2000] or None,
            )
            await AuditLog.create(
                actor=actor,
                action=f"ticket.{to}",
                target=ticket.number,
                detail={"from": ticket.status},
            )
        ticket.status = to
        await sync_asset(ticket, actor)

    async def list_open(self, actor: Person, limit: int = 20) -> list[Ticket]:
        """Open tickets, oldest first, for staff only."""
        require_role(actor, *STAFF_ROLES)
        return (
            await Ticket.filter(status__in=OPEN_STATUSES)
            .order_by("id")
            .limit(limit)
            .prefetch_related("place")
        )

    async def watchers(self, ticket: Ticket) -> list[Person]:
        """Everyone to tell about a ticket's changes: the reporter and followers."""
        follower_ids = await TicketFollower.filter(ticket_id=ticket.id).values_list(
            "person_id", flat=True
        )
        return await Person.filter(id__in=[ticket.reporter_id, *follower_ids], active=True)

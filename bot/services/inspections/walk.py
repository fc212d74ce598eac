"""Walking a round: the worker's due rounds, start, one answer per item (stored at once, a
problem becomes a repair ticket), and the round done when every item is answered."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, ServiceError, require_role
from bot.services.inspections.base import ROUND_ROLES, InspectionBase, RoundView, utc
from models.audit import AuditLog
from models.inspections import OPEN_ROUND_STATES, InspectionAnswer, InspectionItem, InspectionRound
from models.people import Person
from models.repairs import Ticket

MAX_NOTE = 500
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(.*?)\s*$")


def parse_reading(text: str, unit: str | None = None) -> float:
    """A typed reading: "0.35", "0,35", "０.３５", "0.35 MPa" (the item's unit may follow)."""
    clean = unicodedata.normalize("NFKC", text or "").replace(",", ".")
    found = _NUMBER.match(clean)
    if not found or (found[2] and found[2].lower() != (unit or "").lower()):
        raise ServiceError("inspections.not_a_number", text=(text or "")[:30])
    return float(found[1])


def in_range(item: InspectionItem, value: float) -> bool:
    """Whether a reading lies within the item's allowed range (bounds included)."""
    if item.min_value is not None and value < item.min_value:
        return False
    return item.max_value is None or value <= item.max_value


@dataclass
class Answered:
    """What one answer did: the stored answer, its ticket, and the round afterwards."""

    answer: InspectionAnswer
    item: InspectionItem
    ticket: Ticket | None
    view: RoundView
    finished: bool


class InspectionWalk(InspectionBase):
    """What a worker does with the rounds assigned to them."""

    async def due_rounds(self, person: Person) -> list[RoundView]:
        """The person's open rounds, oldest first."""
        require_role(person, *ROUND_ROLES)
        rows = await InspectionRound.filter(
            worker_id=person.id, state__in=OPEN_ROUND_STATES
        ).order_by("due_at", "id").limit(20)
        return [await self.view(r.id) for r in rows]

    async def own_round(self, person: Person, round_id: int) -> RoundView:
        """A round the person may answer now: theirs and still open."""
        require_role(person, *ROUND_ROLES)
        view = await self.view(round_id)
        rnd = view.round
        if rnd.worker_id != person.id:  # type: ignore[attr-defined]
            raise InvalidState("inspections.not_yours")  # e.g. reassigned meanwhile
        if rnd.state == "done":
            raise InvalidState("inspections.already_done")
        if rnd.state == "missed":
            raise InvalidState("inspections.was_missed")
        return view

    async def start(self, person: Person, round_id: int, now: datetime | None = None
                    ) -> RoundView:
        """Begin (or resume) a round; returns it with the answers given so far."""
        view = await self.own_round(person, round_id)
        if not view.items:
            raise InvalidState("inspections.no_items")
        await InspectionRound.filter(
            id=view.id, worker_id=person.id, state="pending"
        ).update(state="in_progress", started_at=utc(now))
        return await self.view(view.id)

    def check_answer(self, item: InspectionItem, ok: bool, note: str, photo_ids: list[int],
                     video_ids: list[int] | None = None, voice_ids: list[int] | None = None
                     ) -> None:
        """A problem needs a few words or a file (photo, video, voice note), and a photo or a
        video when the item asks for visual proof."""
        if ok:
            return
        if item.photo_required and not (photo_ids or video_ids):
            raise ServiceError("inspections.photo_required")
        if not note.strip() and not (photo_ids or video_ids or voice_ids):
            raise ServiceError("inspections.need_something")

    async def answer(
        self,
        person: Person,
        round_id: int,
        item_id: int,
        *,
        ok: bool,
        value: float | None = None,
        note: str = "",
        photo_ids: list[int] | None = None,
        video_ids: list[int] | None = None,
        voice_ids: list[int] | None = None,
        description: str = "",
        now: datetime | None = None,
    ) -> Answered:
        """Store one item's answer; a problem (or a reading out of range) becomes a repair
        ticket on the round's place carrying its photos, videos and voice notes (`description`
        is the ticket text)."""
        now = utc(now)
        photos, videos, voices = list(photo_ids or []), list(video_ids or []), list(voice_ids or [])
        view = await self.own_round(person, round_id)
        item = next((i for i in view.items if i.id == item_id), None)
        if item is None:
            raise NotFound("inspections.unknown_item")
        if item.kind == "reading":
            if value is None:
                raise ServiceError("inspections.not_a_number", text="")
            ok = ok and in_range(item, value)
        self.check_answer(item, ok, note, photos, videos, voices)
        files = [*photos, *videos, *voices]
        ticket = None
        try:
            async with in_transaction():
                still = await InspectionRound.filter(
                    id=view.id, worker_id=person.id, state__in=OPEN_ROUND_STATES
                ).update(state="in_progress")
                if not still:
                    raise InvalidState("inspections.not_yours")
                if not ok and view.place is not None:
                    urgency = "urgent" if item.safety else "normal"
                    ticket = await self.repairs.create(
                        person, view.place, item.repair_category,
                        description or item.display(person.locale), urgency, files, now,
                    )
                saved = await InspectionAnswer.create(
                    round_id=view.id, item_id=item.id, ok=ok, value=value,
                    note=note.strip()[:MAX_NOTE] or None, photo_ids=files, ticket=ticket,
                    actor=person,
                )
        except IntegrityError as exc:  # answered twice (a double tap, another device)
            raise InvalidState("inspections.already_answered") from exc
        view = await self.view(view.id)
        finished = view.next_item() is None and await self._finish(person, view, now)
        return Answered(saved, item, ticket, await self.view(view.id), finished)

    async def _finish(self, person: Person, view: RoundView, now: datetime) -> bool:
        done = await InspectionRound.filter(
            id=view.id, worker_id=person.id, state__in=OPEN_ROUND_STATES
        ).update(state="done", done_at=now)
        if done:
            await AuditLog.create(
                actor=person, action="inspection.done", target=f"round:{view.id}",
                detail={"template": view.template.code, "problems": len(view.problems),
                        "tickets": [a.ticket_id for a in view.problems if a.ticket_id]},  # type: ignore[attr-defined]
            )
        return bool(done)

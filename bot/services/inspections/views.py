"""How inspection messages read: the fields of the pushes about a round (due, reminder,
missed, nobody found, reassigned, a safety problem), the Start button, and the payload of
every round button."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from bot.core.i18n import Translator
from bot.core.payloads import BadPayload, Payload, payload
from bot.core.types import Button

if TYPE_CHECKING:
    from bot.services.inspections.service import Answered, RoundView
    from models.people import Person

MAX_ID = 2_147_483_647
VERBS = ("s", "p", "u", "w", "a")


@payload("ir")
class RoundTap(Payload):
    """A round button: start/continue round `target` (s), pause (p) or resume (u) schedule
    `target`, pick a worker for round `target` (w), give round `target` to `worker_id` (a)."""

    verb: str
    target: int
    worker_id: int = 0
    longest: ClassVar = ("a", MAX_ID, MAX_ID)

    def __post_init__(self) -> None:
        if self.target < 0 or self.worker_id < 0:
            raise BadPayload(f"ir: {self.target}/{self.worker_id} out of range")

    def pack(self) -> str:
        """As before: `ir:<verb>:<id>`, and `:<worker id>` only on a reassignment ("a")."""
        packed = super().pack()
        return packed if self.verb == "a" else packed.rsplit(":", 1)[0]

    @property
    def well_formed(self) -> bool:
        """A known verb with as many ids as it takes (two for "a", one for the others)."""
        return self.verb in VERBS and (self.verb == "a") == bool(self.worker_id)


def local_time(tz: ZoneInfo, when: datetime) -> str:
    """A moment as local "MM-DD HH:MM"."""
    return when.astimezone(tz).strftime("%m-%d %H:%M")


def start_buttons(t: Translator, locale: str | None, round_id: int) -> list[list[Button]]:
    """The Start button of a pushed round."""
    return [[Button(t(locale, "inspections.btn_start"), RoundTap("s", round_id).pack())]]


def round_fields(view: RoundView, locale: str | None, tz: ZoneInfo) -> dict[str, str]:
    """The fields the round pushes share: checklist, place, due time and item count."""
    place = view.place.display(locale) if view.place else "—"
    return {"name": view.template.display(locale), "place": place,
            "due": local_time(tz, view.round.due_at), "count": str(len(view.items))}


def assigned_fields(view: RoundView, locale: str | None, tz: ZoneInfo) -> dict[str, str]:
    """The fields of the notice to a worker that a round was given to them."""
    return {"name": view.template.display(locale),
            "place": view.place.display(locale) if view.place else "—",
            "due": local_time(tz, view.round.due_at)}


def safety_fields(done: Answered, worker: Person, locale: str | None) -> dict[str, Any]:
    """The fields of the managers' alert about a safety item with a problem."""
    view = done.view
    return {"name": view.template.display(locale),
            "place": view.place.display(locale) if view.place else "—",
            "item": done.item.display(locale), "worker": worker.name,
            "note": done.answer.note or "—",
            "number": done.ticket.number if done.ticket else "—"}

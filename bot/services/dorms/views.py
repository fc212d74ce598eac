"""Dorm presentation: the payloads of the dorm buttons, and the fields, buttons and lists that
notices, reminders and the dorm conversations render (always through the translator)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from bot.core.payloads import Payload, payload
from bot.core.types import Button
from bot.services.dorms.rules import Stay

Translate = Callable[..., str]
Local = Callable[[datetime], str]
MAX_LIST = 40  # students in an admin's missing list before "…and N more"
MAX_ID = 2_147_483_647


@payload("dm")
class DormStudentAction(Payload):
    """A button on the student's own dorm messages: c = confirm check-in, d = can't come."""

    verb: str
    assignment_id: int
    longest: ClassVar = ("d", MAX_ID)


@payload("da")
class DormAdminAction(Payload):
    """A dorm admin's button: b = a building's list (a building id); v = a stay's card, m / my
    = mark checked in (ask / confirmed), r = room change, o = check-out (an assignment id)."""

    verb: str
    target: int
    longest: ClassVar = ("my", MAX_ID)


def stay_fields(stay: Stay, locale: str | None, t: Translate, local: Local) -> dict[str, Any]:
    """The fields dorm texts use, rendered for one reader's locale."""
    a = stay.assignment
    return {
        "name": stay.person.name,
        "student_id": stay.person.external_id or "-",
        "building": stay.building.display(locale),
        "room": stay.room.display(locale),
        "bed": t(locale, "dorm.bed", label=stay.bed.label),
        "start": local(a.window_start),
        "end": local(a.window_end),
        "pickup": a.key_pickup or t(locale, "dorm.key_default"),
        "date": a.deferred_to.strftime("%m-%d") if a.deferred_to else "-",
        "reason": a.deferred_reason or "-",
    }


def student_buttons(stay: Stay, locale: str | None, t: Translate) -> list[list[Button]]:
    """Confirm check-in / cannot come in the window, for the student's own messages."""
    return [
        [
            Button(t(locale, "dorm.btn_confirm"), DormStudentAction("c", stay.id).pack()),
            Button(t(locale, "dorm.btn_defer"), DormStudentAction("d", stay.id).pack()),
        ]
    ]


def missing_line(stay: Stay, locale: str | None, t: Translate, local: Local) -> str:
    """One student in a list for an admin: name, student id, room, bed, status."""
    fields = stay_fields(stay, locale, t, local)
    status = t(locale, f"dorm.status_{stay.assignment.status}")
    if stay.assignment.status == "deferred":
        status = t(locale, "dorm.deferred_to", date=fields["date"])
    return t(locale, "dorm.list_line", status=status, **fields)


def missing_lines(missing: list[Stay], locale: str | None, t: Translate, local: Local) -> str:
    """The students still missing, one line each, at most MAX_LIST then "…and N more"."""
    lines = [missing_line(s, locale, t, local) for s in missing]
    if len(lines) > MAX_LIST:
        more = t(locale, "dorm.and_more", count=len(lines) - MAX_LIST)
        lines = [*lines[:MAX_LIST], more]
    return "\n".join(lines)

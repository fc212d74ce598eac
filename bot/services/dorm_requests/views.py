"""Dorm request presentation: the payloads of the request buttons, and the fields, cards and
buttons that the dorm admins, the students and night duty read (always through the
translator)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import tzinfo
from typing import Any, ClassVar

from bot.core.payloads import SEPARATOR, Payload, payload
from bot.core.types import Button
from bot.services.dorm_requests.rules import RequestView

Translate = Callable[..., str]
MAX_ID = 2_147_483_647


class _ShortTail(Payload):
    """A payload whose trailing fields still at their defaults are left out when packed, as
    today's buttons carry them ("drq:l", "drq:a:12"); parsing fills the defaults back in."""

    def pack(self) -> str:
        """The packed payload without its trailing default parts."""
        packed = super().pack()
        unset = 0
        for field in reversed(dataclasses.fields(self)):  # type: ignore[arg-type]
            if field.default is dataclasses.MISSING or getattr(self, field.name) != field.default:
                break
            unset += 1
        return packed.rsplit(SEPARATOR, unset)[0] if unset else packed


@payload("drq")
class RequestAdminAction(_ShortTail):
    """A dorm admin's request button: l = the list; v = a request's card, a = approve,
    o = free beds in another room, r = reject (a request number); b = approve a room change
    onto a bed (a request number and a bed id)."""

    verb: str
    number: int = 0
    bed_id: int = 0
    longest: ClassVar = ("b", MAX_ID, MAX_ID)


@payload("drs")
class RequestStudentAction(Payload):
    """A student's request button: v = an own request's card, w = withdraw it."""

    verb: str
    number: int
    longest: ClassVar = ("w", MAX_ID)


@payload("dnd")
class NightDutyAction(_ShortTail):
    """A night duty button of a building: me = I am on duty, off = nobody, set = the person
    picked from a list (their person id)."""

    verb: str
    building_id: int
    person_id: int = 0
    longest: ClassVar = ("set", MAX_ID, MAX_ID)


def request_fields(view: RequestView, locale: str | None, t: Translate,
                   tz: tzinfo) -> dict[str, Any]:
    """Every field a request text may use, rendered for one reader's locale."""
    r, stay = view.request, view.stay
    expected = r.expected_at.astimezone(tz).strftime("%m-%d %H:%M") if r.expected_at else "-"
    if view.pref_room is not None:
        pref = view.pref_room.display(locale)
    elif view.pref_building is not None:
        pref = view.pref_building.display(locale)
    else:
        pref = t(locale, "dorm_requests.no_preference")
    return {
        "number": r.id,
        "kind": t(locale, f"dorm_requests.kind_{r.kind}"),
        "state": t(locale, f"dorm_requests.state_{r.state}"),
        "name": stay.person.name,
        "student_id": stay.person.external_id or "-",
        "building": stay.building.display(locale),
        "room": stay.room.display(locale),
        "bed": t(locale, "dorm.bed", label=stay.bed.label),
        "reason": r.reason or "-",
        "expected": expected,
        "date_from": r.date_from.strftime("%m-%d") if r.date_from else "-",
        "date_to": r.date_to.strftime("%m-%d") if r.date_to else "-",
        "where": r.where or "-",
        "contact": r.contact or "-",
        "pref": pref,
        "new_room": view.new_room.display(locale) if view.new_room else "-",
        "new_bed": t(locale, "dorm.bed", label=view.new_bed.label) if view.new_bed else "-",
        "by": view.decided_by.name if view.decided_by else "-",
        "decision_reason": r.decision_reason or "-",
        "filed": r.created_at.astimezone(tz).strftime("%m-%d %H:%M"),
    }


def request_card(view: RequestView, locale: str | None, t: Translate, tz: tzinfo) -> str:
    """The request as the dorm admin and the student read it: header, details, decision."""
    f = request_fields(view, locale, t, tz)
    lines = [t(locale, "dorm_requests.card_head", **f),
             t(locale, f"dorm_requests.details_{view.request.kind}", **f)]
    state = view.request.state
    if state == "approved" and view.new_bed is not None:
        lines.append(t(locale, "dorm_requests.card_moved", **f))
    elif state in ("approved", "rejected"):
        lines.append(t(locale, f"dorm_requests.card_{state}", **f))
    elif state != "pending":
        lines.append(t(locale, "dorm_requests.card_state", **f))
    return "\n".join(lines)


def decision_buttons(view: RequestView, locale: str | None, t: Translate) -> list[list[Button]]:
    """Approve / Reject for a pending request (a room change's Approve picks the bed)."""
    if view.request.state != "pending":
        return []
    return [[Button(t(locale, "dorm_requests.btn_approve"),
                    RequestAdminAction("a", view.id).pack()),
             Button(t(locale, "dorm_requests.btn_reject"),
                    RequestAdminAction("r", view.id).pack())]]


def new_request_buttons(view: RequestView, locale: str | None,
                        t: Translate) -> list[list[Button]]:
    """A new request's buttons for a dorm admin: Approve / Reject, then the pending list."""
    return [*decision_buttons(view, locale, t),
            [Button(t(locale, "dorm_requests.btn_list"), RequestAdminAction("l").pack())]]

"""Dorm requests, the texts and pushes: a new request to the building's dorm admins (with the
decision buttons), the decision to the student, approved late returns to night duty."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from bot.core.types import Button
from bot.services.dorm_requests.base import RequestView

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier
    from bot.services.dorm_requests.service import DormRequestService

Translate = Callable[..., str]


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
    return [[Button(t(locale, "dorm_requests.btn_approve"), f"drq:a:{view.id}"),
             Button(t(locale, "dorm_requests.btn_reject"), f"drq:r:{view.id}")]]


async def push_new(notifier: Notifier, service: DormRequestService, view: RequestView) -> int:
    """Tell the building's dorm admins (else the managers) about a new request."""
    t, tz = notifier.translator, service.dorms.tz
    sent = 0
    for admin in await service.dorms.admins_of(view.stay.building):
        buttons = decision_buttons(view, admin.locale, t)
        buttons.append([Button(t(admin.locale, "dorm_requests.btn_list"), "drq:l")])
        sent += await notifier.push(admin, "dorm_requests.new_for_admin", buttons,
                                    card=request_card(view, admin.locale, t, tz))
    return sent


async def tell_student(notifier: Notifier, service: DormRequestService, view: RequestView,
                       key: str) -> int:
    """Push a text about their request to the student, in their language."""
    person = view.stay.person
    fields = request_fields(view, person.locale, notifier.translator, service.dorms.tz)
    return await notifier.push(person, key, **fields)


async def push_night_duty(notifier: Notifier, service: DormRequestService,
                          view: RequestView) -> int:
    """An approved late return reaches the building's night duty person (or, with nobody named,
    its dorm admins): name, room, expected time, reason."""
    targets, fallback = await service.night_duty_targets(view.stay.building)
    key = "dorm_requests.night_duty_fallback" if fallback else "dorm_requests.night_duty"
    sent = 0
    for person in targets:
        fields = request_fields(view, person.locale, notifier.translator, service.dorms.tz)
        sent += await notifier.push(person, key, **fields)
    return sent

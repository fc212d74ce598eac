"""How repairs presents itself: the button payloads of its actions (jb, mg, op, tk, fu, du), the
job card a worker sees (an offer, or an accepted job with its next steps) rendered for one
locale, and the pushes to staff (their text keys, catalogue fields and buttons)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from bot.core.payloads import Payload, PayloadError, payload
from bot.core.types import Button
from bot.delivery.announce import ButtonSpec, Text, text
from bot.services.assets import TrimmedPayload
from bot.services.repairs.dispatch_queries import JobView

if TYPE_CHECKING:
    from models.dispatch import Job
    from models.people import Person
    from models.places import Place
    from models.repairs import Ticket

Translate = Callable[..., str]
STAGE_CODES = {"w": "on_the_way", "a": "arrived", "p": "in_progress"}
NEXT_STAGE = {"accepted": "w", "on_the_way": "a", "arrived": "p"}
DECLINE_REASONS = ("busy", "far", "skill", "off")
CAPTIONS = {"photo": "dispatch.photo_caption", "media": "dispatch.media_caption",
            "result": "dispatch.result_caption"}
MAX_ID = 2_147_483_647
LONGEST_NUMBER = "R-20261203-99999"


@payload("jb")
class JobTap(TrimmedPayload):
    """A job button: a accept, d decline, b back to the offer from the reasons, dr decline
    for reason `extra`, v view, s stage
    `extra`, f done, np need parts, nh need help, x can't fix."""

    verb: str
    job_id: int
    extra: str = ""
    longest: ClassVar = ("dr", MAX_ID, "other")


@payload("mg")
class ManageTap(TrimmedPayload):
    """A manager's button on ticket `target` (a worker for zl): v card, ra reassign list,
    rw reassign to worker `value`, u urgency list, us set urgency `value`, cd/ci close as
    duplicate/invalid, zl toggle the worker's zone lead."""

    verb: str
    target: int
    value: str = ""
    longest: ClassVar = ("rw", MAX_ID, str(MAX_ID))


@payload("op")
class OpenTap(TrimmedPayload):
    """A filter of /open: o overdue, s status `value`, z zone `value`, a all."""

    verb: str
    value: str = ""
    longest: ClassVar = ("z", "z" * 59)  # zones whose button would not fit are not offered


@payload("tk")
class TicketTap(Payload):
    """A ticket button by number: v view, p show its photos and videos, n add a note, c ask
    to cancel, cy cancel."""

    verb: str
    number: str
    longest: ClassVar = ("cy", LONGEST_NUMBER)


@payload("fu")
class FollowUpTap(TrimmedPayload):
    """A follow-up answer: r rate `score`, no not fixed, c add a comment."""

    verb: str
    followup_id: int
    score: int = 0
    longest: ClassVar = ("no", MAX_ID, 5)


@payload("du")
class DutyTap(Payload):
    """The duty toggle: on or off."""

    state: str
    longest: ClassVar = ("off",)


def fits(tap: Payload) -> bool:
    """Whether `tap` packs within Telegram's 64 bytes (free text such as a zone may not)."""
    try:
        tap.pack()
    except PayloadError:
        return False
    return True


@dataclass(frozen=True)
class Notice:
    """A push ready for the Announcer: its catalogue key, button rows and fields."""

    key: str
    buttons: list[list[ButtonSpec]] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)


def manage_button(ticket: Ticket) -> list[list[ButtonSpec]]:
    """One row: the manager's card of the ticket."""
    return [[(text("dispatch.btn_manage"), ManageTap("v", ticket.id).pack())]]


def ticket_button(ticket: Ticket) -> list[list[ButtonSpec]]:
    """One row: the ticket's detail."""
    return [[(text("dispatch.btn_view"), TicketTap("v", ticket.number).pack())]]


def job_button(job: Job) -> list[list[ButtonSpec]]:
    """One row: the worker's job card."""
    return [[(text("dispatch.btn_view"), JobTap("v", job.id).pack())]]


def followup_buttons(followup_id: int, scores: range) -> list[list[ButtonSpec]]:
    """The reporter's answers: a star rating (one button per score), or not fixed."""
    stars = [(text("followup.btn_star", n=n), FollowUpTap("r", followup_id, n).pack())
             for n in scores]
    return [stars, [(text("followup.btn_not_fixed"), FollowUpTap("no", followup_id).pack())]]


def urgency_text(urgency: str) -> Text:
    """An urgency in the reader's words."""
    return text(f"urgency.{urgency}")


def stage_key(stage: str) -> str:
    """What the reporter and followers are told when the worker reaches `stage`."""
    return f"dispatch.rep_{stage}"


def closed_key(kind: str) -> str:
    """What the reporter and followers are told when a manager closes the ticket as `kind`."""
    return f"manage.rep_closed_{kind}"


def caption(kind: str, number: str) -> Text:
    """The caption of forwarded files: the reporter's photos or recordings (to the worker),
    or the result (to the reporter)."""
    return text(CAPTIONS[kind], number=number)


def no_worker_notice(ticket: Ticket, place: Place) -> Notice:
    """To the managers: nobody (left) to offer the ticket to, and nobody holds an offer."""
    return Notice("dispatch.no_worker", manage_button(ticket), {
        "number": ticket.number, "place": place,
        "category": text(f"category.{ticket.category}"),
        "urgency": text(f"urgency.{ticket.urgency}"),
    })


def reminder_notice(phase: str, job: Job, ticket: Ticket, place: Place,
                    due: datetime) -> Notice:
    """To the worker: the response (or resolution) deadline is near."""
    return Notice(f"dispatch.remind_{phase}", job_button(job),
                  {"number": ticket.number, "place": place, "due": due})


def escalation_notice(phase: str, person: Person, ticket: Ticket, place: Place, due: datetime,
                      worker: Person | None) -> Notice:
    """To a zone lead or manager: the deadline passed; managers get their card, others the
    ticket's detail."""
    tap: Payload = (ManageTap("v", ticket.id) if person.has_role("manager")
                    else TicketTap("v", ticket.number))
    return Notice(f"dispatch.escalate_{phase}", [[(text("dispatch.btn_view"), tap.pack())]], {
        "number": ticket.number, "place": place, "due": due,
        "category": text(f"category.{ticket.category}"),
        "status": text(f"status.{ticket.status}"),
        "worker": worker.name if worker else text("dispatch.nobody_yet"),
    })


def repeat_failure_notice(ticket: Ticket, place: Place, count: int, days: int) -> Notice:
    """To the managers: the place and category were repaired too often lately."""
    return Notice("followup.repeat_failure", ticket_button(ticket), {
        "number": ticket.number, "place": place,
        "category": text(f"category.{ticket.category}"), "count": count, "days": days,
    })


def _due_line(t: Translate, local: Callable[[datetime], str], view: JobView,
              now: datetime) -> str:
    due = view.due
    if due is None:
        return ""
    response = view.job.status == "offered" and view.job.role == "primary"
    key = "dispatch.card_due_response" if response else "dispatch.card_due"
    line = t(key, when=local(due))
    return line + (t("dispatch.card_overdue") if due < now else "")


def job_text(t: Translate, local: Callable[[datetime], str], locale: str | None,
             view: JobView, now: datetime, show_contact: bool) -> str:
    """The card's text: ticket, place, problem, photos, contact, stage and deadline."""
    job, ticket = view.job, view.ticket
    head = {
        ("offered", "primary"): "dispatch.card_offer",
        ("offered", "helper"): "dispatch.card_help_offer",
    }.get((job.status, job.role), "dispatch.card_job")
    lines = [
        t(head, number=ticket.number),
        t("dispatch.card_body",
          place=view.place.display(locale),
          category=t(f"category.{ticket.category}"),
          urgency=t(f"urgency.{ticket.urgency}"),
          description=ticket.description,
          photos=view.photos),
    ]
    recordings = [t(key, count=count) for key, count in (("tickets.detail_videos", view.videos),
                                                         ("tickets.detail_voices", view.voices))
                  if count]
    if recordings:
        lines.append(" · ".join(recordings))
    if show_contact:
        lines.append(t("dispatch.card_contact", name=view.reporter.name,
                       phone=view.reporter.phone or "-"))
    if view.last_note:
        lines.append(t("dispatch.card_note", note=view.last_note[:300]))
    if job.priority:
        lines.append(t("dispatch.card_priority"))
    if job.status == "accepted":
        lines.append(t("dispatch.card_stage", stage=t(f"status.{job.stage}")))
    elif job.status != "offered":
        lines.append(t("dispatch.card_closed", status=t(f"dispatch.jobstate_{job.status}")))
    if view.helpers:
        lines.append(t("dispatch.card_helpers", names="、".join(p.name for p in view.helpers)))
    due = _due_line(t, local, view, now) if job.status in ("offered", "accepted") else ""
    if due:
        lines.append(due)
    return "\n".join(lines)


def job_buttons(t: Translate, view: JobView) -> list[list[Button]]:
    """What the worker can do next with this job (nothing once it is over)."""
    job = view.job
    jid = job.id
    if job.status == "offered":
        # one row each: on a phone, Decline is never a slip of the thumb next to Accept
        return [[Button(t("dispatch.btn_accept"), JobTap("a", jid).pack())],
                [Button(t("dispatch.btn_decline"), JobTap("d", jid).pack())]]
    if job.status != "accepted" or job.role != "primary":
        return []
    first = []
    step = NEXT_STAGE.get(job.stage)
    if step:
        first.append(Button(t(f"dispatch.btn_stage_{step}"), JobTap("s", jid, step).pack()))
    first.append(Button(t("dispatch.btn_done"), JobTap("f", jid).pack()))
    return [
        first,
        [Button(t("dispatch.btn_parts"), JobTap("np", jid).pack()),
         Button(t("dispatch.btn_help"), JobTap("nh", jid).pack())],
        [Button(t("dispatch.btn_cant_fix"), JobTap("x", jid).pack())],
    ]


def decline_buttons(t: Translate, job_id: int) -> list[list[Button]]:
    """Common reasons to decline an offer, one tap each."""
    rows = [[Button(t(f"dispatch.reason_{c}"), JobTap("dr", job_id, c).pack())]
            for c in DECLINE_REASONS]
    rows.append([Button(t("dispatch.reason_other"), JobTap("dr", job_id, "other").pack())])
    rows.append([Button(t("dispatch.btn_back_to_offer"), JobTap("b", job_id).pack())])
    return rows


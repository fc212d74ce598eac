"""The job card a worker sees (an offer, or an accepted job with its next steps), rendered for
one locale; used by pushes and by the worker's own chat alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.types import Button
from bot.services.repairs.dispatch_queries import JobView

Translate = Callable[..., str]
STAGE_CODES = {"w": "on_the_way", "a": "arrived", "p": "in_progress"}
NEXT_STAGE = {"accepted": "w", "on_the_way": "a", "arrived": "p"}
DECLINE_REASONS = ("busy", "far", "skill", "off")


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
        return [[Button(t("dispatch.btn_accept"), f"jb:a:{jid}"),
                 Button(t("dispatch.btn_decline"), f"jb:d:{jid}")]]
    if job.status != "accepted" or job.role != "primary":
        return []
    first = []
    step = NEXT_STAGE.get(job.stage)
    if step:
        first.append(Button(t(f"dispatch.btn_stage_{step}"), f"jb:s:{jid}:{step}"))
    first.append(Button(t("dispatch.btn_done"), f"jb:f:{jid}"))
    return [
        first,
        [Button(t("dispatch.btn_parts"), f"jb:np:{jid}"),
         Button(t("dispatch.btn_help"), f"jb:nh:{jid}")],
        [Button(t("dispatch.btn_cant_fix"), f"jb:x:{jid}")],
    ]


def decline_buttons(t: Translate, job_id: int) -> list[list[Button]]:
    """Common reasons to decline an offer, one tap each."""
    rows = [[Button(t(f"dispatch.reason_{c}"), f"jb:dr:{job_id}:{c}")] for c in DECLINE_REASONS]
    rows.append([Button(t("dispatch.reason_other"), f"jb:dr:{job_id}:other")])
    return rows


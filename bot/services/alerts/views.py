"""How an alert reads in each person's language: the broadcast with its acknowledgement
buttons, the all-clear, the managers' notices and the not-answered list; and the payload of
every alert button."""

from __future__ import annotations

from typing import Any, ClassVar

from bot.core.i18n import Translator
from bot.core.payloads import BadPayload, Payload, payload
from bot.core.types import Button, Reply
from bot.services.alerts.rules import PlaceGroup
from models.alerts import Alert, AlertRecipient
from models.people import Person

ANSWERS = {"ok": "received", "safe": "safe", "help": "help"}  # button verb -> answer
MAX_ID = 999_999_999  # a longer number on a button is forged
LIST_PER_PLACE = 30


@payload("al")
class AlertTap(Payload):
    """An alert button: a recipient answers (ok, safe, help) or a manager views (v), lists the
    not-answered (nl) or starts the all-clear (ac) of alert `alert_id`."""

    verb: str
    alert_id: int
    longest: ClassVar = ("help", MAX_ID)

    def __post_init__(self) -> None:
        if not 0 <= self.alert_id <= MAX_ID:
            raise BadPayload(f"al: alert number {self.alert_id} out of range")


def title(t: Translator, locale: str | None, template: str) -> str:
    """The template's short title ("停水通知")."""
    return t(locale, f"alerts.tpl_{template}")


def body(t: Translator, locale: str | None, template: str, details: str) -> str:
    """The template's standard text followed by the sender's details (custom: details only)."""
    parts = [] if template == "custom" else [t(locale, f"alerts.body_{template}")]
    if details.strip():
        parts.append(details.strip())
    return "\n".join(parts)


def alert_text(
    t: Translator, locale: str | None, alert: Alert, *, round_no: int = 0, rounds: int = 0
) -> str:
    """The broadcast (a re-push starts with a reminder line)."""
    ask = t(locale, "alerts.ask_evac" if alert.evacuation else "alerts.ask_ack")
    text = t(
        locale,
        "alerts.message",
        number=alert.id,
        title=title(t, locale, alert.template),
        body=body(t, locale, alert.template, alert.details),
        ask=ask,
    )
    if round_no:
        text = t(locale, "alerts.repush_line", round=round_no, total=rounds) + "\n" + text
    return text


def alert_buttons(t: Translator, locale: str | None, alert: Alert) -> list[list[Button]]:
    """Received, or (evacuations) I'm safe / I need help."""
    if alert.evacuation:
        return [
            [
                Button(t(locale, "alerts.btn_safe"), AlertTap("safe", alert.id).pack()),
                Button(t(locale, "alerts.btn_help"), AlertTap("help", alert.id).pack()),
            ]
        ]
    return [[Button(t(locale, "alerts.btn_received"), AlertTap("ok", alert.id).pack())]]


def all_clear_text(t: Translator, locale: str | None, alert: Alert) -> str:
    """The all-clear message closing an alert."""
    text = alert.all_clear or t(locale, "alerts.all_clear_default")
    return t(
        locale,
        "alerts.all_clear_message",
        number=alert.id,
        title=title(t, locale, alert.template),
        text=text,
    )


def broadcast_reply(
    t: Translator, locale: str | None, alert: Alert, tag: str, round_no: int, rounds: int
) -> Reply:
    """What one recipient gets: the all-clear (tag "c"), else the alert with its buttons."""
    if tag == "c":
        return Reply(all_clear_text(t, locale, alert))
    text = alert_text(t, locale, alert, round_no=round_no, rounds=rounds)
    return Reply(text, alert_buttons(t, locale, alert))


def follow_buttons(t: Translator, locale: str | None, alert: Alert) -> list[list[Button]]:
    """A button to the alert's live view."""
    return [[Button(t(locale, "alerts.btn_view"), AlertTap("v", alert.id).pack())]]


def answer_notice_fields(
    t: Translator, viewer: Person, alert: Alert, rec: AlertRecipient, person: Person, place: str
) -> dict[str, Any]:
    """The fields of a manager's notice about a recipient's answer (help, safe after help,
    the note); `place` is the recipient's place in the viewer's language ("" unknown)."""
    return {
        "name": person.name,
        "phone": person.phone or "-",
        "place": place or t(viewer.locale, "alerts.place_unknown"),
        "note": rec.note or "",
        "number": alert.id,
        "title": title(t, viewer.locale, alert.template),
    }


def system_raised_fields(t: Translator, viewer: Person, alert: Alert) -> dict[str, Any]:
    """The fields of the managers' notice that a system raised an alert."""
    return {
        "number": alert.id,
        "source": alert.source,
        "title": title(t, viewer.locale, alert.template),
    }


def pending_text(
    t: Translator,
    locale: str | None,
    alert: Alert,
    groups: list[PlaceGroup],
    labels: dict[str, str],
) -> str:
    """The not-answered list by building; `labels` names each group's place in `locale`."""
    if not groups:
        return t(locale, "alerts.pending_none", number=alert.id)
    total = sum(len(g.people) for g in groups)
    lines = [t(locale, "alerts.pending_title", number=alert.id, count=total)]
    for group in groups:
        lines.append(
            t(
                locale,
                "alerts.pending_place",
                place=labels.get(group.place) or t(locale, "alerts.place_unknown"),
                count=len(group.people),
            )
        )
        for person in group.people[:LIST_PER_PLACE]:
            lines.append(
                t(locale, "alerts.pending_person", name=person.name, phone=person.phone or "-")
            )
        if len(group.people) > LIST_PER_PLACE:
            lines.append(t(locale, "alerts.and_more", count=len(group.people) - LIST_PER_PLACE))
    return "\n".join(lines)


def escalation_reply(
    t: Translator,
    locale: str | None,
    alert: Alert,
    groups: list[PlaceGroup],
    labels: dict[str, str],
) -> Reply:
    """What the sender (or each manager) gets once the re-pushes are over: who is still
    silent, with the live view button."""
    intro = t(locale, "alerts.escalation", number=alert.id, rounds=alert.repush_round)
    text = pending_text(t, locale, alert, groups, labels)
    return Reply(intro + "\n" + text, follow_buttons(t, locale, alert))

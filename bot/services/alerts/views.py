"""How an alert reads in each recipient's language, with its acknowledgement buttons."""

from __future__ import annotations

from bot.core.i18n import Translator
from bot.core.types import Button
from models.alerts import Alert

# button payloads "al:<answer>:<alert id>" (answers: ok = received, safe, help)
ACTION = "al"
ANSWERS = {"ok": "received", "safe": "safe", "help": "help"}


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
                Button(t(locale, "alerts.btn_safe"), f"{ACTION}:safe:{alert.id}"),
                Button(t(locale, "alerts.btn_help"), f"{ACTION}:help:{alert.id}"),
            ]
        ]
    return [[Button(t(locale, "alerts.btn_received"), f"{ACTION}:ok:{alert.id}")]]


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

"""Contractor scoring presentation: the scoring card's button payload, the card invitation, the
results (satisfaction against the target, criterion averages, trend) and the warning."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar
from zoneinfo import ZoneInfo

from bot.core.payloads import Payload, payload
from bot.core.types import Button, Reply

if TYPE_CHECKING:
    from bot.services.contractors.results import UnitResult
    from bot.services.scorecards import Month
    from models.contractors import ScoringCard

Translate = Callable[..., str]
COMMENTS_SHOWN = 3
COMMENT_PREVIEW = 60


@payload("ctr")
class ContractorTap(Payload):
    """A scoring card's button, `ctr:go:<card id>`: start (or continue) filling it in."""

    verb: str
    card_id: int
    longest: ClassVar = ("go", 2_147_483_647)


def _pct(value: float | None, t: Translate, locale: str | None) -> str:
    return t(locale, "contractors.na") if value is None else f"{value:g}%"


def card_invitation(card: ScoringCard, month: str, closes_at: datetime, tz: ZoneInfo,
                    t: Translate, locale: str | None) -> Reply:
    """The message a scorer gets: which unit, month and criteria, until when, a Start button."""
    text = t(locale, "contractors.card_invite", unit=card.unit.name, month=month,
             department=card.department, count=len(card.criteria),
             criteria=t(locale, "contractors.sep").join(card.criteria),
             until=closes_at.astimezone(tz).strftime("%m-%d %H:%M"))
    button = Button(t(locale, "contractors.btn_start"), ContractorTap("go", card.id).pack())
    return Reply(text=text, buttons=[[button]])


def result_lines(r: UnitResult, t: Translate, locale: str | None) -> list[str]:
    """One unit's month: satisfaction vs target, cards answered, criteria, trend, comments."""
    mark = t(locale, "contractors.mark_below") if r.below else (
        t(locale, "contractors.mark_ok") if r.satisfaction is not None else "")
    lines = [t(locale, "contractors.result_head", unit=r.unit.name,
               pct=_pct(r.satisfaction, t, locale), target=f"{r.target:g}", mark=mark,
               done=r.cards_done, sent=r.cards_sent)]
    if r.criteria:
        lines.append(t(locale, "contractors.result_criteria", list=" · ".join(
            f"{name} {avg:g}" for name, avg in r.criteria)))
    trend = " → ".join(f"{m} {_pct(p, t, locale)}" for m, p in r.trend if p is not None)
    if trend:
        lines.append(t(locale, "contractors.result_trend", trend=trend))
    for text in r.comments[:COMMENTS_SHOWN]:
        short = " ".join(text.split())
        short = short if len(short) <= COMMENT_PREVIEW else short[:COMMENT_PREVIEW - 1] + "…"
        lines.append(t(locale, "contractors.result_comment", text=short))
    return lines


def results_text(results: list[UnitResult], month: Month, t: Translate,
                 locale: str | None) -> str:
    """Every unit's results of a month."""
    lines = [t(locale, "contractors.results_title", month=str(month))]
    for r in results:
        lines += result_lines(r, t, locale)
    if not results:
        lines.append(t(locale, "contractors.results_none"))
    return "\n".join(lines)


def warning_text(r: UnitResult, t: Translate, locale: str | None) -> str:
    """A unit below the target two months running."""
    previous = r.trend[-2][1] if len(r.trend) >= 2 else None
    return t(locale, "contractors.warning", unit=r.unit.name, month=str(r.month),
             pct=_pct(r.satisfaction, t, locale), previous=_pct(previous, t, locale),
             target=f"{r.target:g}")

"""Scorecard presentation: a worker's card (every figure and how the score was made), the
managers' ranking with its chart, and the team (zone) lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.i18n import Translator
from bot.core.types import Reply
from bot.services.fonts import cjk_font
from bot.services.scorecards.chart import render_ranking
from bot.services.scorecards.rules import Month, Score

if TYPE_CHECKING:
    from bot.services.scorecards.service import Card, MonthCards


def _num(value: float | None, t: Translator, locale: str | None, unit: str = "") -> str:
    return t(locale, "scorecards.na") if value is None else f"{value:g}{unit}"


def how_made(score: Score, t: Translator, locale: str | None) -> str:
    """How the score was made: (part × weight + …) ÷ weights − deductions."""
    if score.total is None:
        return t(locale, "scorecards.how_none")
    parts = " + ".join(t(locale, "scorecards.how_part", part=t(locale, f"scorecards.part_{p.name}"),
                         value=f"{p.value:g}", weight=f"{p.weight:g}") for p in score.parts)
    minus = "".join(t(locale, "scorecards.how_deduction",
                      part=t(locale, f"scorecards.part_{d.name}"), count=f"{d.value:g}",
                      weight=f"{d.weight:g}") for d in score.deductions)
    total = f"{sum(p.weight for p in score.parts):g}"
    return t(locale, "scorecards.how", parts=parts, weights=total, deductions=minus,
             score=f"{score.total:g}")


def card_text(card: Card, month: Month, t: Translator, locale: str | None,
              team: bool = False) -> str:
    """A worker's (or, with `team`, a zone's) card for `month`, every figure on it."""
    f = card.figures

    def na(value: float | None, unit: str = "") -> str:
        return _num(value, t, locale, unit)

    title = "scorecards.team_title" if team else "scorecards.card_title"
    lines = [t(locale, title, name=card.name, month=str(month))]
    if f.idle:
        lines.append(t(locale, "scorecards.no_jobs"))
    lines += [
        t(locale, "scorecards.line_jobs", jobs=f.jobs_done, sla=f.sla_tickets),
        t(locale, "scorecards.line_sla", response=na(f.response_pct, "%"),
          resolution=na(f.resolution_pct, "%")),
    ]
    if not team:
        lines.append(t(locale, "scorecards.line_medians", response=na(f.median_response_min),
                       resolution=na(f.median_resolution_min)))
    lines += [
        t(locale, "scorecards.line_ratings", avg=na(f.rating_avg), count=f.rating_count,
          low=f.low_ratings),
        t(locale, "scorecards.line_quality", reopened=f.reopened, repeat=f.repeat,
          declined=f.declined),
        t(locale, "scorecards.line_rounds", done=f.rounds_done, missed=f.rounds_missed),
        t(locale, "scorecards.line_pm", done=f.pm_done, on_time=f.pm_on_time),
        t(locale, "scorecards.line_score", score=na(card.score.total),
          rank=f" #{card.rank}" if card.rank else ""),
        how_made(card.score, t, locale),
    ]
    return "\n".join(lines)


def worker_message(card: Card, month: Month, t: Translator, locale: str | None) -> Reply:
    """A worker's monthly card."""
    return Reply(text=card_text(card, month, t, locale))


def ranking_text(cards: MonthCards, t: Translator, locale: str | None) -> str:
    """Every worker ranked, then the teams (zones)."""
    lines = [t(locale, "scorecards.ranking_title", month=str(cards.month))]
    for c in cards.ranked:
        f = c.figures
        lines.append(t(locale, "scorecards.ranking_line", rank=c.rank or "-", name=c.name,
                       score=_num(c.score.total, t, locale), jobs=f.jobs_done,
                       resolution=_num(f.resolution_pct, t, locale, "%"),
                       rating=_num(f.rating_avg, t, locale)))
    if not cards.ranked:
        lines.append(t(locale, "scorecards.none"))
    if cards.zones:
        lines.append(t(locale, "scorecards.zones_title"))
        for z in cards.zones:
            lines.append(t(locale, "scorecards.zone_line", zone=z.name,
                           score=_num(z.score.total, t, locale), jobs=z.figures.jobs_done,
                           resolution=_num(z.figures.resolution_pct, t, locale, "%"),
                           rating=_num(z.figures.rating_avg, t, locale)))
    lines.append(t(locale, "scorecards.ranking_hint"))
    return "\n".join(lines)


def chart(cards: MonthCards, t: Translator, locale: str | None) -> bytes | None:
    """The ranking chart (None when nobody has a score), labelled in the reader's language
    when a Chinese font exists."""
    rows = [(c.name, c.score.total) for c in cards.ranked if c.score.total is not None]
    if not rows:
        return None
    lang = locale if cjk_font() else "en"
    return render_ranking(rows, t(lang, "scorecards.chart_title", month=str(cards.month)),
                          t(lang, "scorecards.chart_axis"))


def manager_messages(cards: MonthCards, t: Translator, locale: str | None) -> list[Reply]:
    """The managers' monthly messages: the chart with its caption, then the ranking."""
    image = chart(cards, t, locale)
    text = ranking_text(cards, t, locale)
    if image is None:
        return [Reply(text=text)]
    caption = t(locale, "scorecards.chart_caption", month=str(cards.month),
                workers=len(cards.ranked))
    return [Reply(text=caption, image=image), Reply(text=text)]

"""Digest sections that other capabilities supply for a span: dorm life requests, inspection
rounds, energy anomalies, opinion surveys, assets (repeat failures, PM work orders, asset
checks) and, in the monthly digest, the worker scorecards and the contractors' satisfaction.
Each capability's service computes its own summary (SQL counts); this module only collects and
words them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.services.assets import round_label

if TYPE_CHECKING:
    from bot.services.assets import AssetsDigest
    from bot.services.contractors import ContractorService
    from bot.services.dorm_requests import DormRequestService
    from bot.services.energy import EnergyService
    from bot.services.inspections import InspectionService
    from bot.services.scorecards import ScorecardService
    from bot.services.surveys import SurveyService

MORE_SECTIONS = ("requests", "rounds", "energy", "surveys", "assets", "scorecards",
                 "contractors")
LISTED = 3  # anomalies, surveys and assets named one by one; the rest only counted


@dataclass
class MoreSources:
    """The services that supply the extra sections (any may be missing)."""

    dorm_requests: DormRequestService | None = None
    inspections: InspectionService | None = None
    energy: EnergyService | None = None
    surveys: SurveyService | None = None
    assets: AssetsDigest | None = None
    scorecards: ScorecardService | None = None
    contractors: ContractorService | None = None


@dataclass
class MoreFigures:
    """What the extra sections found in the span (None: section not chosen or no source)."""

    requests: dict[str, dict[str, int]] | None = None
    rounds: Any = None
    energy: Any = None
    surveys: Any = None
    assets: Any = None
    scorecards: Any = None  # monthly spans only (None otherwise)
    contractors: Any = None  # monthly spans only (None otherwise)
    shown: list[str] = field(default_factory=list)


async def collect(src: MoreSources | None, chosen: tuple[str, ...], start: datetime,
                  end: datetime) -> MoreFigures:
    """Ask each chosen capability for its summary of [start, end)."""
    more = MoreFigures()
    if src is None:
        return more
    if "requests" in chosen and src.dorm_requests is not None:
        more.requests = await src.dorm_requests.requests_summary(start, end)
    if "rounds" in chosen and src.inspections is not None:
        more.rounds = await src.inspections.rounds_summary(start, end)
    if "energy" in chosen and src.energy is not None:
        more.energy = await src.energy.anomaly_summary(start, end)
    if "surveys" in chosen and src.surveys is not None:
        more.surveys = await src.surveys.survey_summary(start, end)
    if "assets" in chosen and src.assets is not None:
        more.assets = await src.assets.assets_summary(start, end)
    if "scorecards" in chosen and src.scorecards is not None:
        more.scorecards = await src.scorecards.summary(start, end)
    if "contractors" in chosen and src.contractors is not None:
        more.contractors = await src.contractors.summary(start, end)
    return more


def lines(more: MoreFigures, t: Callable[..., str], locale: str | None) -> list[str]:
    """The extra sections as text lines; `t(key, **fields)` translates in the reader's locale."""
    out: list[str] = []
    if more.requests is not None:
        out.append(_requests(more.requests, t))
    if more.rounds is not None:
        r = more.rounds
        out.append(t("digest.rounds", done=r.done, missed=r.missed, problems=r.problems,
                     safety=r.safety_problems))
    if more.energy is not None:
        out.append(_energy(more.energy, t, locale))
    if more.surveys is not None:
        out.append(_surveys(more.surveys, t))
    if more.assets is not None:
        out.append(_assets(more.assets, t, locale))
    if more.scorecards is not None:
        out.append(_scorecards(more.scorecards, t))
    if more.contractors is not None:
        out.append(_contractors(more.contractors, t, locale))
    return out


def _requests(summary: dict[str, dict[str, int]], t: Callable[..., str]) -> str:
    parts = []
    for kind, states in summary.items():
        total = sum(states.values())
        if total:
            parts.append(t("digest.requests_kind", kind=t(f"dorm_requests.kind_{kind}"),
                           total=total, pending=states.get("pending", 0),
                           approved=states.get("approved", 0),
                           rejected=states.get("rejected", 0)))
    return t("digest.requests", list="; ".join(parts) or t("digest.none"))


def _energy(summary: Any, t: Callable[..., str], locale: str | None) -> str:
    items = summary.items
    zh = (locale or "").startswith("zh")
    named = ", ".join(
        t("digest.energy_item", place=(i.place_zh if zh else i.place_en) or i.meter,
          kind=t(f"energy.kind_{i.kind}"), outcome=t(f"energy.state_{i.state}"))
        for i in items[:LISTED])
    if len(items) > LISTED:
        named += t("digest.more_items", count=len(items) - LISTED)
    return t("digest.energy", count=len(items), list=named or t("digest.none"))


def _surveys(summary: Any, t: Callable[..., str]) -> str:
    seen: dict[int, Any] = {line.id: line for line in [*summary.sent, *summary.closed]}
    named = ", ".join(
        t("digest.survey_item", title=line.title, done=line.responses.completed,
          recipients=line.responses.recipients, pct=line.responses.rate)
        for line in list(seen.values())[:LISTED])
    if len(seen) > LISTED:
        named += t("digest.more_items", count=len(seen) - LISTED)
    return t("digest.surveys", sent=len(summary.sent), closed=len(summary.closed),
             list=named or t("digest.none"))


def _assets(summary: Any, t: Callable[..., str], locale: str | None) -> str:
    flagged = summary.flagged
    named = ", ".join(t("digest.asset_item", name=a.display(locale), code=a.code)
                      for a in flagged[:LISTED])
    if len(flagged) > LISTED:
        named += t("digest.more_items", count=len(flagged) - LISTED)
    line = t("digest.assets", count=len(flagged), list=named or t("digest.none"),
             pm=summary.pm_orders)
    checks = getattr(summary, "checks", None)
    if not checks:
        return line
    rounds = "; ".join(
        t("digest.asset_check_item", round=round_label(t, c.round), pct=c.pct,
          answered=c.answered, total=c.total, missing=len(c.missing), damaged=len(c.damaged))
        for c in checks)
    return f"{line}\n{t('digest.asset_checks', list=rounds)}"


def _scorecards(cards: Any, t: Callable[..., str]) -> str:
    scored = [c for c in cards.ranked if c.score.total is not None]
    named = ", ".join(t("digest.score_item", name=c.name, score=f"{c.score.total:g}")
                      for c in scored[:LISTED])
    if len(scored) > LISTED:
        named += t("digest.more_items", count=len(scored) - LISTED)
    return t("digest.scorecards", workers=len(cards.ranked), list=named or t("digest.none"))


def _contractors(results: Any, t: Callable[..., str], locale: str | None) -> str:
    from bot.services.contractors import result_lines

    lines = [line for r in results
             for line in result_lines(r, lambda _loc, key, **f: t(key, **f), locale)[:1]]
    return t("digest.contractors", list="\n".join(lines) or t("digest.none"))

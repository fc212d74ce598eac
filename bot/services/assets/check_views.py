"""How the asset check presents itself: its button payload (ac) and the texts it pushes — a
keeper's page of assets grouped by place, the managers' round summary and the list of assets
nobody can check — rendered by `t(key, **fields)` in the reader's language, so the scheduler's
pushes and the chat's answers look the same."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from bot.core.payloads import Payload, payload
from bot.core.types import Button
from bot.services.assets.views import MAX_ID

if TYPE_CHECKING:
    from models.assets import Asset, AssetCheckItem, AssetCheckList, AssetCheckRound
    from models.places import Place

Translate = Callable[..., str]
MARKS = {None: "▫️", "in_place": "✅", "missing": "❓", "damaged": "🔧"}
LISTED = 20  # orphan assets and unanswered keepers named in a managers' message


@payload("ac")
class CheckTap(Payload):
    """An asset check button: k in place, x missing, d damaged (`ref` an item); a all in place
    on `page`, p show `page` (`ref` a keeper's list)."""

    verb: str
    ref: int
    page: int = 1
    longest: ClassVar = ("a", MAX_ID, 9999)


@dataclass
class CheckLine:
    """One asset of a page, at its current place."""

    item: AssetCheckItem
    asset: Asset
    place: Place


@dataclass
class CheckPage:
    """One page of a keeper's list and how far the whole list is answered."""

    round: AssetCheckRound
    sheet: AssetCheckList
    lines: list[CheckLine]
    page: int
    pages: int
    total: int
    answered: int

    @property
    def closed(self) -> bool:
        """True once the round is over (answers are refused)."""
        return self.round.closed_at is not None


@dataclass
class DepartmentFigures:
    """A department's share of a round."""

    total: int = 0
    answered: int = 0
    missing: int = 0
    damaged: int = 0


@dataclass
class RoundSummary:
    """A round in numbers: answered share, missing and damaged, by department, who is late."""

    round: AssetCheckRound
    total: int = 0
    answered: int = 0
    missing: list[Asset] = field(default_factory=list)
    damaged: list[Asset] = field(default_factory=list)
    departments: dict[str, DepartmentFigures] = field(default_factory=dict)
    unanswered: list[tuple[str, int]] = field(default_factory=list)  # keeper, assets open
    orphans: int = 0
    zones: dict[str, tuple[str, str]] = field(default_factory=dict)  # code: (zh, en) names

    def department_name(self, name: str, locale: str | None) -> str:
        """A department as written, or a zone (the fallback) by its name in `locale`."""
        zone = self.zones.get(name)
        return (zone[1] if locale == "en" else zone[0]) if zone else name

    @property
    def pct(self) -> int:
        """The answered share in whole percent (100 for an empty round)."""
        return round(100 * self.answered / self.total) if self.total else 100


def round_label(t: Translate, check: AssetCheckRound) -> str:
    """The round's name: "2026-12" for a monthly one, "ad hoc 12-03" otherwise."""
    if check.kind == "monthly":
        return t("asset_check.round_monthly", month=check.key.removeprefix("m:"))
    return t("asset_check.round_adhoc", id=check.id)


def page_view(page: CheckPage, t: Translate, locale: str | None,
              header: str = "asset_check.page_title") -> tuple[str, list[list[Button]]]:
    """A page of a keeper's list: the assets under their place, a row of answers per asset still
    open, All in place, and paging."""
    lines = [t(header, round=round_label(t, page.round), total=page.total,
               answered=page.answered, page=page.page, pages=page.pages)]
    if page.closed:
        lines.append(t("asset_check.closed"))
    shown_place = None
    buttons: list[list[Button]] = []
    for line in page.lines:
        if line.place.id != shown_place:
            shown_place = line.place.id
            lines.append(t("asset_check.place_line", place=line.place.display(locale)))
        answer = line.item.answer
        lines.append(t("asset_check.asset_line", mark=MARKS.get(answer, "▫️"),
                       code=line.asset.code, asset=line.asset.display(locale),
                       answer=t(f"asset_check.answer_{answer}") if answer else ""))
        if answer is None and not page.closed:
            item = line.item.id
            buttons.append([
                Button(t("asset_check.btn_in_place", code=line.asset.code),
                       CheckTap("k", item).pack()),
                Button(t("asset_check.btn_missing", code=line.asset.code),
                       CheckTap("x", item).pack()),
                Button(t("asset_check.btn_damaged", code=line.asset.code),
                       CheckTap("d", item).pack()),
            ])
    if buttons:
        buttons.append([Button(t("asset_check.btn_all_in_place"),
                               CheckTap("a", page.sheet.id, page.page).pack())])
    nav = []
    if page.page > 1:
        nav.append(Button(t("asset_check.btn_prev"), CheckTap("p", page.sheet.id,
                                                              page.page - 1).pack()))
    if page.page < page.pages:
        nav.append(Button(t("asset_check.btn_next"), CheckTap("p", page.sheet.id,
                                                              page.page + 1).pack()))
    if nav:
        buttons.append(nav)
    if page.answered == page.total and page.total:
        lines.append(t("asset_check.all_answered"))
    return "\n".join(lines), buttons


def _named(t: Translate, assets: list[Asset], locale: str | None) -> str:
    named = ", ".join(t("asset_check.asset_item", code=a.code, asset=a.display(locale))
                      for a in assets[:LISTED])
    if len(assets) > LISTED:
        named += t("asset_check.more", count=len(assets) - LISTED)
    return named or t("asset_check.none")


def summary_view(summary: RoundSummary, t: Translate, locale: str | None) -> str:
    """The managers' round summary."""
    lines = [t("asset_check.summary", round=round_label(t, summary.round),
               answered=summary.answered, total=summary.total, pct=summary.pct,
               missing=len(summary.missing), damaged=len(summary.damaged))]
    if summary.missing:
        lines.append(t("asset_check.summary_missing", list=_named(t, summary.missing, locale)))
    if summary.damaged:
        lines.append(t("asset_check.summary_damaged", list=_named(t, summary.damaged, locale)))
    for name, figures in sorted(summary.departments.items()):
        lines.append(t("asset_check.summary_department",
                       department=summary.department_name(name, locale)
                       or t("asset_check.no_department"),
                       answered=figures.answered, total=figures.total,
                       missing=figures.missing, damaged=figures.damaged))
    if summary.unanswered:
        late = ", ".join(t("asset_check.late_item", name=name, count=count)
                         for name, count in summary.unanswered[:LISTED])
        lines.append(t("asset_check.summary_unanswered", list=late))
    if summary.orphans:
        lines.append(t("asset_check.summary_orphans", count=summary.orphans))
    return "\n".join(lines)


def orphans_view(check: AssetCheckRound, lines: list[tuple[Asset, Place, str]],
                 t: Translate, locale: str | None) -> str:
    """The assets of a round that nobody can be asked about (no keeper, left, no chat)."""
    rows = [t("asset_check.orphan_line", code=a.code, asset=a.display(locale),
              place=p.display(locale), keeper=keeper or t("asset_check.no_keeper"))
            for a, p, keeper in lines[:LISTED]]
    if len(lines) > LISTED:
        rows.append(t("asset_check.more", count=len(lines) - LISTED))
    return "\n".join([t("asset_check.orphans", round=round_label(t, check), count=len(lines)),
                      *rows])

"""Texts of inspection rounds: round cards, the item question, the finished summary."""

from __future__ import annotations

from bot.core.context import Context
from bot.services.inspections import RoundView, local_time
from models.inspections import InspectionItem


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def place_name(ctx: Context, view: RoundView) -> str:
    """The round's place in the user's language ("—" when it has none)."""
    return view.place.display(ctx.locale) if view.place else "—"


def round_card(ctx: Context, view: RoundView) -> str:
    """One line block about a round: checklist, place, due time, progress."""
    service = ctx.services.inspections
    return ctx.t(
        "inspections.round_card",
        name=view.template.display(ctx.locale), place=place_name(ctx, view),
        due=local_time(service.tz, view.round.due_at), answered=len(view.answers),
        total=len(view.items), state=ctx.t(f"inspections.state_{view.round.state}"),
    )


def allowed_range(ctx: Context, item: InspectionItem) -> str:
    """A reading's allowed range as text, e.g. "0.2–0.4 MPa", "≥ 18 °C", or "" when open."""
    unit = f" {item.unit}" if item.unit else ""
    low, high = item.min_value, item.max_value
    if low is not None and high is not None:
        return f"{_fmt(low)}–{_fmt(high)}{unit}"
    if low is not None:
        return f"≥ {_fmt(low)}{unit}"
    if high is not None:
        return f"≤ {_fmt(high)}{unit}"
    return ""


def item_question(ctx: Context, view: RoundView, item: InspectionItem) -> str:
    """The question for one item, with its number and (for readings) unit and range."""
    fields = {"n": view.index_of(item), "total": len(view.items), "item": item.display(ctx.locale)}
    if item.kind == "reading":
        allowed = allowed_range(ctx, item)
        hint = ctx.t("inspections.range_hint", range=allowed) if allowed else ""
        return ctx.t("inspections.ask_reading", unit=item.unit or "", hint=hint, **fields)
    extra = ctx.t("inspections.safety_mark") if item.safety else ""
    return ctx.t("inspections.ask_check", extra=extra, **fields)


def summary(ctx: Context, view: RoundView) -> str:
    """The finished round: counts, then each problem with its ticket."""
    lines = []
    items = {i.id: i for i in view.items}
    for answer in view.problems:
        item = items[answer.item_id]  # type: ignore[attr-defined]
        value = f" {_fmt(answer.value)}{item.unit or ''}" if answer.value is not None else ""
        ticket = ctx.t("inspections.ticket_ref", number=answer.ticket.number) if (
            answer.ticket) else ""
        lines.append(ctx.t("inspections.problem_line", item=item.display(ctx.locale),
                           value=value, note=answer.note or ctx.t("inspections.see_photo"),
                           ticket=ticket))
    return ctx.t(
        "inspections.summary_problems" if lines else "inspections.summary_ok",
        name=view.template.display(ctx.locale), place=place_name(ctx, view),
        total=len(view.items), ok=len(view.items) - len(lines), problems=len(lines),
        lines="\n".join(lines),
    )

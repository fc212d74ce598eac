"""The asset card as text and buttons, in the reader's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.types import Button
from bot.services.assets import AssetCard, AssetTap
from bot.services.repairs import TicketTap
from handlers.render import category_label, local_time, status_label
from models.assets import AssetEvent


def asset_category(ctx: Context, category: str) -> str:
    """A repair category's localized name; other asset categories as written."""
    known = category in ctx.services.repairs.categories
    return category_label(ctx, category) if known else (category or "-")


def asset_status(ctx: Context, status: str) -> str:
    """An asset status in words."""
    return ctx.t(f"assets.status_{status}")


def _event_line(ctx: Context, event: AssetEvent) -> str:
    what = ctx.t(
        f"assets.ev_{event.kind}",
        status=asset_status(ctx, event.to_status) if event.to_status else "",
        place=event.to_place.display(ctx.locale) if event.to_place else "-",
    )
    return ctx.t(
        "assets.history_line", when=local_time(ctx, event.created_at), what=what,
        who=event.actor.name if event.actor else ctx.t("assets.system"),
        note=f" — {event.note}" if event.note else "",
    )


def _warranty(ctx: Context, card: AssetCard) -> str:
    today = datetime.now(ZoneInfo(ctx.services.settings.timezone)).date()
    active = card.warranty_active(today)
    if active is None:
        return ctx.t("assets.warranty_unknown")
    key = "assets.warranty_until" if active else "assets.warranty_expired"
    return ctx.t(key, date=card.asset.warranty_end.isoformat())  # type: ignore[union-attr]


def card_text(ctx: Context, card: AssetCard) -> str:
    """The card: name, code, place, status, keeper, dates, recent repairs and history."""
    asset = card.asset
    repairs = [ctx.t("assets.repair_line", number=t.number, status=status_label(ctx, t.status),
                     when=local_time(ctx, t.created_at)) for t in card.tickets]
    history = [_event_line(ctx, e) for e in card.events]
    return ctx.t(
        "assets.card", code=asset.code, name=asset.display(ctx.locale),
        category=asset_category(ctx, asset.category), place=card.place.display(ctx.locale),
        status=asset_status(ctx, asset.status),
        responsible=card.responsible.name if card.responsible else "-",
        purchased=asset.purchase_date.isoformat() if asset.purchase_date else "-",
        warranty=_warranty(ctx, card),
        repairs="\n".join(repairs) or ctx.t("assets.no_repairs"),
        history="\n".join(history) or "-",
    )


def card_buttons(ctx: Context, card: AssetCard) -> list[list[Button]]:
    """Manager actions (move, status, dispose) and the open tickets' view buttons."""
    asset = card.asset
    buttons = [[ctx.button(t.number, TicketTap("v", t.number))] for t in card.tickets[:2]]
    if card.may_edit and asset.status != "disposed":
        buttons.append([ctx.button(ctx.t("assets.btn_move"), AssetTap("m", asset.id)),
                        ctx.button(ctx.t("assets.btn_status"), AssetTap("s", asset.id))])
        buttons.append([ctx.button(ctx.t("assets.btn_dispose"), AssetTap("d", asset.id))])
    return buttons

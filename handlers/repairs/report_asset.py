"""The report's optional asset step: when the place has registered equipment, the reporter
may say which one is broken (or none); a QR code on the asset fills it in instead."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from handlers.render import rows
from handlers.repairs.report import _side_input, advance
from handlers.repairs.report_draft import FLOW

router = Router()


@router.prompt(FLOW, "asset")
async def ask_asset(ctx: Context) -> None:
    """Which piece of equipment (buttons), or none of them."""
    offered = []
    for asset_id in ctx.conv.data.get("asset_choices", []):
        asset = await ctx.services.assets.by_id(asset_id)
        offered.append(ctx.choose(f"{asset.display(ctx.locale)} ({asset.code})", f"a{asset.id}"))
    buttons = [*rows(offered, 2), [ctx.choose(ctx.t("assets.btn_none"), "none")],
               [ctx.cancel_button()]]
    await ctx.say("assets.ask_asset", buttons)


@router.step(FLOW, "asset")
async def got_asset(ctx: Context) -> None:
    """Take the asset from a button or its typed code; "none" files the report on the place."""
    if await _side_input(ctx):
        return
    choices = ctx.conv.data.get("asset_choices", [])
    choice = ctx.choice or ""
    if choice == "none":
        await ctx.update(asset_id=None)
        await advance(ctx)
        return
    if choice.startswith("a") and choice[1:].isdigit() and int(choice[1:]) in choices:
        await ctx.update(asset_id=int(choice[1:]))
        await advance(ctx)
        return
    typed = (ctx.incoming.text or "").strip()
    asset = await ctx.services.assets.find(typed) if typed else None
    if asset is not None and asset.id in choices:
        await ctx.update(asset_id=asset.id)
        await advance(ctx)
        return
    if typed and not ctx.conv.data.get("description"):
        # a description typed instead of picking: keep it, file on the place
        await ctx.update(asset_id=None, description=typed[:2000])
        await advance(ctx)
        return
    await ctx.say("report.use_buttons")
    await ask_asset(ctx)

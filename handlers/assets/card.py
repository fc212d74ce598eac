"""The asset register in chat: `/asset CODE` shows the card to staff; managers move an asset,
change its status or dispose of it (with a reason) from the card."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.assets import MANUAL_STATUSES, VIEW_ROLES, AssetTap
from handlers.assets.views import asset_status, card_buttons, card_text
from handlers.render import rows

router = Router()
MOVE_FLOW = "asset_move"
DISPOSE_FLOW = "asset_dispose"


@router.command("asset", "zichan", roles=VIEW_ROLES, in_flow=True, help_key="help.cmd_asset",
                order=40)
async def asset_command(ctx: Context) -> None:
    """`/asset CODE`: the asset's card."""
    if not ctx.incoming.args:
        await ctx.say("assets.usage")
        return
    await show_card(ctx, ctx.incoming.args[0])


async def show_card(ctx: Context, code: str, edit: bool = False) -> None:
    """Render the card of the asset with `code` (staff only, checked by the service)."""
    assert ctx.person is not None
    card = await ctx.services.assets.card(code, ctx.person)
    await ctx.reply(card_text(ctx, card), card_buttons(ctx, card), edit=edit)


@router.action(AssetTap.prefix)
async def asset_action(ctx: Context) -> None:
    """Card buttons: v=view, m=move, s=status menu, st=set status, d=dispose."""
    assert ctx.person is not None
    tap = AssetTap.parse(ctx.action_args)
    verb = tap.verb
    asset = await ctx.services.assets.by_id(tap.asset_id)
    if verb == "v":
        await show_card(ctx, asset.code)
    elif verb == "s":
        await ctx.services.assets.card(asset.code, ctx.person)  # staff check before the menu
        buttons = [ctx.button(asset_status(ctx, s), AssetTap("st", asset.id, s))
                   for s in MANUAL_STATUSES]
        await ctx.reply(ctx.t("assets.pick_status", code=asset.code), rows(buttons, 2))
    elif verb == "st":
        await ctx.services.assets.set_status(ctx.person, asset.code, tap.status)
        await ctx.say("assets.status_set", code=asset.code, status=asset_status(ctx, tap.status))
        await show_card(ctx, asset.code)
    elif verb in ("m", "d"):
        await _begin_edit(ctx, verb, asset.code)
    else:
        await ctx.say("errors.unknown_button")


async def _begin_edit(ctx: Context, verb: str, code: str) -> None:
    assert ctx.person is not None
    card = await ctx.services.assets.card(code, ctx.person)
    if not card.may_edit:
        await ctx.say("errors.not_allowed")
        return
    if ctx.conv.active:
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return
    if verb == "m":
        await ctx.begin(MOVE_FLOW, "place", code=code)
        await ask_place(ctx)
    else:
        await ctx.begin(DISPOSE_FLOW, "reason", code=code)
        await ask_reason(ctx)


@router.prompt(MOVE_FLOW, "place")
async def ask_place(ctx: Context) -> None:
    """Where to move the asset: typed, or one of the offered matches."""
    offered = [ctx.choose((await ctx.services.places.by_id(pid)).display(ctx.locale), f"p{pid}")
               for pid in ctx.conv.data.get("suggest", [])]
    await ctx.say("assets.ask_move_place", [*rows(offered, 2), [ctx.cancel_button()]],
                  code=ctx.conv.data["code"])


@router.step(MOVE_FLOW, "place")
async def got_place(ctx: Context) -> None:
    """Move the asset to the named place (unknown places answered with close matches)."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    choice = ctx.choice or ""
    places = ctx.services.places
    if choice.startswith("p") and choice[1:].isdigit():
        place = await places.by_id(int(choice[1:]))
    else:
        text = (ctx.incoming.text or "").strip()[:100]
        place = await places.find(text) if text else None
        if place is None:
            suggestions = await places.suggest(text) if text else []
            await ctx.update(suggest=[p.id for p in suggestions])
            await ctx.say("report.place_unknown_suggest" if suggestions
                          else "report.place_unknown", query=text[:40] or "-")
            await ask_place(ctx)
            return
    code = ctx.conv.data["code"]
    await ctx.services.assets.move(ctx.person, code, place)  # a refusal keeps the step open
    await ctx.finish()
    await ctx.say("assets.moved", code=code, place=place.display(ctx.locale))
    await show_card(ctx, code)


@router.prompt(DISPOSE_FLOW, "reason")
async def ask_reason(ctx: Context) -> None:
    """Why the asset is disposed of (报废原因)."""
    await ctx.say("assets.ask_dispose_reason", [[ctx.cancel_button()]],
                  code=ctx.conv.data["code"])


@router.step(DISPOSE_FLOW, "reason")
async def got_reason(ctx: Context) -> None:
    """Dispose of the asset with the typed reason."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    reason = (ctx.incoming.text or "").strip()
    if not reason:
        await ctx.say("assets.need_reason")
        await ask_reason(ctx)
        return
    code = ctx.conv.data["code"]
    await ctx.finish()
    await ctx.services.assets.dispose(ctx.person, code, reason)
    await ctx.say("assets.disposed", code=code)
    await show_card(ctx, code)

"""A manager names the asset of an open ticket from the ticket card (🏷 Equipment)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.assets import AssetLinkTap, link_ticket
from handlers.render import rows

router = Router()


@router.action(AssetLinkTap.prefix)
async def asset_link_action(ctx: Context) -> None:
    """at:p:<ticket id> lists the place's assets; at:s:<ticket id>:<asset id> links one."""
    assert ctx.person is not None
    tap = AssetLinkTap.parse(ctx.action_args)  # a forged ticket id: an unknown button
    verb = tap.verb
    ticket = await ctx.services.repairs.get_by_id(tap.ticket_id)
    if verb == "p":
        if not ctx.person.has_role("manager"):
            await ctx.say("errors.not_allowed")
            return
        assets = await ctx.services.assets.at_place(ticket.place_id)  # type: ignore[attr-defined]
        if not assets:
            await ctx.say("assets.none_here")
            return
        buttons = [ctx.button(f"{a.display(ctx.locale)} ({a.code})",
                              AssetLinkTap("s", ticket.id, a.id)) for a in assets[:10]]
        await ctx.say("assets.pick_for_ticket", rows(buttons, 2), number=ticket.number)
    elif verb == "s":
        asset = await ctx.services.assets.by_id(tap.asset_id)
        await link_ticket(ctx.person, ticket, asset)
        await ctx.say("assets.linked", number=ticket.number, asset=asset.display(ctx.locale),
                      code=asset.code)
    else:
        await ctx.say("errors.unknown_button")

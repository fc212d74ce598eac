"""Scanning a room's or an asset's QR code (`/start p_<code>` / `a_<code>`): a repair report
starts with the place (and asset) filled in, so the reporter goes straight to the problem."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.qr_links import decode_param
from bot.core.router import Router
from bot.services.assets import AssetTap, QrTap
from handlers.repairs.report import advance, report
from handlers.repairs.report_draft import FLOW

router = Router()


async def start_from_scan(ctx: Context, param: str) -> None:
    """Begin a report at the scanned place/asset; unknown or retired codes get a clear answer
    and a button for normal reporting."""
    scan = decode_param(param)
    assert scan is not None and ctx.person is not None
    try:
        place, asset = await ctx.services.assets.scanned(scan.kind, scan.code)
    except ServiceError as err:
        offer = [[ctx.button(ctx.t("qr.btn_report"), QrTap())]]
        await ctx.reply(ctx.t(err.key, **err.fields), offer)
        return
    await ctx.begin(FLOW, "category", place_id=place.id, asset_id=asset.id if asset else None,
                    asset_offered=True, via_qr=True)
    if asset is None:
        await ctx.say("qr.place_intro", place=place.display(ctx.locale))
    else:
        buttons = []
        if ctx.person.has_role("worker", "manager", "dorm_admin", "storekeeper"):
            buttons = [[ctx.button(ctx.t("assets.btn_card"), AssetTap("v", asset.id))]]
        await ctx.say("qr.asset_intro", buttons, asset=asset.display(ctx.locale),
                      code=asset.code, place=place.display(ctx.locale))
    await advance(ctx)


@router.action(QrTap.prefix)
async def qr_action(ctx: Context) -> None:
    """The "report a repair" offer after an unknown or retired code: the normal report."""
    QrTap.parse(ctx.action_args)  # its one choice: the normal report
    if ctx.conv.active:
        await ctx.finish()
    await report(ctx)

"""The asset check (资产回访) in chat: a keeper taps in place / missing / damaged per asset (damaged
asks for a photo and/or a note, then files a repair ticket on the asset) or All in place for a
page, and pages through the list; managers start an ad-hoc round with `/assetcheck PLACE` or
`/assetcheck dept DEPARTMENT`."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import InvalidState, NotFound
from bot.core.router import Router
from bot.services.assets import (
    EDIT_ROLES,
    AssetCheckService,
    CheckPage,
    CheckTap,
    page_view,
    round_label,
)
from handlers.media_intake import PHOTOS, held, take

router = Router()
DAMAGE_FLOW = "asset_damage"
DEPARTMENT_WORDS = {"dept", "department", "部门", "单位"}


async def show_page(ctx: Context, sheet_id: int, page: int, edit: bool = True) -> None:
    """One page of the person's own list (the service refuses anyone else's)."""
    assert ctx.person is not None
    shown = await AssetCheckService(ctx.services).page(ctx.person, sheet_id, page)
    await show(ctx, shown, edit)


async def show(ctx: Context, shown: CheckPage, edit: bool = True) -> None:
    """Render a page of a keeper's list in the reader's language."""
    text, buttons = page_view(shown, ctx.t, ctx.locale)
    await ctx.reply(text, buttons, edit=edit)


@router.action(CheckTap.prefix)
async def check_action(ctx: Context) -> None:
    """ac:k/x/d:<item> answer one asset, ac:a:<list>:<page> all in place, ac:p:<list>:<page>."""
    assert ctx.person is not None
    tap = CheckTap.parse(ctx.action_args)
    checks = AssetCheckService(ctx.services)
    if tap.verb in ("k", "x"):
        item = await checks.answer(ctx.person, tap.ref, "in_place" if tap.verb == "k"
                                   else "missing")
        await show(ctx, await checks.page_with(ctx.person, item))
    elif tap.verb == "d":
        item = await checks.own_item(ctx.person, tap.ref)  # refused before the questions
        if ctx.conv.active:
            await ctx.say("errors.finish_first")
            await ctx.reprompt()
            return
        await ctx.begin(DAMAGE_FLOW, "evidence", item_id=item.id, code=item.asset.code,
                        photos=[])
        await ask_evidence(ctx)
    elif tap.verb == "a":
        await checks.all_in_place(ctx.person, tap.ref, tap.page)
        await show_page(ctx, tap.ref, tap.page)
    elif tap.verb == "p":
        await show_page(ctx, tap.ref, tap.page)
    else:
        await ctx.say("errors.unknown_button")


@router.prompt(DAMAGE_FLOW, "evidence")
async def ask_evidence(ctx: Context) -> None:
    """What is damaged: a note, photos, or both."""
    buttons = [[ctx.cancel_button()]]
    if ctx.conv.data.get("photos"):
        buttons.insert(0, [ctx.choose(ctx.t("asset_check.btn_submit"), "submit")])
    await ctx.say("asset_check.ask_damage", buttons, code=ctx.conv.data["code"])


@router.step(DAMAGE_FLOW, "evidence")
async def got_evidence(ctx: Context) -> None:
    """Photos are kept until a note or Submit; a note (with any photos) files the damage."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    inc = ctx.incoming
    if inc.photos:
        added = await take(ctx, inc.photos, PHOTOS)  # a refused photo is answered there
        if added and (inc.text or "").strip():  # a photo with a caption: both at once
            await _file(ctx, inc.text.strip())  # type: ignore[union-attr]
            return
        if added:
            await ctx.say("asset_check.photo_added", count=len(held(ctx.conv.data, "photos")))
        await ask_evidence(ctx)
        return
    note = (inc.text or "").strip()
    if ctx.choice == "submit" and ctx.conv.data.get("photos"):
        await _file(ctx, "")
    elif note and ctx.choice is None:
        await _file(ctx, note)
    else:
        await ctx.say("asset_check.need_evidence")
        await ask_evidence(ctx)


async def _file(ctx: Context, note: str) -> None:
    assert ctx.person is not None
    data = ctx.conv.data
    checks = AssetCheckService(ctx.services)
    try:
        item = await checks.answer(ctx.person, data["item_id"], "damaged", note,
                                   held(data, "photos"))
    except (InvalidState, NotFound) as err:  # the round closed meanwhile: nothing to keep
        await ctx.finish()
        await ctx.reply(ctx.t(err.key, **err.fields))
        return
    await ctx.finish()
    await ctx.say("asset_check.damaged_filed", code=data["code"],
                  number=item.ticket.number if item.ticket else "-")
    await show(ctx, await checks.page_with(ctx.person, item), edit=False)


@router.command("assetcheck", "zichanhuifang", roles=EDIT_ROLES,
                help_key="help.cmd_assetcheck", order=42)
async def assetcheck_command(ctx: Context) -> None:
    """`/assetcheck PLACE` or `/assetcheck dept DEPARTMENT`: an ad-hoc asset check, sent now."""
    assert ctx.person is not None
    args = ctx.incoming.args
    if not args:
        await ctx.say("asset_check.usage")
        return
    checks = AssetCheckService(ctx.services)
    if args[0].lower() in DEPARTMENT_WORDS and len(args) > 1:
        check = await checks.start_adhoc(ctx.person, department=" ".join(args[1:]))
        scope = " ".join(args[1:])
    else:
        query = " ".join(args)[:100]
        place = await ctx.services.places.find(query)
        if place is None:
            await ctx.say("report.place_unknown", query=query[:40])
            return
        check = await checks.start_adhoc(ctx.person, place=place)
        scope = place.display(ctx.locale)
    figures = await checks.started(check)
    await ctx.say("asset_check.started", round=round_label(ctx.t, check), scope=scope,
                  assets=figures[0], lists=figures[1], orphans=figures[2])

"""Repair reporting, second half: the confirm card, duplicate hint, submit, and the shortcut."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.repairs import TicketTap
from handlers.media_intake import draft_media_ids, take_sent_media
from handlers.render import category_label, rows, urgency_label
from handlers.repairs.dispatch_views import dispatch_note
from handlers.repairs.report import START_WORDS, advance, report, say_place_unknown
from handlers.repairs.report_draft import (
    FLOW,
    draft_from_text,
    offer_assets,
    take_location,
    take_photos,
)

router = Router()


async def _place_label(ctx: Context) -> str:
    """The card's place line: the place (with the floor or spot the message named), or a
    request to pick one of the places below."""
    data = ctx.conv.data
    if not data.get("place_id"):
        return ctx.t("report.place_pick")
    label = (await ctx.services.places.by_id(data["place_id"])).display(ctx.locale)
    if data.get("place_detail"):
        label = ctx.t("report.place_with_detail", place=label, detail=data["place_detail"])
    return label


async def _card_text(ctx: Context) -> str:
    data = ctx.conv.data
    card = ctx.t(
        "report.confirm_card",
        category=category_label(ctx, data["category"]),
        place=await _place_label(ctx),
        description=data["description"],
        photos=len(data.get("photos", [])),
        urgency=urgency_label(ctx, data.get("urgency", "normal")),
    )
    if data.get("asset_id"):
        asset = await ctx.services.assets.by_id(data["asset_id"])
        card += "\n" + ctx.t("assets.card_line", asset=asset.display(ctx.locale),
                              code=asset.code)
    lines = [card]
    if data.get("videos"):
        lines.append(ctx.t("media.video_line", count=len(data["videos"])))
    if data.get("voices"):
        lines.append(ctx.t("report.voice_line", count=len(data["voices"])))
    return "\n".join(lines)


@router.prompt(FLOW, "confirm")
async def show_card(ctx: Context, edit: bool = False) -> None:
    """Show the confirm card: one tap files the report."""
    urgent = ctx.conv.data.get("urgency") == "urgent"
    toggle = "report.btn_not_urgent" if urgent else "report.btn_urgent"
    buttons = [
        [ctx.choose(ctx.t("report.btn_submit"), "submit")],
        [ctx.choose(ctx.t(toggle), "toggle"), ctx.cancel_button()],
    ]
    if not ctx.conv.data.get("place_id"):  # several places fit: pick one first (best first)
        picks = [ctx.choose(p.display(ctx.locale), f"pc{p.id}")
                 for p in await ctx.services.places.by_ids(ctx.conv.data["place_choices"])]
        buttons = [*rows(picks, 2), [ctx.cancel_button()]]
    if ctx.conv.data.get("asset_choices") and not ctx.conv.data.get("asset_id"):
        buttons.insert(1, [ctx.choose(ctx.t("assets.btn_pick"), "asset")])
    await ctx.reply(await _card_text(ctx), buttons, edit=edit)


@router.step(FLOW, "confirm")
async def confirm(ctx: Context) -> None:
    """Submit, toggle urgency or cancel; photos, videos and voice notes sent now are added."""
    inc = ctx.incoming
    if inc.photos:
        await take_photos(ctx, inc.photos)
        await ctx.say("report.photo_added", count=len(ctx.conv.data.get("photos", [])))
        await show_card(ctx)
        return
    if await take_sent_media(ctx):
        await show_card(ctx)
        return
    if ctx.choice and ctx.choice.startswith("pc") and not ctx.conv.data.get("place_id"):
        await _pick_place(ctx, ctx.choice[2:])
    elif ctx.choice == "submit" and not ctx.conv.data.get("place_id"):
        await ctx.say("report.place_pick_hint")
        await show_card(ctx)
    elif ctx.choice == "toggle":
        urgent = ctx.conv.data.get("urgency") == "urgent"
        await ctx.update(urgency="normal" if urgent else "urgent")
        await show_card(ctx, edit=True)
    elif ctx.choice == "cancel":
        await ctx.finish()
        await ctx.reply(ctx.t("cancel.done"), edit=True)
    elif ctx.choice == "submit":
        await _submit(ctx)
    elif ctx.choice == "asset" and ctx.conv.data.get("asset_choices"):
        ctx.conv.data.pop("asset_id", None)
        await ctx.goto("asset")  # the asset step, then back to this card
        await ctx.reprompt()
    else:
        await ctx.say("report.use_buttons")
        await show_card(ctx)


async def _pick_place(ctx: Context, value: str) -> None:
    """Take the place tapped among the card's choices (only those offered), then the card."""
    choices = ctx.conv.data.get("place_choices") or []
    if not value.isdigit() or int(value) not in choices:
        await ctx.say("report.use_buttons")
        await show_card(ctx)
        return
    await ctx.update(place_id=int(value), place_choices=[])
    await offer_assets(ctx)
    await show_card(ctx, edit=True)


async def _submit(ctx: Context, allow_duplicate: bool = False) -> None:
    assert ctx.person is not None
    data = ctx.conv.data
    place = await ctx.services.places.by_id(data["place_id"])
    duplicate = await ctx.services.repairs.open_duplicate(place, data["category"])
    if duplicate and not allow_duplicate:
        # someone else's open ticket: follow it (+1); one's own: "the same as R-…?"
        await ctx.goto("duplicate", duplicate_id=duplicate.id,
                       own=duplicate.reporter_id == ctx.person.id)
        await ask_duplicate(ctx, edit=True)
        return
    ticket = await ctx.services.repairs.create(
        ctx.person,
        place,
        data["category"],
        data["description"],
        data.get("urgency", "normal"),
        draft_media_ids(data),
        asset=await ctx.services.assets.by_id(data["asset_id"]) if data.get("asset_id") else None,
    )
    await ctx.finish()
    outcome = await ctx.services.dispatch.on_ticket_created(ticket)
    view = [[ctx.button(ctx.t("tickets.btn_view"), TicketTap("v", ticket.number))]]
    submitted = ctx.t("report.submitted", number=ticket.number)
    await ctx.reply(f"{submitted}\n{dispatch_note(ctx, outcome)}", view, edit=True)


@router.prompt(FLOW, "duplicate")
async def ask_duplicate(ctx: Context, edit: bool = False) -> None:
    """Offer to follow the open ticket for the same place and problem instead of a new one."""
    ticket = await ctx.services.repairs.get_by_id(ctx.conv.data["duplicate_id"])
    own = bool(ctx.conv.data.get("own"))
    first = (ctx.choose(ctx.t("report.btn_same_own"), "same") if own
             else ctx.choose(ctx.t("report.btn_follow"), "follow"))
    buttons = [
        [first],
        [
            ctx.choose(ctx.t("report.btn_new_anyway"), "new"),
            ctx.cancel_button(),
        ],
    ]
    key = "report.duplicate_own" if own else "report.duplicate"
    await ctx.reply(
        ctx.t(key, number=ticket.number, description=ticket.description[:200]),
        buttons,
        edit=edit,
    )


@router.step(FLOW, "duplicate")
async def duplicate(ctx: Context) -> None:
    """Follow the existing ticket (+1), file a new one anyway, or cancel."""
    assert ctx.person is not None
    if ctx.choice == "follow":
        ticket = await ctx.services.repairs.follow(ctx.conv.data["duplicate_id"], ctx.person)
        await ctx.finish()
        view = [[ctx.button(ctx.t("tickets.btn_view"), TicketTap("v", ticket.number))]]
        await ctx.reply(ctx.t("report.followed", number=ticket.number), view, edit=True)
    elif ctx.choice == "same" and ctx.conv.data.get("own"):
        # the same problem again: what this report brings becomes a note on the open ticket
        data = ctx.conv.data
        original = await ctx.services.repairs.get_by_id(data["duplicate_id"])
        ticket = await ctx.services.repairs.add_note(
            original.number, ctx.person, data.get("description") or "", draft_media_ids(data))
        await ctx.finish()
        view = [[ctx.button(ctx.t("tickets.btn_view"), TicketTap("v", ticket.number))]]
        await ctx.reply(ctx.t("report.added_to_own", number=ticket.number), view, edit=True)
    elif ctx.choice == "new":
        await _submit(ctx, allow_duplicate=True)
    elif ctx.choice == "cancel":
        await ctx.finish()
        await ctx.reply(ctx.t("cancel.done"), edit=True)
    else:
        await ctx.say("report.use_buttons")
        await ask_duplicate(ctx)


async def _start_from_text(ctx: Context, text: str, photos_done: bool) -> bool:
    """Pre-fill a report from one message; False when the text names no place or problem."""
    data, suggestions, unknown = await draft_from_text(ctx, text)
    room_only = data.pop("room_only", None)
    if not (data.get("place_id") or data.get("place_choices") or data.get("category")
            or unknown or room_only):
        return False
    await ctx.update(
        **data,
        suggest=[p.id for p in suggestions],
        urgency="normal",
        photos_done=photos_done or bool(data.get("place_id")),
        asset_id=None,  # one tap still submits; the card offers to name the equipment
    )
    if unknown or room_only:
        await say_place_unknown(ctx, room_only, suggestions, unknown or "")
    elif data.get("place_choices"):
        await ctx.say("report.place_pick_hint")
    await advance(ctx)
    return True


@router.on_text
async def shortcut_text(ctx: Context) -> None:
    """`3号楼402 水龙头漏水` → a pre-filled report, confirmed in one tap."""
    text = (ctx.incoming.text or "").strip()
    if text.lower() in START_WORDS:
        await report(ctx)
        return
    await ctx.begin(FLOW, "category")
    if not await _start_from_text(ctx, text, photos_done=True):
        await ctx.finish()
        await ctx.say("report.not_understood")


@router.on_photo
async def shortcut_photo(ctx: Context) -> None:
    """A photo or a video (with or without a caption) starts a report with it."""
    inc = ctx.incoming
    await ctx.begin(FLOW, "category")
    if inc.photos:
        await take_photos(ctx, inc.photos)
    await take_sent_media(ctx)
    if not (ctx.conv.data.get("photos") or ctx.conv.data.get("videos")):
        await ctx.finish()
        return
    caption = (inc.text or "").strip()
    if caption and await _start_from_text(ctx, caption, photos_done=True):
        return
    if caption:
        await ctx.update(description=caption[:2000])
    if inc.photos:  # a video was already acknowledged as it was kept
        await ctx.say("report.photo_received")
    await advance(ctx)


@router.on_location
async def shortcut_location(ctx: Context) -> None:
    """A shared location starts a report at the nearest place (or asks to type the room)."""
    await ctx.begin(FLOW, "category")
    if not await take_location(ctx):
        await ctx.finish()
        return
    await advance(ctx)

"""Repair reporting (报修): the guided flow, the one-message shortcut, and duplicate hints."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from handlers.media_intake import VIDEOS, take, take_sent_media
from handlers.render import category_label, rows, urgency_label
from handlers.repairs.report_draft import (
    FLOW,
    draft_from_text,
    next_step,
    offer_assets,
    take_location,
    take_photos,
)
from models.repairs import URGENCIES

router = Router()
START_WORDS = {"报修", "我要报修", "report", "repair", "/报修"}
DONE_WORDS = {"done", "ok", "完成", "好了", "好", "没了", "skip", "跳过", "没有", "no"}


async def advance(ctx: Context) -> None:
    """Go to the first step the draft still needs and ask for it."""
    await offer_assets(ctx)
    step = next_step(ctx.conv.data)
    await ctx.goto(step)
    await ctx.reprompt()


@router.command("report", "baoxiu", "repair", help_key="help.cmd_report", order=10)
async def report(ctx: Context) -> None:
    """Start the guided repair report."""
    await ctx.begin(FLOW, "category")
    await ask_category(ctx)


async def _side_input(ctx: Context) -> bool:
    """Photos, videos, voice notes, a location or files sent at a step that asks for something
    else: keep the media (a caption becomes the description), take the place from a location,
    re-ask."""
    inc = ctx.incoming
    if inc.photos or inc.videos or inc.voices:
        if inc.photos:
            added = await take_photos(ctx, inc.photos)
            if added:
                await ctx.say("report.photo_added", count=len(ctx.conv.data.get("photos", [])))
        await take_sent_media(ctx)
        captioned = (inc.photos or inc.videos) and inc.text
        if captioned and ctx.conv.step != "description" and not ctx.conv.data.get("description"):
            await ctx.update(description=(inc.text or "").strip()[:2000])
        await advance(ctx)
        return True
    if inc.location and not inc.text:
        await take_location(ctx)
        await advance(ctx)
        return True
    if inc.documents:
        await ctx.say("errors.not_a_photo")
        await ctx.reprompt()
        return True
    return await ctx.cancelled()


@router.prompt(FLOW, "category")
async def ask_category(ctx: Context) -> None:
    """Ask what kind of problem it is."""
    codes = ctx.services.repairs.categories.codes
    buttons = [ctx.choose(category_label(ctx, c), f"cat:{c}") for c in codes]
    await ctx.say("report.ask_category", [*rows(buttons, 3), [ctx.cancel_button()]])


@router.step(FLOW, "category")
async def got_category(ctx: Context) -> None:
    """Take the category from a button, or guess it from typed words."""
    if await _side_input(ctx):
        return
    choice = (ctx.choice or "").removeprefix("cat:")
    text = (ctx.incoming.text or "").strip()
    categories = ctx.services.repairs.categories
    category = choice if choice in categories else categories.guess(text) if text else None
    if category is None:
        await ctx.say("report.pick_category")
        await ask_category(ctx)
        return
    data: dict = {"category": category}
    if text and not ctx.conv.data.get("description"):
        data["description"] = text[:2000]
    await ctx.update(**data)
    await advance(ctx)


@router.prompt(FLOW, "place")
async def ask_place(ctx: Context) -> None:
    """Ask where, offering close matches and the person's recent places as buttons."""
    assert ctx.person is not None
    offered: list = []
    for place_id in ctx.conv.data.get("suggest", []):
        place = await ctx.services.places.by_id(place_id)
        offered.append(ctx.choose(place.display(ctx.locale), f"p{place.id}"))
    if not offered:
        for ticket in await ctx.services.repairs.for_person(ctx.person, limit=5):
            label = ticket.place.display(ctx.locale)
            if all(b.label != label for b in offered):
                offered.append(ctx.choose(label, f"p{ticket.place_id}"))
    await ctx.say("report.ask_place", [*rows(offered[:4], 2), [ctx.cancel_button()]])


@router.step(FLOW, "place")
async def got_place(ctx: Context) -> None:
    """Take the place from a button or from typed text; answer unknown places with matches."""
    if await _side_input(ctx):
        return
    if ctx.choice and ctx.choice.startswith("p") and ctx.choice[1:].isdigit():
        place = await ctx.services.places.by_id(int(ctx.choice[1:]))
        await ctx.update(place_id=place.id, suggest=[])
        await advance(ctx)
        return
    text = (ctx.incoming.text or "").strip()
    if not text:
        await ctx.say("report.use_text_or_buttons")
        await ask_place(ctx)
        return
    data, suggestions, unknown = await draft_from_text(ctx, text)
    if "place_id" not in data and "place_choices" not in data:
        await ctx.update(suggest=[p.id for p in suggestions])
        await say_place_unknown(ctx, data.get("room_only"), suggestions, unknown or text)
        await ask_place(ctx)
        return
    data.pop("room_only", None)
    merged = {k: v for k, v in data.items() if not ctx.conv.data.get(k)}
    place = {"place_id": data["place_id"]} if "place_id" in data else {
        "place_choices": data["place_choices"]}
    await ctx.update(**{**merged, **place, "suggest": []})
    await advance(ctx)


async def say_place_unknown(
    ctx: Context, room_only: str | None, suggestions: list, query: str
) -> None:
    """Say the place was not found (with close matches below), or ask which building a bare
    room number is in."""
    if room_only:
        await ctx.say("report.place_need_building", room=room_only)
        return
    key = "report.place_unknown_suggest" if suggestions else "report.place_unknown"
    await ctx.say(key, query=query[:40])


@router.prompt(FLOW, "description")
async def ask_description(ctx: Context) -> None:
    """Ask what is wrong."""
    await ctx.say("report.ask_description", [[ctx.cancel_button()]])


@router.step(FLOW, "description")
async def got_description(ctx: Context) -> None:
    """Take the description (a captioned photo counts as description + photo)."""
    text = (ctx.incoming.text or "").strip()
    if (ctx.incoming.photos or ctx.incoming.videos) and text:
        await ctx.update(description=text[:2000])
    if await _side_input(ctx):
        return
    if not text:
        await ctx.say("report.need_description")
        await ask_description(ctx)
        return
    await ctx.update(description=text[:2000])
    await advance(ctx)


def _media_count(ctx: Context) -> int:
    return len(ctx.conv.data.get("photos", [])) + len(ctx.conv.data.get("videos", []))


@router.prompt(FLOW, "photos")
async def ask_photos(ctx: Context) -> None:
    """Ask for photos or a short video: several allowed, then Done, or Skip."""
    buttons = [
        [
            ctx.choose(ctx.t("report.btn_photos_done", count=_media_count(ctx)), "done"),
            ctx.choose(ctx.t("report.btn_skip"), "skip"),
        ],
        [ctx.cancel_button()],
    ]
    await ctx.say("report.ask_photos", buttons)


@router.step(FLOW, "photos")
async def got_photos(ctx: Context) -> None:
    """Collect photos and videos until Done/Skip."""
    inc = ctx.incoming
    if inc.photos or inc.videos:
        if inc.photos:
            await take_photos(ctx, inc.photos)
        if inc.videos and not await take(ctx, inc.videos, VIDEOS):
            await ask_photos(ctx)  # refused (and told why): the same question again
            return
        count = _media_count(ctx)
        buttons = [[ctx.choose(ctx.t("report.btn_photos_done", count=count), "done")]]
        if inc.photos:
            photos = len(ctx.conv.data.get("photos", []))
            await ctx.say("report.photo_added_more", buttons, count=photos)
        else:
            videos = len(ctx.conv.data.get("videos", []))
            await ctx.say("media.video_added_more", buttons, count=videos)
        return
    word = (inc.text or "").strip().lower()
    if ctx.choice in ("done", "skip") or word in DONE_WORDS:
        await ctx.update(photos_done=True)
        await advance(ctx)
        return
    if await _side_input(ctx):
        return
    await ctx.say("report.photos_hint")
    await ask_photos(ctx)


@router.prompt(FLOW, "urgency")
async def ask_urgency(ctx: Context) -> None:
    """Ask how urgent it is."""
    buttons = [ctx.choose(urgency_label(ctx, u), u) for u in URGENCIES]
    await ctx.say("report.ask_urgency", [buttons, [ctx.cancel_button()]])


@router.step(FLOW, "urgency")
async def got_urgency(ctx: Context) -> None:
    """Take the urgency from a button (or typed 急/urgent…)."""
    if await _side_input(ctx):
        return
    word = (ctx.incoming.text or "").strip().lower()
    typed = {
        "急": "urgent",
        "紧急": "urgent",
        "urgent": "urgent",
        "普通": "normal",
        "normal": "normal",
        "一般": "normal",
        "不急": "low",
        "low": "low",
    }.get(word)
    urgency = ctx.choice if ctx.choice in URGENCIES else typed
    if urgency is None:
        await ctx.say("report.use_buttons")
        await ask_urgency(ctx)
        return
    await ctx.update(urgency=urgency)
    await advance(ctx)

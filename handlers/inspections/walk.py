"""Walking an inspection round in chat, one item at a time.

Check items: OK / Problem (photos, short videos, voice notes and/or a few words; a photo or a
video when the item requires proof). Reading items: a number; out of the allowed range counts as
a problem and asks for a note or a file. Each answer is stored at once (the round resumes after
a restart or a later Start), a problem becomes a repair ticket on the place carrying its files,
a safety problem also alerts the managers.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.core.router import Router
from bot.core.types import Button
from bot.services.inspections import RoundView, in_range, parse_reading
from handlers.checklist_problem import ItemProblem, ProblemTexts, note_or_files
from handlers.inspections.views import item_question, place_name, summary
from handlers.media_intake import ItemMedia, carries_media
from models.inspections import InspectionItem

router = Router()
FLOW = "insp"
MAX_ITEM_PHOTOS = 5
OK_WORDS = {"ok", "好", "好的", "正常", "没问题", "无问题", "fine", "good"}
STOPPED = (InvalidState, NotFound, PermissionDenied)
ITEM_MEDIA = ItemMedia.within("cur", MAX_ITEM_PHOTOS, "inspections.too_many_photos")
PROBLEM = ItemProblem(ITEM_MEDIA, ProblemTexts(
    btn_done="inspections.btn_done", btn_no_photo="inspections.btn_no_photo",
    files_saved="inspections.photo_saved", ask_photo="inspections.ask_photo",
    ask_problem="inspections.ask_problem", need_something="inspections.need_something",
    ask_photo_required="inspections.ask_photo_required"))
# Pause and /cancel: each answer is stored as given, only an unfinished problem is dropped.
router.cancel_text(FLOW, "inspections.paused")


async def begin_round(ctx: Context, view: RoundView) -> None:
    """Start (or resume) walking a round."""
    await ctx.begin(FLOW, "item", rid=view.id, item=None, cur={})
    await ctx.say("inspections.intro", name=view.template.display(ctx.locale),
                  place=place_name(ctx, view), total=len(view.items),
                  answered=len(view.answers))
    await ask_item(ctx)


async def _current(ctx: Context) -> tuple[RoundView, InspectionItem | None]:
    view = await ctx.services.inspections.view(ctx.conv.data["rid"])
    wanted = ctx.conv.data.get("item")
    item = next((i for i in view.items if i.id == wanted and i.id not in view.answers), None)
    return view, item or view.next_item()


def _pause_button(ctx: Context) -> Button:
    return ctx.choose(ctx.t("inspections.btn_pause"), "cancel")


@router.prompt(FLOW, "item")
async def ask_item(ctx: Context) -> None:
    """Ask the next unanswered item."""
    view, item = await _current(ctx)
    if item is None:  # everything answered meanwhile
        await ctx.finish()
        await ctx.reply(summary(ctx, view))
        return
    await ctx.update(item=item.id)
    if item.kind == "reading":
        await ctx.reply(item_question(ctx, view, item), [[_pause_button(ctx)]])
        return
    buttons = [[ctx.choose(ctx.t("inspections.btn_ok"), "ok"),
                ctx.choose(ctx.t("inspections.btn_problem"), "bad")], [_pause_button(ctx)]]
    await ctx.reply(item_question(ctx, view, item), buttons)


async def _paused(ctx: Context) -> bool:
    return await ctx.cancelled()


@router.step(FLOW, "item")
async def got_item(ctx: Context) -> None:
    """OK / Problem for a check, a number for a reading; a photo or words mean a problem."""
    if await _paused(ctx):
        return
    _, item = await _current(ctx)
    if item is None:
        await ask_item(ctx)
        return
    inc = ctx.incoming
    text = (inc.text or "").strip()
    if item.kind == "reading":
        await _got_reading(ctx, item, text)
    elif ctx.choice == "ok" or (not carries_media(ctx) and text.lower() in OK_WORDS):
        await _record(ctx, ok=True)
    elif ctx.choice == "bad" or carries_media(ctx) or (text and not ctx.choice):
        await PROBLEM.open(ctx, text)
    elif inc.documents:
        await ctx.say("errors.not_a_photo")
        await ask_item(ctx)
    else:
        await ctx.say("inspections.use_buttons")
        await ask_item(ctx)


async def _got_reading(ctx: Context, item: InspectionItem, text: str) -> None:
    if not text:
        await ctx.say("inspections.type_number", unit=item.unit or "")
        await ask_item(ctx)
        return
    try:
        value = parse_reading(text, item.unit)
    except ServiceError as err:
        await ctx.reply(ctx.t(err.key, **err.fields))
        await ask_item(ctx)
        return
    if in_range(item, value):
        await _record(ctx, ok=True, value=value)
        return
    await ctx.say("inspections.out_of_range", value=f"{value:g}", unit=item.unit or "")
    await ctx.goto("problem", cur={"value": value, "note": ""})
    await ctx.reprompt()


@router.prompt(FLOW, "problem")
async def ask_problem(ctx: Context) -> None:
    """Ask for a photo, video or voice note and/or a few words (a photo or a video when the
    item requires one)."""
    _, item = await _current(ctx)
    if item is None:
        await ctx.goto("item")
        await ask_item(ctx)
        return
    await PROBLEM.ask(ctx, item.display(ctx.locale), _pause_button(ctx), item.photo_required)


@router.step(FLOW, "problem")
async def got_problem(ctx: Context) -> None:
    """Photos, videos, voice notes (captions count as the note), words, then Done."""
    if await _paused(ctx):
        return
    _, item = await _current(ctx)
    if item is None:
        await ask_problem(ctx)
        return
    await PROBLEM.answer(ctx, ask_problem, lambda: _record(ctx, ok=False), item.photo_required)


def _ticket_text(ctx: Context, view: RoundView, item: InspectionItem, value: float | None,
                 note: str) -> str:
    reading = f"{value:g}{item.unit or ''}" if value is not None else ""
    return ctx.t("inspections.ticket_text", name=view.template.display(ctx.locale),
                 item=item.display(ctx.locale), reading=reading,
                 note=note_or_files(ctx, note, *ITEM_MEDIA.counts(ctx.conv.data)))


async def _record(ctx: Context, ok: bool, value: float | None = None) -> None:
    """Store the current item's answer, then the next item or the summary."""
    assert ctx.person is not None
    service = ctx.services.inspections
    view, item = await _current(ctx)
    if item is None:
        await ask_item(ctx)
        return
    cur = ctx.conv.data.get("cur") or {}
    value = cur.get("value", value)
    note = cur.get("note") or ""
    photos, videos, voices = ITEM_MEDIA.ids(ctx.conv.data)
    try:
        done = await service.answer(
            ctx.person, view.id, item.id, ok=ok, value=value, note=note,
            photo_ids=photos, video_ids=videos, voice_ids=voices,
            description=_ticket_text(ctx, view, item, value, note),
        )
    except STOPPED as err:  # reassigned, missed or answered elsewhere: nothing recorded
        await ctx.finish()
        await ctx.reply(ctx.t(err.key, **err.fields))
        return
    except ServiceError as err:  # e.g. the photo this item requires
        await ctx.reply(ctx.t(err.key, **err.fields))
        await ctx.reprompt()
        return
    if done.ticket is not None:
        await ctx.say("inspections.ticket_made", number=done.ticket.number)
        await ctx.services.dispatch.on_ticket_created(done.ticket)
    if not done.answer.ok and item.safety:
        await service.alert_safety(ctx.person, done)
    if done.finished:
        await ctx.finish()
        await ctx.reply(summary(ctx, done.view))
        return
    await ctx.goto("item", item=None, cur={})
    await ask_item(ctx)

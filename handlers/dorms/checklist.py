"""The room-condition checklist: the student's check-in and the dorm admin's check-out.

One item at a time: OK, or Problem → photos, short videos, voice notes and/or a few words; then
a summary to submit. Every problem becomes a repair ticket on the room with its files.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import InvalidState, NotFound, PermissionDenied
from bot.core.router import Router
from bot.core.types import Button
from bot.services.dorms import CheckResult, Stay
from handlers.checklist_problem import ItemProblem, ProblemTexts, note_or_files
from handlers.dorms.views import ITEMS, checklist_summary, item_label
from handlers.media_intake import ItemMedia, carries_media

router = Router()
FLOW = "dormchk"
MAX_ITEM_PHOTOS = 5
OK_WORDS = {"ok", "好", "好的", "正常", "没问题", "无问题", "fine", "good", "没有问题"}
ITEM_MEDIA = ItemMedia.within("cur", MAX_ITEM_PHOTOS, "dorm.too_many_photos")
PROBLEM = ItemProblem(ITEM_MEDIA, ProblemTexts(
    btn_done="dorm.btn_done", btn_no_photo="dorm.btn_no_photo",
    files_saved="dorm.problem_photo_saved", ask_photo="dorm.ask_photo",
    ask_problem="dorm.ask_problem", need_something="dorm.problem_need_something"))
router.cancel_text(FLOW, "dorm.check_cancelled")  # nothing is stored before Submit


async def begin_checklist(ctx: Context, stay: Stay, phase: str) -> None:
    """Start the checklist for a stay; phase is "checkin" (student) or "checkout" (admin)."""
    await ctx.begin(FLOW, "item", aid=stay.id, phase=phase, i=0, results=[], cur={})
    await ctx.say(
        f"dorm.check_intro_{phase}",
        room=stay.room.display(ctx.locale),
        name=stay.person.name,
        count=len(ITEMS),
    )
    await ask_item(ctx)


def _item(ctx: Context) -> str:
    return ITEMS[min(ctx.conv.data.get("i", 0), len(ITEMS) - 1)]


def _cancel_button(ctx: Context) -> Button:
    return ctx.cancel_button()


@router.prompt(FLOW, "item")
async def ask_item(ctx: Context) -> None:
    """Ask about the next item: OK or a problem."""
    index = ctx.conv.data.get("i", 0)
    phase = ctx.conv.data.get("phase", "checkin")
    buttons = [
        [ctx.choose(ctx.t("dorm.btn_ok"), "ok"), ctx.choose(ctx.t(f"dorm.btn_bad_{phase}"), "bad")],
        [ctx.choose(ctx.t("dorm.btn_all_ok"), "allok"), _cancel_button(ctx)],
    ]
    await ctx.say(
        "dorm.check_item", buttons, n=index + 1, total=len(ITEMS), item=item_label(ctx, _item(ctx))
    )



async def _answer(ctx: Context, ok: bool) -> None:
    """Record the current item and move on (to the next item or the summary)."""
    data = ctx.conv.data
    cur = data.get("cur") or {}
    result = {"item": _item(ctx), "ok": ok}
    if not ok:
        photos, videos, voices = ITEM_MEDIA.ids(data)
        result.update(note=cur.get("note", ""), photos=photos, videos=videos, voices=voices)
    results = [*data.get("results", []), result]
    index = data.get("i", 0) + 1
    await ctx.goto("review" if index >= len(ITEMS) else "item", results=results, i=index, cur={})
    await ctx.reprompt()


@router.step(FLOW, "item")
async def got_item(ctx: Context) -> None:
    """OK / Problem / all remaining OK; a photo, a video, a voice note or words here mean a
    problem."""
    if await ctx.cancelled():
        return
    inc = ctx.incoming
    text = (inc.text or "").strip()
    if ctx.choice == "ok" or (not carries_media(ctx) and text.lower() in OK_WORDS):
        await _answer(ctx, ok=True)
    elif ctx.choice == "allok":
        done = {r["item"] for r in ctx.conv.data.get("results", [])}
        rest = [{"item": item, "ok": True} for item in ITEMS if item not in done]
        await ctx.goto(
            "review", results=[*ctx.conv.data.get("results", []), *rest], i=len(ITEMS), cur={}
        )
        await ctx.reprompt()
    elif ctx.choice == "bad" or carries_media(ctx) or text:
        await PROBLEM.open(ctx, text)
    elif inc.documents:
        await ctx.say("errors.not_a_photo")
        await ask_item(ctx)
    else:
        await ctx.say("dorm.use_buttons")
        await ask_item(ctx)


@router.prompt(FLOW, "problem")
async def ask_problem(ctx: Context) -> None:
    """Ask for a photo (or a short video, a voice note) and a few words about the problem
    (either is enough)."""
    await PROBLEM.ask(ctx, item_label(ctx, _item(ctx)), _cancel_button(ctx))


@router.step(FLOW, "problem")
async def got_problem(ctx: Context) -> None:
    """Photos, videos, voice notes (with or without a caption), words, then Done; words after
    a file finish it."""
    if await ctx.cancelled():
        return
    await PROBLEM.answer(ctx, ask_problem, lambda: _answer(ctx, ok=False))


@router.prompt(FLOW, "review")
async def ask_review(ctx: Context) -> None:
    """The answers, then Submit / Start over / Cancel."""
    phase = ctx.conv.data.get("phase", "checkin")
    buttons = [
        [ctx.choose(ctx.t(f"dorm.btn_submit_{phase}"), "submit")],
        [ctx.choose(ctx.t("dorm.btn_redo"), "redo"), _cancel_button(ctx)],
    ]
    summary = checklist_summary(ctx, ctx.conv.data.get("results", []))
    await ctx.say("dorm.check_review", buttons, summary=summary)


def _results(ctx: Context, phase: str) -> list[CheckResult]:
    out = []
    for r in ctx.conv.data.get("results", []):
        note = r.get("note") or ""
        description = (
            ""
            if r["ok"]
            else ctx.t(
                f"dorm.ticket_{phase}",
                item=item_label(ctx, r["item"]),
                note=note_or_files(ctx, note, len(r.get("photos", [])),
                                   len(r.get("videos", [])), len(r.get("voices", []))),
            )
        )
        out.append(CheckResult(r["item"], r["ok"], note, description, r.get("photos", []),
                               r.get("videos", []), r.get("voices", [])))
    return out


@router.step(FLOW, "review")
async def got_review(ctx: Context) -> None:
    """Submit the checklist (check-in or check-out), start over, or cancel."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    if ctx.choice == "redo":
        await ctx.goto("item", i=0, results=[], cur={})
        await ask_item(ctx)
        return
    if ctx.choice != "submit":
        await ctx.say("dorm.use_buttons")
        await ask_review(ctx)
        return
    dorms, phase, aid = ctx.services.dorms, ctx.conv.data["phase"], ctx.conv.data["aid"]
    try:
        if phase == "checkin":
            tickets = await dorms.confirm_checkin(ctx.person, aid, _results(ctx, phase))
        else:
            tickets = await dorms.check_out(ctx.person, aid, _results(ctx, phase))
    except (InvalidState, NotFound, PermissionDenied) as err:  # changed meanwhile: stop here
        await ctx.finish()
        await ctx.reply(ctx.t(err.key, **err.fields), edit=True)
        return
    await ctx.finish()
    stay = await dorms.stay(aid)
    numbers = ", ".join(t.number for t in tickets)
    key = f"dorm.done_{phase}" + ("_tickets" if tickets else "")
    await ctx.reply(
        ctx.t(key, room=stay.room.display(ctx.locale), name=stay.person.name, numbers=numbers),
        edit=True,
    )
    if phase == "checkout":
        await dorms.tell_student(stay, "dorm.checked_out_student")
    for ticket in tickets:  # checklist problems are repairs like any other: dispatch them
        await ctx.services.dispatch.on_ticket_created(ticket)

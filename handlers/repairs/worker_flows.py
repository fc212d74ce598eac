"""Worker flows with typed input: finishing a job (photos or a video, result note, materials),
the parts needed, why it can't be fixed, another reason to decline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.context import Context
from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.core.router import Router
from bot.services.repairs import parse_materials
from handlers.media_intake import VIDEOS, take, take_voices
from handlers.repairs.report_draft import take_photos

router = Router()
DONE, PARTS, FAIL, DECLINE = "jobdone", "jobparts", "jobfail", "jobdecl"
FINAL_ERRORS = (InvalidState, NotFound, PermissionDenied)


async def _begin(ctx: Context, flow: str, step: str, **data: object) -> bool:
    if ctx.conv.active:
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return False
    await ctx.begin(flow, step, **data)
    return True




async def _finally(ctx: Context, work: Callable[[], Awaitable[None]]) -> None:
    """Run the flow's last call: a job that ended meanwhile ends the flow with the reason;
    any other refusal is explained and the step asked again."""
    try:
        await work()
    except FINAL_ERRORS as err:
        await ctx.finish()
        await ctx.reply(ctx.t(err.key, **err.fields))
    except ServiceError as err:
        await ctx.reply(ctx.t(err.key, **err.fields))
        await ctx.reprompt()


# --- done: photos, note, materials -------------------------------------------------------------

async def start_done(ctx: Context, job_id: int) -> None:
    """Finish a job: ask for the result photos first."""
    assert ctx.person is not None
    job, ticket = await ctx.services.work.active(job_id, ctx.person)
    if await _begin(ctx, DONE, "photos", job_id=job.id, number=ticket.number, photos=[]):
        await ask_done_photos(ctx)


def _proof_count(ctx: Context) -> int:
    return len(ctx.conv.data.get("photos", [])) + len(ctx.conv.data.get("videos", []))


@router.prompt(DONE, "photos")
async def ask_done_photos(ctx: Context) -> None:
    """Ask for photos or a video of the result (required ones say how many)."""
    need = ctx.services.work.photos_required
    key = "dispatch.done_ask_photos" if need else "dispatch.done_ask_photos_optional"
    done = ctx.choose(ctx.t("report.btn_photos_done", count=_proof_count(ctx)), "done")
    await ctx.say(key, [[done], [ctx.cancel_button()]], number=ctx.conv.data["number"], count=need)


@router.step(DONE, "photos")
async def got_done_photos(ctx: Context) -> None:
    """Collect photos, videos and voice notes; Done (or typed text, taken as the note) moves on
    once the proof is there: the required photos, or a video."""
    if await ctx.cancelled():
        return
    inc = ctx.incoming
    if inc.photos or inc.videos or inc.voices:
        if inc.photos:
            await take_photos(ctx, inc.photos)
        kept_video = bool(inc.videos and await take(ctx, inc.videos, VIDEOS))
        if inc.voices:
            await take_voices(ctx, inc.voices)
        if not (inc.text or "").strip():
            done = ctx.choose(ctx.t("report.btn_photos_done", count=_proof_count(ctx)), "done")
            buttons = [[done], [ctx.cancel_button()]]
            if inc.photos:
                photos = len(ctx.conv.data.get("photos", []))
                await ctx.say("dispatch.done_photo_added", buttons, count=photos)
            elif kept_video:
                videos = len(ctx.conv.data.get("videos", []))
                await ctx.say("media.video_added_more", buttons, count=videos)
            else:  # a refused video (told why) or a voice note is no proof: ask again
                await ask_done_photos(ctx)
            return
    elif inc.documents:
        await ctx.say("errors.not_a_photo")
        return
    text = (inc.text or "").strip()
    if ctx.choice != "done" and not text:
        await ask_done_photos(ctx)
        return
    need = ctx.services.work.photos_required
    if len(ctx.conv.data.get("photos", [])) < need and not ctx.conv.data.get("videos"):
        await ctx.say("dispatch.done_need_photo", count=need)
        await ask_done_photos(ctx)
        return
    if text:
        await ctx.goto("materials", note=text[:2000])
        await ask_materials(ctx)
        return
    await ctx.goto("note")
    await ask_note(ctx)


@router.prompt(DONE, "note")
async def ask_note(ctx: Context) -> None:
    """Ask what was done (the result note the reporter will read)."""
    await ctx.say("dispatch.done_ask_note", [[ctx.cancel_button()]], number=ctx.conv.data["number"])


@router.step(DONE, "note")
async def got_note(ctx: Context) -> None:
    """Take the result note."""
    if await ctx.cancelled():
        return
    text = (ctx.incoming.text or "").strip()
    if not text:
        await ctx.say("dispatch.done_need_note")
        await ask_note(ctx)
        return
    await ctx.goto("materials", note=text[:2000])
    await ask_materials(ctx)


@router.prompt(DONE, "materials")
async def ask_materials(ctx: Context) -> None:
    """Ask for the materials used (optional)."""
    none = ctx.choose(ctx.t("dispatch.btn_no_materials"), "none")
    await ctx.say("dispatch.done_ask_materials", [[none], [ctx.cancel_button()]])


@router.step(DONE, "materials")
async def got_materials(ctx: Context) -> None:
    """Parse the materials (or none) and finish the job."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    text = (ctx.incoming.text or "").strip()
    if ctx.choice != "none" and not text:
        await ask_materials(ctx)
        return
    try:
        lines = parse_materials(text) if ctx.choice != "none" else []
    except ServiceError as err:
        await ctx.reply(ctx.t(err.key, **err.fields))
        await ask_materials(ctx)
        return
    data = ctx.conv.data

    async def work() -> None:
        """The service call that ends the flow."""
        assert ctx.person is not None
        await ctx.services.work.complete(
            data["job_id"], ctx.person, data["note"], data.get("photos", []), lines,
            video_ids=data.get("videos", []), voice_ids=data.get("voices", []),
        )
        await ctx.finish()
        await ctx.say("dispatch.done_thanks", number=data["number"], materials=len(lines))

    await _finally(ctx, work)


# --- need parts, can't fix, decline with another reason ----------------------------------------

async def start_parts(ctx: Context, job_id: int) -> None:
    """Ask which parts are needed (or skip)."""
    assert ctx.person is not None
    job, ticket = await ctx.services.work.active(job_id, ctx.person)
    if await _begin(ctx, PARTS, "text", job_id=job.id, number=ticket.number):
        await ask_parts(ctx)


@router.prompt(PARTS, "text")
async def ask_parts(ctx: Context) -> None:
    """Which parts?"""
    skip = ctx.choose(ctx.t("report.btn_skip"), "skip")
    number = ctx.conv.data["number"]
    await ctx.say("dispatch.parts_ask", [[skip], [ctx.cancel_button()]], number=number)


@router.step(PARTS, "text")
async def got_parts(ctx: Context) -> None:
    """Tell storekeepers and managers what is needed."""
    if await ctx.cancelled():
        return
    text = (ctx.incoming.text or "").strip()
    if ctx.choice != "skip" and not text:
        await ask_parts(ctx)
        return

    async def work() -> None:
        """The service call that ends the flow."""
        assert ctx.person is not None
        data = ctx.conv.data
        await ctx.services.work.need_parts(data["job_id"], ctx.person, text)
        await ctx.finish()
        await ctx.say("dispatch.parts_sent", number=data["number"])

    await _finally(ctx, work)


async def start_cant_fix(ctx: Context, job_id: int) -> None:
    """Ask why the job cannot be done."""
    assert ctx.person is not None
    job, ticket = await ctx.services.work.active(job_id, ctx.person)
    if await _begin(ctx, FAIL, "reason", job_id=job.id, number=ticket.number):
        await ask_fail_reason(ctx)


@router.prompt(FAIL, "reason")
async def ask_fail_reason(ctx: Context) -> None:
    """Why can't it be fixed?"""
    await ctx.say("dispatch.cant_fix_ask", [[ctx.cancel_button()]], number=ctx.conv.data["number"])


@router.step(FAIL, "reason")
async def got_fail_reason(ctx: Context) -> None:
    """Hand the ticket back to the managers with the reason."""
    if await ctx.cancelled():
        return
    text = (ctx.incoming.text or "").strip()
    if not text:
        await ctx.say("dispatch.need_reason")
        await ask_fail_reason(ctx)
        return

    async def work() -> None:
        """The service call that ends the flow."""
        assert ctx.person is not None
        data = ctx.conv.data
        await ctx.services.work.cant_fix(data["job_id"], ctx.person, text)
        await ctx.finish()
        await ctx.say("dispatch.cant_fix_sent", number=data["number"])

    await _finally(ctx, work)


async def start_decline_other(ctx: Context, job_id: int) -> None:
    """Decline with a typed reason."""
    assert ctx.person is not None
    job, ticket = await ctx.services.offers.check(job_id, ctx.person)
    if await _begin(ctx, DECLINE, "reason", job_id=job.id, number=ticket.number):
        await ask_decline_reason(ctx)


@router.prompt(DECLINE, "reason")
async def ask_decline_reason(ctx: Context) -> None:
    """Why decline?"""
    await ctx.say("dispatch.decline_ask", [[ctx.cancel_button()]], number=ctx.conv.data["number"])


@router.step(DECLINE, "reason")
async def got_decline_reason(ctx: Context) -> None:
    """Decline with the reason given."""
    if await ctx.cancelled():
        return
    text = (ctx.incoming.text or "").strip()
    if not text:
        await ctx.say("dispatch.need_reason")
        await ask_decline_reason(ctx)
        return

    async def work() -> None:
        """The service call that ends the flow."""
        assert ctx.person is not None
        data = ctx.conv.data
        await ctx.services.offers.decline(data["job_id"], ctx.person, text)
        await ctx.finish()
        await ctx.say("dispatch.declined_you", number=data["number"])

    await _finally(ctx, work)

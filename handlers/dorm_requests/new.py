"""Dorm life requests for students: /dormrequest (晚归 / 外宿 / 调宿), step by step to a confirm
card; also started by just sending 晚归, 外宿 or 调宿."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.router import Router
from bot.services.dorm_requests import (
    MAX_REASON,
    Preference,
    clean_text,
    expected_moment,
    find_preference,
    parse_clock,
)
from handlers.dorm_requests.views import KINDS, draft_fields
from handlers.render import rows
from models.dorm_requests import DormRequest

router = Router()
FLOW = "dreq"
LATE_TIMES = ("21:30", "22:00", "22:30", "23:00", "23:30", "00:00", "00:30", "01:00")
WORDS = {
    "晚归": "late_return", "晚归申请": "late_return", "late return": "late_return",
    "外宿": "stay_out", "外宿申请": "stay_out", "stay out": "stay_out",
    "调宿": "room_change", "调宿申请": "room_change", "换宿舍": "room_change",
    "room change": "room_change", "change room": "room_change",
}
FIRST_STEP = {"late_return": "time", "stay_out": "from", "room_change": "reason"}


def _now() -> datetime:
    return datetime.now(UTC)


def today_of(ctx: Context) -> date:
    """The local calendar day."""
    return ctx.services.dorm_requests.today()


async def _begin(ctx: Context, kind: str | None) -> None:
    assert ctx.person is not None
    stay = await ctx.services.dorm_requests.resident_stay(ctx.person)  # non-residents: refused
    if kind is None:
        await ctx.begin(FLOW, "kind", room=stay.room.display(ctx.locale))
    else:
        await ctx.services.dorm_requests.ensure_none_open(ctx.person, kind)
        await ctx.begin(FLOW, FIRST_STEP[kind], kind=kind, room=stay.room.display(ctx.locale))
    await ctx.reprompt()


@router.command("dormrequest", "qingjia", "shenqing", help_key="dorm_requests.cmd_request",
                order=16)
async def dorm_request(ctx: Context) -> None:
    """Start a request: the menu of kinds, or straight to one (`/dormrequest 晚归`)."""
    word = " ".join(ctx.incoming.args).strip().lower()
    await _begin(ctx, WORDS.get(word) or (word if word in KINDS else None))


async def _is_request_word(ctx: Context) -> bool:
    return " ".join((ctx.incoming.text or "").split()).lower() in WORDS


@router.on_text_if(_is_request_word, priority=20)
async def request_word(ctx: Context) -> None:
    """晚归 / 外宿 / 调宿 sent on its own starts that request."""
    await _begin(ctx, WORDS[" ".join((ctx.incoming.text or "").split()).lower()])


@router.prompt(FLOW, "kind")
async def ask_kind(ctx: Context) -> None:
    """Which request: late return, staying out, room change."""
    buttons = [[ctx.choose(ctx.t(f"dorm_requests.kind_{k}"), k)] for k in KINDS]
    await ctx.say("dorm_requests.ask_kind", [*buttons, [ctx.cancel_button()]],
                  room=ctx.conv.data["room"])


@router.step(FLOW, "kind")
async def got_kind(ctx: Context) -> None:
    """Take the kind (button, or the word typed)."""
    if await ctx.cancelled():
        return
    text = " ".join((ctx.incoming.text or "").split()).lower()
    kind = ctx.choice if ctx.choice in KINDS else WORDS.get(text)
    if kind is None:
        await ctx.say("dorm_requests.use_buttons")
        await ask_kind(ctx)
        return
    assert ctx.person is not None
    try:
        await ctx.services.dorm_requests.ensure_none_open(ctx.person, kind)
    except ServiceError:
        await ctx.finish()
        raise
    await ctx.goto(FIRST_STEP[kind], kind=kind)
    await ctx.reprompt()


async def retry(ctx: Context, err: ServiceError) -> None:
    """Say why the input was refused and ask the step again."""
    await ctx.reply(ctx.t(err.key, **err.fields))
    await ctx.reprompt()


# --- late return -------------------------------------------------------------------------------


@router.prompt(FLOW, "time")
async def ask_time(ctx: Context) -> None:
    """When the student expects to be back: buttons for the usual times still ahead, or typed."""
    tz, now = ctx.services.dorm_requests.dorms.tz, _now()
    offers = []
    for label in LATE_TIMES:
        try:
            moment = expected_moment(time.fromisoformat(label), now, tz)
        except ServiceError:
            continue
        if moment - now <= timedelta(hours=20):
            offers.append(ctx.choose(label, f"t{label}"))
    await ctx.say("dorm_requests.ask_time", [*rows(offers, 4), [ctx.cancel_button()]])


@router.step(FLOW, "time")
async def got_time(ctx: Context) -> None:
    """Take HH:MM (after midnight counts as tonight)."""
    if await ctx.cancelled():
        return
    raw = ctx.choice[1:] if ctx.choice and ctx.choice.startswith("t") else ctx.incoming.text
    clock = parse_clock(raw or "")
    if clock is None:
        await ctx.say("dorm_requests.bad_time")
        await ask_time(ctx)
        return
    try:
        moment = expected_moment(clock, _now(), ctx.services.dorm_requests.dorms.tz)
    except ServiceError as err:
        await retry(ctx, err)
        return
    await ctx.goto("reason", expected=moment.isoformat())
    await ctx.reprompt()


@router.prompt(FLOW, "reason")
async def ask_reason(ctx: Context) -> None:
    """Why (a few words)."""
    await ctx.say(f"dorm_requests.ask_reason_{ctx.conv.data['kind']}", [[ctx.cancel_button()]])


@router.step(FLOW, "reason")
async def got_reason(ctx: Context) -> None:
    """Take the reason; a room change then asks for the preferred building or room."""
    if await ctx.cancelled():
        return
    try:
        reason = clean_text(ctx.incoming.text, MAX_REASON, "dorm_requests.need_reason")
    except ServiceError as err:
        await retry(ctx, err)
        return
    step = "pref" if ctx.conv.data["kind"] == "room_change" else "confirm"
    await ctx.goto(step, reason=reason)
    await ctx.reprompt()


# --- room change -------------------------------------------------------------------------------


@router.prompt(FLOW, "pref")
async def ask_pref(ctx: Context) -> None:
    """The preferred dorm building or room (optional)."""
    buttons = [[ctx.choose(ctx.t("dorm_requests.btn_no_preference"), "none")],
               [ctx.cancel_button()]]
    await ctx.say("dorm_requests.ask_pref", buttons)


@router.step(FLOW, "pref")
async def got_pref(ctx: Context) -> None:
    """Take a building or room code checked against the roster; unknown ones get close matches."""
    if await ctx.cancelled():
        return
    if ctx.choice == "none":
        await ctx.goto("confirm", pref=None, pref_label=None)
        await ctx.reprompt()
        return
    raw = ctx.choice[2:] if ctx.choice and ctx.choice.startswith("p:") else ctx.incoming.text
    if not raw:
        await ctx.say("dorm_requests.use_buttons")
        await ask_pref(ctx)
        return
    try:
        pref = await find_preference(raw)
    except ServiceError as err:
        close = err.fields.get("suggestions") or []
        buttons = [[ctx.choose(code, f"p:{code}") for code in close]] if close else []
        buttons.append([ctx.choose(ctx.t("dorm_requests.btn_no_preference"), "none")])
        key = "dorm_requests.unknown_place_close" if close else err.key
        await ctx.say(key, [*buttons, [ctx.cancel_button()]], place=err.fields["place"])
        return
    place = pref.room or pref.building
    await ctx.goto("confirm", pref={"building": pref.building.id,
                                    "room": pref.room.id if pref.room else None},
                   pref_label=place.display(ctx.locale))
    await ctx.reprompt()


# --- confirm -----------------------------------------------------------------------------------


@router.prompt(FLOW, "confirm")
async def ask_confirm(ctx: Context) -> None:
    """The request as the dorm admin will read it: Submit / Cancel."""
    data = ctx.conv.data
    text = ctx.t(f"dorm_requests.details_{data['kind']}", **draft_fields(ctx, data))
    buttons = [[ctx.choose(ctx.t("dorm_requests.btn_submit"), "ok"), ctx.cancel_button()]]
    kind = ctx.t(f"dorm_requests.kind_{data['kind']}")
    await ctx.say("dorm_requests.confirm", buttons, kind=kind, details=text)


async def _preference(ctx: Context, data: dict) -> Preference | None:
    pref = data.get("pref")
    if not pref:
        return None
    return await ctx.services.dorm_requests.preference(pref["building"], pref.get("room"))


BACK_TO = {
    "dorm_requests.time_passed": "time",
    "dorm_requests.date_past": "from",
    "dorm_requests.date_too_far": "from",
    "dorm_requests.bad_phone": "contact",
}


async def _file(ctx: Context, data: dict) -> DormRequest:
    assert ctx.person is not None
    service = ctx.services.dorm_requests
    if data["kind"] == "late_return":
        expected = datetime.fromisoformat(data["expected"]).astimezone(service.dorms.tz)
        return await service.file_late_return(ctx.person, expected.time(), data["reason"])
    if data["kind"] == "stay_out":
        return await service.file_stay_out(
            ctx.person, date.fromisoformat(data["date_from"]),
            date.fromisoformat(data["date_to"]), data["where"], data["contact"])
    return await service.file_room_change(ctx.person, data["reason"], await _preference(ctx, data))


@router.step(FLOW, "confirm")
async def got_confirm(ctx: Context) -> None:
    """File the request and tell the building's dorm admins."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    if ctx.choice != "ok":
        await ctx.say("dorm_requests.use_buttons")
        await ask_confirm(ctx)
        return
    data, service = ctx.conv.data, ctx.services.dorm_requests
    try:
        request = await _file(ctx, data)
    except ServiceError as err:
        step = BACK_TO.get(err.key)
        if step is None:  # e.g. one of this kind is already open: this draft is over
            await ctx.finish()
            raise
        await ctx.goto(step)  # e.g. the time has passed meanwhile: ask that again
        await retry(ctx, err)
        return
    await ctx.finish()
    view = await service.view(request.id)
    await ctx.reply(ctx.t("dorm_requests.filed", number=request.id,
                          kind=ctx.t(f"dorm_requests.kind_{request.kind}")), edit=True)
    await service.push_new(view)

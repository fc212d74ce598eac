"""Dorm requests, the dorm admin's side: /requests (counts and the pending list), one-tap
Approve, the bed choice of a room change (also in another room); rejecting is in `reject`."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import InvalidState, PermissionDenied
from bot.core.router import Router
from bot.core.types import Button
from bot.services.dorm_requests import RequestAdminAction
from bot.services.dorms import find_room
from handlers.dorm_requests.reject import start_reject
from handlers.dorm_requests.views import KINDS, admin_buttons, card, fields, list_line
from models.dorms import DormBed
from models.places import Place

router = Router()
ADMIN_ROLES = ("dorm_admin", "manager")
ROOM_FLOW = "drqroom"


@router.command("requests", "shenpi", roles=ADMIN_ROLES, in_flow=True,
                help_key="dorm_requests.cmd_requests", order=31)
async def requests_command(ctx: Context) -> None:
    """Counts per building (today, pending) and the pending requests, oldest first."""
    await show_requests(ctx)
    await ctx.reprompt()


async def show_requests(ctx: Context) -> None:
    """The /requests overview with one button per pending request."""
    assert ctx.person is not None
    service = ctx.services.dorm_requests
    counts = await service.building_counts(ctx.person)
    if not counts:
        await ctx.say("dorm_requests.none_buildings")
        return
    lines = [ctx.t("dorm_requests.overview_title")]
    for building, today, pending in counts:
        kinds = " · ".join(
            ctx.t("dorm_requests.count_kind", kind=ctx.t(f"dorm_requests.kind_{k}"),
                  pending=pending[k], today=sum(today[k].values()),
                  approved=today[k]["approved"], rejected=today[k]["rejected"])
            for k in KINDS
        )
        lines.append(ctx.t("dorm_requests.count_line", building=building.display(ctx.locale),
                           pending=sum(pending.values()), kinds=kinds))
    views = await service.views(await service.pending_for(ctx.person))
    if views:
        lines.append(ctx.t("dorm_requests.pending_title", count=len(views)))
        lines += [list_line(ctx, v) for v in views]
    else:
        lines.append(ctx.t("dorm_requests.pending_none"))
    buttons = [[ctx.button(ctx.t("dorm_requests.btn_open", **fields(ctx, v)),
                           RequestAdminAction("v", v.id))] for v in views[:20]]
    await ctx.reply("\n".join(lines), buttons)


@router.action("drq")
async def admin_action(ctx: Context) -> None:
    """l = the list, v = a request's card, a = approve, b = approve a room change onto a bed,
    o = free beds in another room, r = reject (asks the reason)."""
    assert ctx.person is not None
    tap = RequestAdminAction.parse(ctx.action_args)
    verb = tap.verb
    if verb == "l":
        await show_requests(ctx)
        return
    if not tap.number:  # every other verb names a request
        await ctx.say("errors.unknown_button")
        return
    number, service = tap.number, ctx.services.dorm_requests
    if verb == "v":
        view = await service.managed(ctx.person, number)
        await ctx.reply(card(ctx, view), admin_buttons(ctx, view), edit=True)
    elif verb == "a":
        await approve(ctx, number)
    elif verb == "b" and tap.bed_id:
        await approve_move(ctx, number, tap.bed_id)
    elif verb in ("o", "r") and ctx.conv.active:
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
    elif verb == "o":
        await start_other_room(ctx, number)
    elif verb == "r":
        await start_reject(ctx, number)
    else:
        await ctx.say("errors.unknown_button")


async def approve(ctx: Context, number: int) -> None:
    """Approve in one tap; a room change first shows the free beds to choose from."""
    assert ctx.person is not None
    service = ctx.services.dorm_requests
    view = await service.managed(ctx.person, number)
    if view.request.kind == "room_change" and view.request.state == "pending":
        await offer_beds(ctx, number)
        return
    view = await service.approve(ctx.person, number)
    await ctx.reply(card(ctx, view), edit=True)
    await service.tell_student(view, "dorm_requests.student_approved")
    late = view.request.kind == "late_return"
    duty = ctx.services.dorm_night_duty
    if late and not await duty.push_late_return(view):
        await ctx.say("dorm_requests.night_duty_unreachable")


async def offer_beds(ctx: Context, number: int, room: Place | None = None,
                     edit: bool = True) -> None:
    """The free beds a room change can take, one button each, with Another room / Reject."""
    assert ctx.person is not None
    service = ctx.services.dorm_requests
    beds, where, outside = await service.free_beds(ctx.person, number, room)
    view = await service.view(number)
    lines = [card(ctx, view)]
    if outside:
        lines.append(ctx.t("dorm_requests.pref_not_yours", pref=fields(ctx, view)["pref"]))
    place = where.display(ctx.locale)
    lines.append(ctx.t("dorm_requests.pick_bed", place=place) if beds
                 else ctx.t("dorm_requests.no_free_bed", place=place))
    buttons: list[list[Button]] = [
        [ctx.button(bed_label(ctx, bed), RequestAdminAction("b", number, bed.id))] for bed in beds
    ]
    buttons.append([ctx.button(ctx.t("dorm_requests.btn_other_room"),
                               RequestAdminAction("o", number)),
                    ctx.button(ctx.t("dorm_requests.btn_reject"), RequestAdminAction("r", number))])
    await ctx.reply("\n".join(lines), buttons, edit=edit)


def bed_label(ctx: Context, bed: DormBed) -> str:
    """A free bed on a button: room and bed."""
    return ctx.t("dorm_requests.bed_button", room=bed.room.display(ctx.locale),
                 bed=ctx.t("dorm.bed", label=bed.label))


async def approve_move(ctx: Context, number: int, bed_id: int) -> None:
    """Approve the room change onto the chosen bed; the student is told their new room."""
    assert ctx.person is not None
    service = ctx.services.dorm_requests
    try:
        view = await service.approve_move(ctx.person, number, bed_id)
    except InvalidState as err:
        if err.key != "dorm_requests.bed_taken":
            raise
        await ctx.reply(ctx.t(err.key, **err.fields))  # taken meanwhile: the fresh choice
        await offer_beds(ctx, number, edit=False)
        return
    await ctx.reply(card(ctx, view), edit=True)
    await service.tell_student(view, "dorm_requests.student_moved")


async def start_other_room(ctx: Context, number: int) -> None:
    """"Another room…": ask which room to look for free beds in."""
    assert ctx.person is not None
    await ctx.services.dorm_requests.free_beds(ctx.person, number)  # still pending, and yours
    await ctx.begin(ROOM_FLOW, "room", number=number)
    await ask_room(ctx)


@router.prompt(ROOM_FLOW, "room")
async def ask_room(ctx: Context) -> None:
    """Which room (code)."""
    await ctx.say("dorm_requests.ask_room", [[ctx.cancel_button()]],
                  number=ctx.conv.data["number"])


@router.step(ROOM_FLOW, "room")
async def got_room(ctx: Context) -> None:
    """Show the free beds of the typed room (unknown rooms are asked again)."""
    if await ctx.cancelled():
        return
    text = " ".join((ctx.incoming.text or "").split())[:32]
    room = await find_room(text) if text else None
    if room is None:
        await ctx.say("dorm_requests.unknown_room", room=text or "-")
        await ask_room(ctx)
        return
    try:
        await offer_beds(ctx, ctx.conv.data["number"], room, edit=False)
    except PermissionDenied as err:  # a room in someone else's building: ask again
        await ctx.reply(ctx.t(err.key, **err.fields))
        await ask_room(ctx)
        return
    await ctx.finish()

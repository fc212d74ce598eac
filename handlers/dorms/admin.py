"""Dorm admin tools: /checkin progress and look-ups, manual check-in, room change, check-out."""

from __future__ import annotations

import re

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.router import Router
from bot.core.types import Button
from bot.services.dorms import ADMIN_ROLES, DormAdminAction
from handlers.dorms.checklist import begin_checklist
from handlers.dorms.views import admin_card, capped, fields, list_line
from models.places import Place

router = Router()
MOVE_FLOW = "dormmove"
_BED = re.compile(r"^\s*(\S+?)\s*(?:/|\s)\s*(\S{1,8})\s*$")


@router.command(
    "checkin", "ruzhu", roles=ADMIN_ROLES, in_flow=True, help_key="dorm.cmd_checkin", order=30
)
async def checkin(ctx: Context) -> None:
    """Progress per building; with words, look up a student (id or name), a room or a building."""
    query = " ".join(ctx.incoming.args).strip()
    if query:
        await _lookup(ctx, query)
    else:
        await _progress(ctx)
    await ctx.reprompt()


async def _progress(ctx: Context) -> None:
    assert ctx.person is not None
    progress = await ctx.services.dorms.progress(ctx.person)
    if not progress:
        await ctx.say("dorm.progress_none")
        return
    lines = [ctx.t("dorm.progress_title")]
    buttons: list[list[Button]] = []
    for entry in progress:
        name = entry.building.display(ctx.locale)
        lines.append(
            ctx.t(
                "dorm.progress_line",
                building=name,
                checked_in=entry.checked_in,
                pending=entry.pending,
                deferred=entry.deferred,
                total=entry.total,
            )
        )
        buttons.append([ctx.button(name, DormAdminAction("b", entry.building.id))])
    lines.append(ctx.t("dorm.lookup_hint"))
    await ctx.reply("\n".join(lines), buttons[:10])


async def _lookup(ctx: Context, query: str) -> None:
    assert ctx.person is not None
    dorms = ctx.services.dorms
    place = await dorms.find_place(query)
    if place is not None and place.kind == "building":
        await _building(ctx, place.id)
    elif place is not None:
        await _room(ctx, place)
    else:
        stays = await dorms.find_students(ctx.person, query)
        if not stays:
            await ctx.say("dorm.nothing_found", query=query[:40])
        elif len(stays) == 1:
            text, buttons = admin_card(ctx, stays[0])
            await ctx.reply(text, buttons)
        else:
            lines = [ctx.t("dorm.found_title", count=len(stays))]
            lines += [list_line(ctx, s) for s in stays]
            buttons = [[ctx.button(f"{s.person.name} {s.room.code}", DormAdminAction("v", s.id))]
                       for s in stays]
            await ctx.reply("\n".join(lines), buttons)


async def _room(ctx: Context, room: Place) -> None:
    assert ctx.person is not None
    beds = await ctx.services.dorms.room_beds(ctx.person, room)
    lines = [ctx.t("dorm.room_title", room=room.display(ctx.locale))]
    buttons: list[list[Button]] = []
    for bed, stay in beds:
        label = ctx.t("dorm.bed", label=bed.label)
        if stay is None:
            lines.append(ctx.t("dorm.room_free", bed=label))
        else:
            lines.append(list_line(ctx, stay))
            tap = DormAdminAction("v", stay.id)
            buttons.append([ctx.button(f"{label} {stay.person.name}", tap)])
    if not beds:
        lines.append(ctx.t("dorm.room_no_beds"))
    await ctx.reply("\n".join(lines), buttons)


async def _building(ctx: Context, building_id: int) -> None:
    assert ctx.person is not None
    building, stays = await ctx.services.dorms.building_stays(ctx.person, building_id)
    groups: dict[str, list[str]] = {"pending": [], "deferred": [], "checked_in": []}
    for stay in stays:
        groups[stay.assignment.status].append(list_line(ctx, stay))
    lines = [
        ctx.t(
            "dorm.building_title",
            building=building.display(ctx.locale),
            checked_in=len(groups["checked_in"]),
            pending=len(groups["pending"]),
            deferred=len(groups["deferred"]),
            total=len(stays),
        )
    ]
    for status, entries in groups.items():
        if entries:
            lines.append(ctx.t(f"dorm.section_{status}", count=len(entries)))
            lines += capped(ctx, entries)
    lines.append(ctx.t("dorm.lookup_hint"))
    await ctx.reply("\n".join(lines))


@router.action("da")
async def admin_action(ctx: Context) -> None:
    """b=building list, v=view a stay, m/my=mark checked in (ask/confirmed),
    r=room change, o=check-out with the checklist."""
    assert ctx.person is not None
    tap = DormAdminAction.parse(ctx.action_args)
    dorms, verb, target = ctx.services.dorms, tap.verb, tap.target
    if verb == "b":
        await _building(ctx, target)
    elif verb == "v":
        text, buttons = admin_card(ctx, await dorms.managed_stay(ctx.person, target))
        await ctx.reply(text, buttons, edit=True)
    elif verb == "m":
        stay = await dorms.managed_stay(ctx.person, target)
        buttons = [
            [
                ctx.button(ctx.t("dorm.btn_mark_yes"), DormAdminAction("my", target)),
                ctx.button(ctx.t("dorm.btn_back"), DormAdminAction("v", target)),
            ]
        ]
        await ctx.reply(ctx.t("dorm.mark_confirm", **fields(ctx, stay)), buttons, edit=True)
    elif verb == "my":
        stay = await dorms.mark_checked_in(ctx.person, target)
        await ctx.reply(ctx.t("dorm.marked", **fields(ctx, stay)), edit=True)
        await dorms.tell_student(stay, "dorm.marked_student")
    elif verb in ("r", "o") and ctx.conv.active:
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
    elif verb == "r":
        stay = await dorms.managed_stay(ctx.person, target)
        await ctx.begin(MOVE_FLOW, "bed", aid=stay.id)
        await ask_bed(ctx)
    elif verb == "o":
        stay = await dorms.start_checkout(ctx.person, target)
        await begin_checklist(ctx, stay, "checkout")
    else:
        await ctx.say("errors.unknown_button")


@router.prompt(MOVE_FLOW, "bed")
async def ask_bed(ctx: Context) -> None:
    """Ask for the new room and bed, e.g. "D1-305 2"."""
    stay = await ctx.services.dorms.stay(ctx.conv.data["aid"])
    buttons = [[ctx.cancel_button()]]
    await ctx.say("dorm.ask_bed", buttons, **fields(ctx, stay))


@router.step(MOVE_FLOW, "bed")
async def got_bed(ctx: Context) -> None:
    """Move the student, then tell them their new room."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    found = _BED.match(ctx.incoming.text or "")
    if not found:
        await ctx.say("dorm.bad_bed_format")
        await ask_bed(ctx)
        return
    dorms = ctx.services.dorms
    try:
        stay = await dorms.change_room(ctx.person, ctx.conv.data["aid"], found[1], found[2])
    except ServiceError as err:  # unknown room, bed taken…: say why and ask again
        await ctx.reply(ctx.t(err.key, **err.fields))
        await ask_bed(ctx)
        return
    await ctx.finish()
    await ctx.say("dorm.moved", **fields(ctx, stay))
    await dorms.tell_student(stay, "dorm.room_changed_student")

"""/nightduty: who is on night duty in each dorm building (they hear about approved late
returns). `/nightduty` shows it with "I'm on duty" / "Clear" per building;
`/nightduty D1 王阿姨` names someone (by name, staff/student id or phone); `/nightduty D1 off`."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Button
from bot.services.dorm_requests import NightDutyAction

router = Router()
ADMIN_ROLES = ("dorm_admin", "manager")
OFF_WORDS = ("off", "none", "clear", "无", "清除", "取消")


@router.command("nightduty", "zhiban", roles=ADMIN_ROLES, in_flow=True,
                help_key="dorm_requests.cmd_nightduty", order=32)
async def night_duty(ctx: Context) -> None:
    """Show the night duty per building, or set it: `/nightduty BUILDING WHO|off`."""
    assert ctx.person is not None
    args = ctx.incoming.args
    if len(args) >= 2:
        await _set_by_text(ctx, args[0], " ".join(args[1:]))
    elif args:
        await ctx.say("dorm_requests.nightduty_usage")
    else:
        await _overview(ctx)
    await ctx.reprompt()


async def _overview(ctx: Context) -> None:
    assert ctx.person is not None
    rows = await ctx.services.dorm_night_duty.duty_overview(ctx.person)
    if not rows:
        await ctx.say("dorm_requests.none_buildings")
        return
    lines = [ctx.t("dorm_requests.nightduty_title")]
    buttons: list[list[Button]] = []
    for building, person in rows:
        name = building.display(ctx.locale)
        who = person.name if person else ctx.t("dorm_requests.nightduty_nobody")
        lines.append(ctx.t("dorm_requests.nightduty_line", building=name, person=who))
        row = [ctx.button(ctx.t("dorm_requests.btn_duty_me", building=building.code),
                          NightDutyAction("me", building.id))]
        if person is not None:
            row.append(ctx.button(ctx.t("dorm_requests.btn_duty_clear", building=building.code),
                                  NightDutyAction("off", building.id)))
        buttons.append(row)
    lines.append(ctx.t("dorm_requests.nightduty_hint"))
    await ctx.reply("\n".join(lines), buttons[:10])


async def _set_by_text(ctx: Context, code: str, who: str) -> None:
    assert ctx.person is not None
    service = ctx.services.dorm_night_duty
    building = await service.find_building(ctx.person, code[:32])
    if who.strip().lower() in OFF_WORDS:
        await _set(ctx, building.id, None)
        return
    people = await service.find_people(who)
    if not people:
        await ctx.say("dorm_requests.nobody_found", query=who[:40])
    elif len(people) == 1:
        await _set(ctx, building.id, people[0].id)
    else:
        buttons = [[ctx.button(f"{p.name} {p.external_id or p.phone or ''}".strip(),
                               NightDutyAction("set", building.id, p.id))] for p in people]
        await ctx.say("dorm_requests.pick_person", buttons, query=who[:40])


async def _set(ctx: Context, building_id: int, person_id: int | None) -> None:
    assert ctx.person is not None
    service = ctx.services.dorm_night_duty
    building, person = await service.set_night_duty(ctx.person, building_id, person_id)
    name = building.display(ctx.locale)
    if person is None:
        await ctx.say("dorm_requests.nightduty_cleared", building=name)
        return
    await ctx.say("dorm_requests.nightduty_set", building=name, person=person.name)
    if not await service.reachable(person):
        await ctx.say("dorm_requests.nightduty_unbound", person=person.name)


@router.action("dnd")
async def duty_action(ctx: Context) -> None:
    """me = I am on night duty, off = nobody, set = the person picked from a list."""
    assert ctx.person is not None
    tap = NightDutyAction.parse(ctx.action_args)
    verb, building_id = tap.verb, tap.building_id
    if verb == "me":
        await _set(ctx, building_id, ctx.person.id)
    elif verb == "off":
        await _set(ctx, building_id, None)
    elif verb == "set" and tap.person_id:
        await _set(ctx, building_id, tap.person_id)
    else:
        await ctx.say("errors.unknown_button")

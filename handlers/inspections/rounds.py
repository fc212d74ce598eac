"""`/rounds` (巡检): a worker's due rounds with Start; for managers the templates and schedules
(pause / resume) and the open rounds (reassign). Buttons: `ir:<verb>:<id>[:<id>]`."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Button
from bot.services.inspections import RoundTap, TemplateLine, assigned_fields, start_buttons
from handlers.inspections.views import round_card
from handlers.inspections.walk import begin_round

router = Router()
MAX_WORKER_BUTTONS = 12


@router.command("rounds", "xunjian", roles=("worker", "manager"), in_flow=True,
                help_key="inspections.cmd_rounds", order=30)
async def rounds(ctx: Context) -> None:
    """The person's due rounds; for managers also templates, schedules and open rounds."""
    assert ctx.person is not None
    service = ctx.services.inspections
    if ctx.person.has_role("worker") or not ctx.person.has_role("manager"):
        mine = await service.due_rounds(ctx.person)
        if not mine:
            await ctx.say("inspections.none_due")
        for view in mine:
            label = "inspections.btn_continue" if view.answers else "inspections.btn_start"
            start = ctx.button(ctx.t(label), RoundTap("s", view.id))
            await ctx.reply(round_card(ctx, view), [[start]])
    if ctx.person.has_role("manager"):
        await _manager_view(ctx)
    await ctx.reprompt()


async def _schedule_line(ctx: Context, line: TemplateLine) -> tuple[str, list[list[Button]]]:
    parts, buttons = [], []
    for sched in line.schedules:
        who = sched.worker.name if sched.worker else ctx.t(
            "inspections.by_zone", zone=await ctx.services.places.zone_label(sched.zone, ctx.locale)
            or "—")
        place = sched.place.display(ctx.locale) if sched.place else "—"
        state = ctx.t("inspections.paused_mark") if sched.paused else ""
        parts.append(ctx.t("inspections.schedule_line", id=sched.id, rule=sched.rule,
                           place=place, who=who, state=state))
        if sched.paused:
            verb, key = "u", "inspections.btn_resume"
        else:
            verb, key = "p", "inspections.btn_pause_schedule"
        buttons.append([ctx.button(ctx.t(key, id=sched.id), RoundTap(verb, sched.id))])
    text = ctx.t("inspections.template_line", name=line.template.display(ctx.locale),
                 code=line.template.code, items=line.items,
                 schedules="\n".join(parts) or ctx.t("inspections.no_schedules"))
    return text, buttons


async def _manager_view(ctx: Context) -> None:
    assert ctx.person is not None
    service = ctx.services.inspections
    lines = await service.overview(ctx.person)
    if not lines:
        await ctx.say("inspections.no_templates")
    for line in lines:
        text, buttons = await _schedule_line(ctx, line)
        await ctx.reply(text, buttons)
    open_rounds = await service.open_rounds(ctx.person)
    for view in open_rounds:
        text = ctx.t("inspections.open_round", card=round_card(ctx, view),
                     worker=view.worker.name if view.worker else "—")
        reassign = ctx.button(ctx.t("inspections.btn_reassign"), RoundTap("w", view.id))
        await ctx.reply(text, [[reassign]])


@router.action(RoundTap.prefix)
async def round_action(ctx: Context) -> None:
    """s = start/continue a round, p/u = pause/resume a schedule, w = pick a worker to
    reassign a round to, a = reassign it."""
    assert ctx.person is not None
    tap = RoundTap.parse(ctx.action_args)
    if not tap.well_formed:
        await ctx.say("errors.unknown_button")
        return
    verb = tap.verb
    if ctx.conv.active:
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return
    service = ctx.services.inspections
    if verb == "s":
        await begin_round(ctx, await service.start(ctx.person, tap.target))
    elif verb in ("p", "u"):
        sched = await service.set_paused(ctx.person, tap.target, verb == "p")
        key = "inspections.schedule_paused" if sched.paused else "inspections.schedule_resumed"
        await ctx.reply(ctx.t(key, id=sched.id, name=sched.template.display(ctx.locale)),
                        edit=True)
    elif verb == "w":
        await _pick_worker(ctx, tap.target)
    else:
        view = await service.reassign(ctx.person, tap.target, tap.worker_id)
        worker = view.worker
        assert worker is not None
        await ctx.reply(ctx.t("inspections.reassigned", name=worker.name), edit=True)
        await ctx.notifier.push(
            worker, "inspections.assigned_to_you",
            start_buttons(ctx.translator, worker.locale, view.id),
            **assigned_fields(view, worker.locale, service.tz),
        )


async def _pick_worker(ctx: Context, round_id: int) -> None:
    assert ctx.person is not None
    workers = await ctx.services.inspections.reassign_candidates(ctx.person)
    buttons = [[ctx.button(person.name, RoundTap("a", round_id, person.id))]
               for person in workers[:MAX_WORKER_BUTTONS]]
    if not buttons:
        await ctx.say("inspections.no_workers")
        return
    await ctx.say("inspections.pick_worker", buttons)

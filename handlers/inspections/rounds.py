"""`/rounds` (巡检): a worker's due rounds with Start; for managers the templates and schedules
(pause / resume) and the open rounds (reassign). Buttons: `ir:<verb>:<id>[:<id>]`."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Button
from bot.services.inspections import TemplateLine
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
            await ctx.reply(round_card(ctx, view), [[ctx.act(ctx.t(label), "ir", "s", view.id)]])
    if ctx.person.has_role("manager"):
        await _manager_view(ctx)
    await ctx.reprompt()


def _schedule_line(ctx: Context, line: TemplateLine) -> tuple[str, list[list[Button]]]:
    parts, buttons = [], []
    for sched in line.schedules:
        who = sched.worker.name if sched.worker else ctx.t("inspections.by_zone",
                                                           zone=sched.zone or "—")
        place = sched.place.display(ctx.locale) if sched.place else "—"
        state = ctx.t("inspections.paused_mark") if sched.paused else ""
        parts.append(ctx.t("inspections.schedule_line", id=sched.id, rule=sched.rule,
                           place=place, who=who, state=state))
        if sched.paused:
            verb, key = "u", "inspections.btn_resume"
        else:
            verb, key = "p", "inspections.btn_pause_schedule"
        buttons.append([ctx.act(ctx.t(key, id=sched.id), "ir", verb, sched.id)])
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
        text, buttons = _schedule_line(ctx, line)
        await ctx.reply(text, buttons)
    open_rounds = await service.open_rounds(ctx.person)
    for view in open_rounds:
        text = ctx.t("inspections.open_round", card=round_card(ctx, view),
                     worker=view.worker.name if view.worker else "—")
        await ctx.reply(text, [[ctx.act(ctx.t("inspections.btn_reassign"), "ir", "w", view.id)]])


@router.action("ir")
async def round_action(ctx: Context) -> None:
    """s = start/continue a round, p/u = pause/resume a schedule, w = pick a worker to
    reassign a round to, a = reassign it."""
    assert ctx.person is not None
    verb, *ids = [*ctx.action_args, ""]
    numbers = [int(i) for i in ids if i.isdigit()]
    if verb not in ("s", "p", "u", "w", "a") or len(numbers) != (2 if verb == "a" else 1):
        await ctx.say("errors.unknown_button")
        return
    if ctx.conv.active:
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return
    service = ctx.services.inspections
    if verb == "s":
        await begin_round(ctx, await service.start(ctx.person, numbers[0]))
    elif verb in ("p", "u"):
        sched = await service.set_paused(ctx.person, numbers[0], verb == "p")
        key = "inspections.schedule_paused" if sched.paused else "inspections.schedule_resumed"
        await ctx.reply(ctx.t(key, id=sched.id, name=sched.template.display(ctx.locale)),
                        edit=True)
    elif verb == "w":
        await _pick_worker(ctx, numbers[0])
    else:
        view = await service.reassign(ctx.person, numbers[0], numbers[1])
        worker = view.worker
        assert worker is not None
        await ctx.reply(ctx.t("inspections.reassigned", name=worker.name), edit=True)
        await ctx.notifier.push(
            worker, "inspections.assigned_to_you",
            [[Button(ctx.translator(worker.locale, "inspections.btn_start"), f"ir:s:{view.id}")]],
            name=view.template.display(worker.locale),
            place=view.place.display(worker.locale) if view.place else "—",
            due=service.local(view.round.due_at),
        )


async def _pick_worker(ctx: Context, round_id: int) -> None:
    assert ctx.person is not None
    workers = await ctx.services.inspections.reassign_candidates(ctx.person)
    buttons = [[ctx.act(person.name, "ir", "a", round_id, person.id)]
               for person in workers[:MAX_WORKER_BUTTONS]]
    if not buttons:
        await ctx.say("inspections.no_workers")
        return
    await ctx.say("inspections.pick_worker", buttons)

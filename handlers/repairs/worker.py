"""Workers (维修工): /duty on|off, /jobs, and the job buttons — accept, decline with a reason,
progress taps, need help (the flows for done, parts, can't fix live in handlers/worker_flows)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.context import Context
from bot.core.errors import NotFound
from bot.core.payloads import BadPayload
from bot.core.router import Router
from bot.services.repairs import (
    DECLINE_REASONS,
    DutyTap,
    JobTap,
    JobView,
    decline_buttons,
    job_buttons,
    job_text,
)
from handlers.render import category_label, local_time, status_label, zone_label
from handlers.repairs.worker_flows import (
    start_cant_fix,
    start_decline_other,
    start_done,
    start_parts,
)

router = Router()
ON_WORDS = {"on", "1", "上岗", "上班", "值班", "开"}
OFF_WORDS = {"off", "0", "下岗", "下班", "关"}


def _local(ctx: Context):
    return lambda when: local_time(ctx, when)


async def show_job(ctx: Context, view: JobView, edit: bool = True) -> None:
    """The job card with the buttons for what the worker can do next."""
    contact = ctx.services.dispatch.policy.config.show_reporter_contact
    body = job_text(ctx.t, _local(ctx), ctx.locale, view, datetime.now(UTC), contact)
    await ctx.reply(body, job_buttons(ctx.t, view), edit=edit and bool(ctx.incoming.callback))


@router.command("duty", roles=("worker", "manager"), in_flow=True, help_key="dispatch.cmd_duty",
                order=21)
async def duty(ctx: Context) -> None:
    """`/duty` shows the duty state; `/duty on|off` changes it."""
    word = (ctx.incoming.args[0] if ctx.incoming.args else "").strip().lower()
    if word in ON_WORDS | OFF_WORDS:
        await _set_duty(ctx, word in ON_WORDS)
        return
    if word:
        await ctx.say("dispatch.duty_usage")
        return
    await _show_duty(ctx)


async def _show_duty(ctx: Context, edit: bool = False) -> None:
    assert ctx.person is not None
    state = await ctx.services.duty.status(ctx.person)
    key = "dispatch.duty_on_since" if state.on_duty else "dispatch.duty_off_now"
    lines = [ctx.t(key, since=local_time(ctx, state.since) if state.since else "-")]
    lines.append(ctx.t(
        "dispatch.duty_profile", load=state.load, zone=await zone_label(ctx, state.zone),
        skills="、".join(category_label(ctx, s) for s in state.skills) or "-",
    ))
    if state.zone_lead:
        lines.append(ctx.t("dispatch.duty_zone_lead", zone=await zone_label(ctx, state.zone)))
    toggle = ("dispatch.btn_duty_off", "off") if state.on_duty else ("dispatch.btn_duty_on", "on")
    await ctx.reply("\n".join(lines), [[ctx.button(ctx.t(toggle[0]), DutyTap(toggle[1]))]],
                    edit=edit)


async def _set_duty(ctx: Context, on: bool) -> None:
    assert ctx.person is not None
    changed = await ctx.services.duty.set_duty(ctx.person, on)
    if not changed:
        await ctx.say("dispatch.duty_already_on" if on else "dispatch.duty_already_off")
        return
    await ctx.say("dispatch.duty_now_on" if on else "dispatch.duty_now_off")
    if on and ctx.person.has_role("worker"):
        sent = await ctx.services.dispatch.on_duty_started(ctx.person)
        if sent:
            await ctx.say("dispatch.duty_waiting_sent", count=sent)


@router.action(DutyTap.prefix)
async def duty_button(ctx: Context) -> None:
    """The duty on/off button."""
    assert ctx.person is not None
    if not ctx.person.has_role("worker", "manager"):
        await ctx.say("errors.not_allowed")
        return
    state = DutyTap.parse(ctx.action_args).state
    if state not in ("on", "off"):
        await ctx.say("errors.unknown_button")
        return
    await _set_duty(ctx, state == "on")


@router.command("jobs", roles=("worker",), in_flow=True, help_key="dispatch.cmd_jobs", order=22)
async def jobs(ctx: Context) -> None:
    """The worker's open jobs and offers, oldest first (reopened ones on top)."""
    assert ctx.person is not None
    views = await ctx.services.work.my_jobs(ctx.person)
    if not views:
        await ctx.say("dispatch.no_jobs")
        await ctx.reprompt()
        return
    lines = [ctx.t("dispatch.jobs_title", count=len(views))]
    for view in views:
        state = (ctx.t("dispatch.jobstate_offered") if view.job.status == "offered"
                 else status_label(ctx, view.job.stage))
        due = view.due
        lines.append(ctx.t(
            "dispatch.jobs_line", number=view.ticket.number, state=state,
            place=view.place.display(ctx.locale),
            category=category_label(ctx, view.ticket.category),
            due=local_time(ctx, due) if due else "-",
            mark=("🔁 " if view.job.priority else "")
            + ("⚠️ " if due and due < datetime.now(UTC) else ""),
        ))
    buttons = [[ctx.button(v.ticket.number, JobTap("v", v.job.id))] for v in views[:10]]
    await ctx.reply("\n".join(lines), buttons)
    await ctx.reprompt()


@router.action(JobTap.prefix)
async def job_action(ctx: Context) -> None:
    """Job buttons: a accept, d decline, b back to the offer, dr decline with reason, v view,
    s stage, f done, np need parts, nh need help, x can't fix."""
    assert ctx.person is not None
    try:
        tap = JobTap.parse(ctx.action_args)
    except BadPayload:  # as before typed payloads: a job id that is no number names no job
        raise NotFound("dispatch.job_unknown") from None
    verb, job_id, extra = tap.verb, tap.job_id, tap.extra
    services = ctx.services
    if verb == "a":
        job = await services.offers.accept(job_id, ctx.person)
        await ctx.say("dispatch.accepted_you")
        await show_job(ctx, await services.work.view(job.id, ctx.person))
    elif verb == "d":
        job, ticket = await services.offers.check(job_id, ctx.person)
        await ctx.reply(ctx.t("dispatch.decline_why", number=ticket.number),
                        decline_buttons(ctx.t, job.id), edit=True)
    elif verb == "b":  # changed their mind on the reasons screen: the offer again
        await show_job(ctx, await services.work.view(job_id, ctx.person))
    elif verb == "dr":
        await _decline(ctx, job_id, extra)
    elif verb == "v":
        await show_job(ctx, await services.work.view(job_id, ctx.person), edit=False)
    elif verb == "s":
        job = await services.work.advance(job_id, ctx.person, extra)
        await show_job(ctx, await services.work.view(job.id, ctx.person))
    elif verb == "nh":
        helper = await services.work.need_help(job_id, ctx.person)
        await ctx.say("dispatch.help_asked" if helper else "dispatch.help_nobody",
                      name=helper.name if helper else "-")
    elif verb in ("f", "np", "x"):
        start = {"f": start_done, "np": start_parts, "x": start_cant_fix}[verb]
        await start(ctx, job_id)
    else:
        await ctx.say("errors.unknown_button")


async def _decline(ctx: Context, job_id: int, code: str) -> None:
    assert ctx.person is not None
    if code == "other":
        await start_decline_other(ctx, job_id)
        return
    if code not in DECLINE_REASONS:
        await ctx.say("errors.unknown_button")
        return
    job = await ctx.services.offers.decline(
        job_id, ctx.person, ctx.t(f"dispatch.reason_{code}")
    )
    view = await ctx.services.work.view(job.id, ctx.person)
    await ctx.reply(ctx.t("dispatch.declined_you", number=view.ticket.number), edit=True)

"""Energy anomaly alerts, the answering side: the "Create repair ticket" and "False alarm"
buttons (en:t:N, en:f:N). Exactly one decision counts; a later press is told who decided.
A new ticket is dispatched after the answer, like a reported one."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.energy_alerts import ACTION, OUTCOMES, Decision, decide
from handlers.render import local_time

router = Router()


@router.action(ACTION)
async def energy_action(ctx: Context) -> None:
    """Record the pressed decision on the anomaly and say what happened."""
    assert ctx.person is not None
    verb, arg = ([*ctx.action_args, "", ""])[:2]
    if verb not in OUTCOMES or not arg.isdigit() or len(arg) > 9:
        await ctx.say("errors.unknown_button")
        return
    energy = ctx.services.energy
    decision = await decide(energy, ctx.notifier, int(arg), ctx.person, OUTCOMES[verb],
                            ctx.locale)
    await ctx.reply(_answer(ctx, decision))
    if decision.new_ticket is not None:  # a repair like any other: dispatch it
        await ctx.services.dispatch.on_ticket_created(ctx.notifier, decision.new_ticket)


def _answer(ctx: Context, decision: Decision) -> str:
    anomaly = decision.anomaly
    meter, place = anomaly.meter.code, anomaly.meter.place.display(ctx.locale)
    ticket = decision.ticket or anomaly.ticket
    if not decision.decided:
        if ticket is not None:
            outcome = ctx.t("energy.outcome_ticket", ticket=ticket.number)
        elif anomaly.state == "false_alarm":
            outcome = ctx.t("energy.outcome_false_alarm")
        else:  # the winning press is still filing its ticket
            outcome = ctx.t("energy.outcome_filing")
        decider = anomaly.decided_by.name if anomaly.decided_by else "?"
        when = local_time(ctx, anomaly.decided_at) if anomaly.decided_at else ""
        return ctx.t("energy.already_decided", number=anomaly.id, name=decider, when=when,
                     outcome=outcome)
    if ticket is None:
        return ctx.t("energy.decided_false_alarm", number=anomaly.id, meter=meter, place=place)
    key = "energy.decided_linked" if decision.linked_existing else "energy.decided_ticket"
    return ctx.t(key, number=anomaly.id, meter=meter, place=place, ticket=ticket.number)

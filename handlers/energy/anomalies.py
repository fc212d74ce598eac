"""Energy anomaly alerts, the answering side: `/energy` (the last week's anomalies), the alert
again (en:v:N), and the "Create ticket" and "False alarm" buttons (en:t:N, en:f:N).
Exactly one decision counts; a later press is told who decided. A new ticket is dispatched
after the answer, like a reported one."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.context import Context
from bot.core.router import Router
from bot.services.energy import (
    OUTCOMES,
    AnomalyTap,
    Decision,
    anomaly_text,
    decide,
    decision_buttons,
)
from bot.services.energy import (
    alerts_chart as chart,
)
from handlers.render import local_time

router = Router()
MARK = {"leak": "💧", "spike": "⚡"}
MAX_ANOMALY_ID = 10**9  # ids of up to 9 digits, as the buttons have always been checked


@router.command("energy", "shuidian", roles=("worker", "manager"), in_flow=True,
                help_key="energy.cmd_energy", order=36)
async def energy_command(ctx: Context) -> None:
    """The last week's anomalies this person may decide on, open ones first."""
    assert ctx.person is not None
    anomalies = await ctx.services.energy.recent(ctx.person)
    if not anomalies:
        await ctx.say("energy.list_none")
        await ctx.reprompt()
        return
    lines, buttons = [ctx.t("energy.list_title")], []
    for anomaly in anomalies:
        if anomaly.ticket is not None:
            state = ctx.t("energy.outcome_ticket", ticket=anomaly.ticket.number)
        elif anomaly.state == "false_alarm":
            state = ctx.t("energy.outcome_false_alarm")
        else:
            state = ctx.t("energy.state_open")
        lines.append(ctx.t(
            "energy.list_line", number=anomaly.id, mark=MARK[anomaly.kind],
            kind=ctx.t(f"energy.kind_{anomaly.kind}"), meter=anomaly.meter.code,
            place=anomaly.meter.place.display(ctx.locale), day=anomaly.day.strftime("%m-%d"),
            state=state,
        ))
        if anomaly.state == "open":
            buttons.append([ctx.button(f"#{anomaly.id} {anomaly.meter.code}",
                                       AnomalyTap("v", anomaly.id))])
    await ctx.reply("\n".join(lines), buttons)
    await ctx.reprompt()


async def _show(ctx: Context, anomaly_id: int) -> None:
    """The alert again: text, chart and the two buttons."""
    assert ctx.person is not None
    energy = ctx.services.energy
    anomaly = await energy.get(anomaly_id)
    await energy.check_decider(anomaly, ctx.person)
    image = await chart(energy, ctx.translator, anomaly, ctx.locale, datetime.now(UTC))
    text = anomaly_text(ctx.translator, energy, anomaly, ctx.locale)
    buttons = decision_buttons(ctx.translator, anomaly.id, ctx.locale)
    await ctx.reply(text, buttons, image=image)


@router.action(AnomalyTap.prefix)
async def energy_action(ctx: Context) -> None:
    """Record the pressed decision on the anomaly and say what happened."""
    assert ctx.person is not None
    tap = AnomalyTap.parse(ctx.action_args)
    verb, anomaly_id = tap.verb, tap.anomaly_id
    if (verb not in OUTCOMES and verb != "v") or not 0 <= anomaly_id < MAX_ANOMALY_ID:
        await ctx.say("errors.unknown_button")
        return
    if verb == "v":
        await _show(ctx, anomaly_id)
        return
    energy = ctx.services.energy
    decision = await decide(energy, anomaly_id, ctx.person, OUTCOMES[verb],
                            ctx.locale)
    await ctx.reply(_answer(ctx, decision))
    if decision.new_ticket is not None:  # a repair like any other: dispatch it
        await ctx.services.dispatch.on_ticket_created(decision.new_ticket)


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

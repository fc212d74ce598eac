"""Rendering what dispatch did with a new ticket, for the reporter's confirmation."""

from __future__ import annotations

from bot.core.context import Context
from bot.services.repairs import DispatchOutcome
from handlers.render import local_time


def dispatch_note(ctx: Context, outcome: DispatchOutcome) -> str:
    """One or two lines: who was asked (or when dispatch starts), and the deadlines."""
    if outcome.kind == "deferred" and outcome.when:
        line = ctx.t("dispatch.rep_deferred", when=local_time(ctx, outcome.when))
    elif outcome.kind == "offered":
        line = ctx.t("dispatch.rep_dispatched")
    else:
        line = ctx.t("dispatch.rep_waiting")
    if outcome.response_due and outcome.resolution_due:
        line += "\n" + ctx.t("dispatch.rep_deadlines",
                             response=local_time(ctx, outcome.response_due),
                             resolution=local_time(ctx, outcome.resolution_due))
    return line

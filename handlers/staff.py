"""Staff views: /open lists open tickets (workers, managers and dorm admins only)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from handlers.render import category_label, local_time, status_label

router = Router()


@router.command(
    "open",
    roles=("worker", "manager", "dorm_admin"),
    in_flow=True,
    help_key="help.cmd_open",
    order=20,
)
async def open_tickets(ctx: Context) -> None:
    """Open tickets, oldest first, each with a view button."""
    assert ctx.person is not None
    tickets = await ctx.services.repairs.list_open(ctx.person)
    if not tickets:
        await ctx.say("staff.no_open")
        return
    lines = [ctx.t("staff.open_title", count=len(tickets))]
    for ticket in tickets:
        lines.append(
            ctx.t(
                "staff.open_line",
                number=ticket.number,
                when=local_time(ctx, ticket.created_at),
                status=status_label(ctx, ticket.status),
                place=ticket.place.display(ctx.locale),
                category=category_label(ctx, ticket.category),
            )
        )
    buttons = [[ctx.act(t.number, "tk", "v", t.number)] for t in tickets[:10]]
    await ctx.reply("\n".join(lines), buttons)
    await ctx.reprompt()

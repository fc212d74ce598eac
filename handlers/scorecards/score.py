"""/score [name] [month]: a worker's own monthly card; a manager's ranking of everyone (with the
chart), or one person's card by name."""

from __future__ import annotations

import re

from bot.core.context import Context
from bot.core.router import Router
from bot.services.scorecards import card_text, manager_messages

router = Router()
MONTH_WORD = re.compile(r"\d{4}-\d{1,2}")


@router.command("score", "kaohe", roles=("worker", "manager"), in_flow=True,
                help_key="scorecards.cmd_score", order=72)
async def score_command(ctx: Context) -> None:
    """Show a scorecard (or, for a manager without a name, the ranking)."""
    assert ctx.person is not None
    service = ctx.services.scorecards
    words = list(ctx.incoming.args)
    month_words = [w for w in words if MONTH_WORD.fullmatch(w)]
    if len(month_words) > 1:
        await ctx.say("scorecards.usage")
        return
    month = service.month(month_words[0] if month_words else None)
    name = " ".join(w for w in words if w not in month_words)
    if not name and ctx.person.has_role("manager"):
        ranking = await service.ranking(ctx.person, month)
        for reply in manager_messages(ranking, ctx.translator, ctx.locale):
            await ctx.reply(reply.text, image=reply.image)
        return
    card = await service.card(ctx.person, month, name or None)
    await ctx.reply(card_text(card, month, ctx.translator, ctx.locale))

"""Filling in a scoring card: Start on the invitation, a 1–5 score per criterion (buttons or a
typed digit), then a comment (typed, or No comment). Each score is stored as given, so a restart
or a later day continues where the scorer stopped; a closed round is said so."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import InvalidState, ServiceError
from bot.core.router import Router
from bot.services.contractors import MAX_COMMENT, SCORES, CardProgress, ContractorTap

router = Router()
FLOW = "contractor_card"
router.cancel_text(FLOW, "contractors.stopped")  # the scores given are kept


@router.action(ContractorTap.prefix)
async def card_action(ctx: Context) -> None:
    """ctr:go:N — start or continue scoring card N (the scorer's own only)."""
    tap = ContractorTap.parse(ctx.action_args)
    if tap.verb != "go":
        await ctx.say("errors.unknown_button")
        return
    if ctx.conv.active:
        if ctx.conv.flow == FLOW and ctx.conv.data.get("card") == tap.card_id:
            await ctx.reprompt()
            return
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return
    progress = await ctx.services.contractors.progress(ctx.person, tap.card_id)
    await ctx.begin(FLOW, "s", card=tap.card_id)
    await ask(ctx, progress)


async def _progress(ctx: Context) -> CardProgress | None:
    """The card being filled in; None (flow ended, told why) once it closed or is refused."""
    try:
        return await ctx.services.contractors.progress(ctx.person, ctx.conv.data["card"])
    except ServiceError as err:
        await ctx.finish()
        await ctx.say(err.key, **err.fields)
        return None


@router.prompt(FLOW, "s")
async def ask(ctx: Context, progress: CardProgress | None = None) -> None:
    """Ask the next criterion's score, or for the comment once every score is given."""
    progress = progress or await _progress(ctx)
    if progress is None:
        return
    position = progress.next_position
    criteria = progress.card.criteria
    if position is None:
        skip = ctx.choose(ctx.t("contractors.btn_skip"), "skip")
        await ctx.say("contractors.ask_comment", [[skip, ctx.cancel_button()]],
                      limit=MAX_COMMENT)
        return
    scale = [ctx.choose(str(n), f"{position}:{n}") for n in SCORES]
    await ctx.say("contractors.ask_score", [scale, [ctx.cancel_button()]],
                  unit=progress.unit.name, month=progress.month, number=position + 1,
                  total=len(criteria), criterion=criteria[position])


@router.step(FLOW, "s")
async def got_input(ctx: Context) -> None:
    """A score button or typed digit, a typed comment, No comment, or Cancel."""
    if await ctx.cancelled():
        return
    progress = await _progress(ctx)
    if progress is None:
        return
    position = progress.next_position
    try:
        if position is None:
            await _comment(ctx, progress)
        else:
            await _score(ctx, progress, position)
    except InvalidState as err:
        await ctx.say(err.key, **err.fields)
        if err.key in ("contractors.card_closed", "contractors.card_done"):
            await ctx.finish()
        else:
            await ask(ctx)


async def _score(ctx: Context, progress: CardProgress, position: int) -> None:
    if ctx.choice is not None:
        pos, _, value = ctx.choice.partition(":")
        if pos != str(position) or not value.isdigit():  # an older question's button
            await ask(ctx, progress)
            return
    else:
        value = (ctx.incoming.text or "").strip()
        if not value.isdigit() or len(value) > 2:
            raise InvalidState("contractors.bad_score")
    after = await ctx.services.contractors.score(ctx.person, progress.card.id, position,
                                                 int(value))
    if ctx.incoming.callback:
        await ctx.reply(ctx.t("contractors.scored", criterion=progress.card.criteria[position],
                              score=value), edit=True)
    await ask(ctx, after)


async def _comment(ctx: Context, progress: CardProgress) -> None:
    if ctx.choice is not None and ctx.choice != "skip":
        await ask(ctx, progress)
        return
    text = None if ctx.choice == "skip" else ctx.incoming.text
    done = await ctx.services.contractors.submit(ctx.person, progress.card.id, text)
    await ctx.finish()
    await ctx.say("contractors.submitted", unit=done.unit.name, month=done.month)

"""Follow-up (回访) answers: a rating (the fix is confirmed), "not fixed", an optional comment."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.repairs import FollowUpTap

router = Router()
COMMENT_FLOW = "fucomment"


@router.action(FollowUpTap.prefix)
async def followup_action(ctx: Context) -> None:
    """Buttons: r:<id>:<1-5> rate, no:<id> not fixed, c:<id> add a comment."""
    assert ctx.person is not None
    tap = FollowUpTap.parse(ctx.action_args)
    verb, fu_id = tap.verb, tap.followup_id
    followup = ctx.services.followup
    if verb == "r":
        fu = await followup.rate(fu_id, ctx.person, tap.score)
        await ctx.reply(ctx.t("followup.thanks", stars="★" * (fu.score or 0)), edit=True)
        await _ask_comment(ctx, fu.id)
    elif verb == "no":
        job = await followup.not_fixed(fu_id, ctx.person)
        await ctx.reply(ctx.t("followup.reopened" if job else "followup.reopened_new"),
                        edit=True)
    elif verb == "c":
        fu, _ = await followup.commentable(fu_id, ctx.person)
        await _ask_comment(ctx, fu.id)
    else:
        await ctx.say("errors.unknown_button")


async def _ask_comment(ctx: Context, fu_id: int) -> None:
    if ctx.conv.active:  # mid-way through something else: a button for later instead
        await ctx.say("followup.comment_later",
                      [[ctx.button(ctx.t("followup.btn_comment"), FollowUpTap("c", fu_id))]])
        return
    await ctx.begin(COMMENT_FLOW, "text", fu_id=fu_id)
    await ask_comment(ctx)


@router.prompt(COMMENT_FLOW, "text")
async def ask_comment(ctx: Context) -> None:
    """Any comment? (optional)"""
    await ctx.say("followup.ask_comment", [[ctx.choose(ctx.t("report.btn_skip"), "skip")]])


@router.step(COMMENT_FLOW, "text")
async def got_comment(ctx: Context) -> None:
    """Store the comment, or skip."""
    assert ctx.person is not None
    if ctx.choice == "skip":
        await ctx.finish()
        await ctx.reply(ctx.t("followup.comment_skipped"), edit=True)
        return
    text = (ctx.incoming.text or "").strip()
    if not text:
        await ask_comment(ctx)
        return
    fu_id = ctx.conv.data["fu_id"]
    await ctx.finish()
    await ctx.services.followup.comment(fu_id, ctx.person, text)
    await ctx.say("followup.comment_saved")

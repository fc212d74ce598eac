"""Answering a survey: Start on the invitation (or Continue on the reminder), then question by
question — 1–5 buttons for ratings, typed text (or Skip) for text — and a thank-you. The next
question is always the first unanswered one, so a restart or a later day simply continues."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import InvalidState, ServiceError
from bot.core.router import Router
from bot.services.surveys import MAX_ANSWER, Progress, SurveyAnswerTap

router = Router()
FLOW = "survey_reply"
router.cancel_text(FLOW, "survey.stopped")  # each answer is stored as given


@router.action(SurveyAnswerTap.prefix)
async def answer_action(ctx: Context) -> None:
    """sva:go:N — start or continue answering survey N."""
    assert ctx.person is not None
    tap = SurveyAnswerTap.parse(ctx.action_args)
    if tap.verb != "go":
        await ctx.say("errors.unknown_button")
        return
    survey_id = tap.survey_id
    if ctx.conv.active:
        if ctx.conv.flow == FLOW and ctx.conv.data.get("survey") == survey_id:
            await ctx.reprompt()
            return
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return
    progress = await ctx.services.surveys.progress(survey_id, ctx.person)
    if progress.question is None:
        await ctx.say("survey.already_done", title=progress.survey.title)
        return
    await ctx.begin(FLOW, "q", survey=survey_id)
    await ask_question(ctx, progress)


@router.prompt(FLOW, "q")
async def ask_question(ctx: Context, progress: Progress | None = None) -> None:
    """Ask the first unanswered question (the survey may have closed meanwhile)."""
    assert ctx.person is not None
    if progress is None:
        progress = await _progress(ctx)
        if progress is None:
            return
    q = progress.question
    if q is None:
        await ctx.finish()
        await ctx.say("survey.thanks", title=progress.survey.title)
        return
    later = ctx.choose(ctx.t("survey.btn_later"), "later")
    if q.kind == "rating":
        scale = [ctx.choose(str(n), f"{q.id}:{n}") for n in range(1, 6)]
        buttons, hint = [scale, [later]], ctx.t("survey.hint_rating")
    else:
        skip = ctx.choose(ctx.t("survey.btn_skip"), f"{q.id}:skip")
        buttons, hint = [[skip, later]], ctx.t("survey.hint_text", limit=MAX_ANSWER)
    await ctx.say(
        "survey.question",
        buttons,
        title=progress.survey.title,
        number=progress.answered + 1,
        total=progress.total,
        prompt=q.prompt,
        hint=hint,
    )


@router.step(FLOW, "q")
async def got_answer(ctx: Context) -> None:
    """A rating button (or a typed 1–5), typed text, Skip, or Later."""
    assert ctx.person is not None
    if ctx.choice == "later":
        await ctx.finish()
        await ctx.reply(ctx.t("survey.paused"), edit=True)
        return
    progress = await _progress(ctx)
    if progress is None:
        return
    if progress.question is None:
        await ask_question(ctx, progress)
        return
    q = progress.question
    rating, text, shown = None, None, ""
    if ctx.choice is not None:
        qid, _, value = ctx.choice.partition(":")
        if qid != str(q.id):
            await ctx.say("survey.already_answered")
            await ask_question(ctx, progress)
            return
        if value == "skip" and q.kind == "text":
            shown = ctx.t("survey.skipped")
        elif value.isdigit() and q.kind == "rating":
            rating, shown = int(value), "⭐" * int(value)
        else:
            await ctx.say("errors.unknown_button")
            return
    elif q.kind == "rating":
        typed = (ctx.incoming.text or "").strip()
        if not typed.isdigit() or len(typed) > 2:
            await ctx.say("survey.use_rating_buttons")
            await ask_question(ctx, progress)
            return
        rating, shown = int(typed), "⭐" * min(int(typed), 5)
    else:
        text = (ctx.incoming.text or "").strip()
        if not text:
            await ctx.say("survey.text_only")
            await ask_question(ctx, progress)
            return
        shown = text
    try:
        after = await ctx.services.surveys.answer(
            progress.survey.id, ctx.person, q.id, rating=rating, text=text
        )
    except InvalidState as err:
        await _stopped(ctx, err)
        return
    except ServiceError as err:
        await ctx.say(err.key, **err.fields)
        if err.key == "survey.bad_rating":
            await ask_question(ctx, progress)
        return
    if ctx.incoming.callback:
        await ctx.reply(
            ctx.t("survey.answered", number=progress.answered + 1, prompt=q.prompt, answer=shown),
            edit=True,
        )
    await ask_question(ctx, after)


async def _progress(ctx: Context) -> Progress | None:
    """The progress of the survey being answered; None (flow ended, told why) when it closed."""
    assert ctx.person is not None
    try:
        return await ctx.services.surveys.progress(ctx.conv.data["survey"], ctx.person)
    except ServiceError as err:
        await ctx.finish()
        await ctx.say(err.key, **err.fields)
        return None


async def _stopped(ctx: Context, err: InvalidState) -> None:
    """An answer refused by the survey's state: closed ends the flow; twice re-asks."""
    await ctx.say(err.key, **err.fields)
    if err.key == "survey.closed":
        await ctx.finish()
    else:
        await ask_question(ctx)

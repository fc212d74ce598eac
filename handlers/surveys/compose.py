"""/survey: a manager composes a survey — title, then 1–5 questions (rating or text)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.router import Router
from bot.services.surveys import MAX_QUESTIONS, check_prompt, check_title
from handlers.surveys.audience import ask_audience
from handlers.surveys.views import FLOW, MANAGERS, questions_text
from models.surveys import QUESTION_KINDS

router = Router()


@router.command("survey", roles=MANAGERS, help_key="survey.cmd_survey", order=32)
async def survey_command(ctx: Context) -> None:
    """Start composing a survey."""
    ctx.services.surveys.require_manager(ctx.person)
    await ctx.begin(FLOW, "title", questions=[])
    await ask_title(ctx)


@router.prompt(FLOW, "title")
async def ask_title(ctx: Context) -> None:
    """Ask for the survey's title."""
    await ctx.say("survey.ask_title", [[ctx.cancel_button()]])


@router.step(FLOW, "title")
async def got_title(ctx: Context) -> None:
    """Take the title."""
    if await ctx.cancelled():
        return
    if ctx.choice or not ctx.incoming.text:
        await ctx.say("survey.type_text")
        await ask_title(ctx)
        return
    try:
        title = check_title(ctx.incoming.text)
    except ServiceError as err:
        await ctx.say(err.key, **err.fields)
        return
    await ctx.goto("kind", title=title)
    await ask_kind(ctx)


@router.prompt(FLOW, "kind")
async def ask_kind(ctx: Context) -> None:
    """Ask what kind of question comes next."""
    number = len(ctx.conv.data["questions"]) + 1
    buttons = [
        [ctx.choose(ctx.t(f"survey.kind_btn_{k}"), k) for k in QUESTION_KINDS],
        [ctx.cancel_button()],
    ]
    await ctx.say("survey.ask_kind", buttons, number=number, limit=MAX_QUESTIONS)


@router.step(FLOW, "kind")
async def got_kind(ctx: Context) -> None:
    """Take the kind of question."""
    if await ctx.cancelled():
        return
    if ctx.choice not in QUESTION_KINDS:
        await ctx.say("survey.use_buttons")
        await ask_kind(ctx)
        return
    await ctx.goto("prompt", kind=ctx.choice)
    await ask_prompt(ctx)


@router.prompt(FLOW, "prompt")
async def ask_prompt(ctx: Context) -> None:
    """Ask for the question's wording."""
    number = len(ctx.conv.data["questions"]) + 1
    kind = ctx.conv.data["kind"]
    key = "survey.ask_prompt_rating" if kind == "rating" else "survey.ask_prompt_text"
    await ctx.say(key, [[ctx.cancel_button()]], number=number)


@router.step(FLOW, "prompt")
async def got_prompt(ctx: Context) -> None:
    """Take the wording; then another question or done."""
    if await ctx.cancelled():
        return
    if ctx.choice or not ctx.incoming.text:
        await ctx.say("survey.type_text")
        await ask_prompt(ctx)
        return
    try:
        prompt = check_prompt(ctx.incoming.text)
    except ServiceError as err:
        await ctx.say(err.key, **err.fields)
        return
    questions = [*ctx.conv.data["questions"], [ctx.conv.data["kind"], prompt]]
    if len(questions) >= MAX_QUESTIONS:
        await ctx.goto("audience", questions=questions)
        await ctx.say("survey.max_reached", limit=MAX_QUESTIONS)
        await ask_audience(ctx)
        return
    await ctx.goto("more", questions=questions)
    await ask_more(ctx)


@router.prompt(FLOW, "more")
async def ask_more(ctx: Context) -> None:
    """Show the questions so far: add another, or go on to the audience."""
    data = ctx.conv.data
    buttons = [
        [
            ctx.choose(ctx.t("survey.btn_add"), "add"),
            ctx.choose(ctx.t("survey.btn_done_questions"), "done"),
        ],
        [ctx.cancel_button()],
    ]
    questions = questions_text(ctx, data["questions"])
    text = ctx.t("survey.so_far", title=data["title"], questions=questions)
    await ctx.reply(text, buttons)


@router.step(FLOW, "more")
async def got_more(ctx: Context) -> None:
    """Another question, or the audience."""
    if await ctx.cancelled():
        return
    if ctx.choice == "add":
        await ctx.goto("kind")
        await ask_kind(ctx)
    elif ctx.choice == "done":
        await ctx.goto("audience")
        await ask_audience(ctx)
    else:
        await ctx.say("survey.use_buttons")
        await ask_more(ctx)

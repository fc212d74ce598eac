"""/surveys: a manager's list of surveys with response rates; a survey's results card with
Close and Remind now."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.surveys import SurveyManageTap
from handlers.surveys.views import MANAGERS, responses_text, results_card, short, state_text

router = Router()


@router.command("surveys", roles=MANAGERS, in_flow=True, help_key="survey.cmd_surveys", order=33)
async def surveys_command(ctx: Context) -> None:
    """The latest surveys with their state and responses."""
    surveys = ctx.services.surveys
    found = await surveys.list_surveys(ctx.person)
    if not found:
        await ctx.say("survey.list_none")
        await ctx.reprompt()
        return
    counts = await surveys.results.responses([s.id for s in found])
    lines = [ctx.t("survey.list_title")]
    buttons = []
    for survey in found:
        progress = "" if survey.state == "scheduled" else responses_text(ctx, counts[survey.id])
        repeat = "🔁 " if survey.repeat == "monthly" else ""
        lines.append(
            ctx.t("survey.list_line", number=survey.id, title=repeat + short(survey.title, 40),
                  state=state_text(ctx, survey), responses=progress)
        )
        label = f"#{survey.id} {short(survey.title, 24)}"
        buttons.append([ctx.button(label, SurveyManageTap("v", survey.id))])
    await ctx.reply("\n".join(lines), buttons)
    await ctx.reprompt()


@router.action(SurveyManageTap.prefix)
async def manage_action(ctx: Context) -> None:
    """svm:v|c|cc|rm:N — view results, ask to close, close, remind now."""
    tap = SurveyManageTap.parse(ctx.action_args)
    verb, surveys, survey_id = tap.verb, ctx.services.surveys, tap.survey_id
    if verb == "v":
        await _show(ctx, survey_id)
    elif verb == "c":
        survey = await surveys.get(survey_id, ctx.person)
        buttons = [[
            ctx.button(ctx.t("survey.btn_confirm_close"), SurveyManageTap("cc", survey.id)),
            ctx.button(ctx.t("survey.btn_back"), SurveyManageTap("v", survey.id)),
        ]]
        await ctx.reply(
            ctx.t("survey.confirm_close", number=survey.id, title=survey.title), buttons,
            edit=True,
        )
    elif verb == "cc":
        survey = await surveys.close(survey_id, ctx.person)
        await ctx.say("survey.closed_done", number=survey.id, title=survey.title)
        await _show(ctx, survey_id)
    elif verb == "rm":
        queued = await surveys.remind_now(survey_id, ctx.person)
        await ctx.say("survey.reminded", number=survey_id, messages=queued)
        await _show(ctx, survey_id)
    else:
        await ctx.say("errors.unknown_button")


async def _show(ctx: Context, survey_id: int) -> None:
    """The results card (edits the pressed message)."""
    surveys = ctx.services.surveys
    survey = await surveys.get(survey_id, ctx.person)
    text, buttons = await results_card(ctx, await surveys.results.stats(survey))
    await ctx.reply(text, buttons, edit=True)

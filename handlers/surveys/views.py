"""Rendering surveys for managers: the question list, audience, the list and the results card."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.types import Button
from bot.services.alerts import Audience
from bot.services.surveys import QuestionStats, Responses, SurveyManageTap, SurveyStats
from handlers.alerts.views import audience_label
from handlers.render import local_time
from models.surveys import Survey

FLOW = "survey_new"
MANAGERS = ("manager",)
TEXT_PREVIEW = 80


def short(text: str, limit: int = TEXT_PREVIEW) -> str:
    """One line of at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def questions_text(ctx: Context, questions: list[list[str]]) -> str:
    """The draft's questions, numbered, with their kind."""
    return "\n".join(
        ctx.t("survey.question_line", number=i, kind=ctx.t(f"survey.kind_{kind}"), prompt=prompt)
        for i, (kind, prompt) in enumerate(questions, start=1)
    )


def responses_text(ctx: Context, r: Responses) -> str:
    """“3/10 answered (30%)”."""
    return ctx.t("survey.responses", completed=r.completed, recipients=r.recipients, rate=r.rate)


def view_button(ctx: Context, survey_id: int) -> Button:
    """A button opening a survey's results card."""
    return ctx.button(ctx.t("survey.btn_view"), SurveyManageTap("v", survey_id))


def state_text(ctx: Context, survey: Survey) -> str:
    """The survey's state, with its time (sends at / sent at / closed at)."""
    if survey.state == "scheduled":
        return ctx.t("survey.state_scheduled", when=local_time(ctx, survey.send_at))
    if survey.state == "open":
        return ctx.t("survey.state_open", when=local_time(ctx, survey.opened_at or survey.send_at))
    when = local_time(ctx, survey.closed_at) if survey.closed_at else "-"
    return ctx.t("survey.state_closed", when=when)


def _question(ctx: Context, q: QuestionStats) -> list[str]:
    head = ctx.t("survey.result_question", number=q.question.position,
                 kind=ctx.t(f"survey.kind_{q.question.kind}"), prompt=short(q.question.prompt))
    if q.question.kind == "rating":
        dist = " · ".join(f"{r}★ {n}" for r, n in q.distribution.items())
        avg = f"{q.average:.2f}" if q.average is not None else "–"
        return [head, ctx.t("survey.result_rating", answered=q.answered, average=avg, dist=dist)]
    lines = [head, ctx.t("survey.result_text", answered=q.answered, skipped=q.skipped)]
    lines += [ctx.t("survey.result_quote", text=short(t)) for t in q.texts]
    return lines


async def _series_line(ctx: Context, survey: Survey) -> str:
    """A monthly survey: the next issue, or that the series stopped."""
    if survey.state == "scheduled":
        return ctx.t("survey.series_pending")
    upcoming = await ctx.services.surveys.upcoming_issue(survey)
    if upcoming is None:
        return ctx.t("survey.series_stopped")
    return ctx.t("survey.series_next", number=upcoming.id, when=local_time(ctx, upcoming.send_at))


async def results_card(ctx: Context, stats: SurveyStats) -> tuple[str, list[list[Button]]]:
    """A survey's results: state, audience, responses, per question; Close / Remind now."""
    survey = stats.survey
    audience = await audience_label(ctx, Audience(survey.audience_kind, survey.audience_value))
    lines = [
        ctx.t("survey.card_title", number=survey.id, title=survey.title),
        state_text(ctx, survey),
        ctx.t("survey.card_audience", audience=audience),
    ]
    if survey.state != "scheduled":
        partial = stats.responses.partial
        extra = ctx.t("survey.partial", count=partial) if partial else ""
        lines.append(responses_text(ctx, stats.responses) + extra)
    if survey.state == "open" and survey.remind_at is not None:
        key = "survey.reminder_sent_line" if survey.reminder_sent else "survey.reminder_due_line"
        lines.append(ctx.t(key, when=local_time(ctx, survey.remind_at)))
    if survey.repeat == "monthly":
        lines.append(await _series_line(ctx, survey))
    for q in stats.questions:
        lines += ["", *_question(ctx, q)]
    buttons = [[ctx.button(ctx.t("survey.btn_refresh"), SurveyManageTap("v", survey.id))]]
    if survey.state == "open" and survey.fanout_done and not survey.reminder_sent:
        buttons.append([ctx.button(ctx.t("survey.btn_remind"), SurveyManageTap("rm", survey.id))])
    if survey.state in ("scheduled", "open"):
        buttons.append([ctx.button(ctx.t("survey.btn_close"), SurveyManageTap("c", survey.id))])
    return "\n".join(lines), buttons

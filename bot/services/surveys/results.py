"""Survey results from SQL aggregates: response counts, per question the rating distribution
and average or the latest texts; and a summary of a time span for the managers' digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tortoise.functions import Count

from models.surveys import Survey, SurveyAnswer, SurveyQuestion, SurveyRecipient

LATEST_TEXTS = 5


@dataclass
class Responses:
    """How many people a survey went to, finished it, and started without finishing."""

    recipients: int = 0
    completed: int = 0
    partial: int = 0

    @property
    def rate(self) -> int:
        """Finished, as a whole percentage of recipients (0 without recipients)."""
        return round(100 * self.completed / self.recipients) if self.recipients else 0


@dataclass
class QuestionStats:
    """One question's answers: how many rated/wrote, skipped; for ratings the 1–5 counts and
    average; for text the latest answers, newest first."""

    question: SurveyQuestion
    answered: int = 0
    skipped: int = 0
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))
    average: float | None = None
    texts: list[str] = field(default_factory=list)


@dataclass
class SurveyStats:
    """A survey's results."""

    survey: Survey
    responses: Responses
    questions: list[QuestionStats]


@dataclass
class SurveyLine:
    """One survey in a span summary: its number, title and responses."""

    id: int
    title: str
    state: str
    responses: Responses


@dataclass
class SurveySpanSummary:
    """What the digest shows of surveys in a span: those sent and those closed in it."""

    sent: list[SurveyLine]
    closed: list[SurveyLine]


class SurveyResults:
    """The read side of surveys: responses, per-question results and the digest's summary,
    all counted in SQL."""

    async def responses(self, survey_ids: list[int]) -> dict[int, Responses]:
        """Responses per survey, counted in SQL."""
        out = {sid: Responses() for sid in survey_ids}
        if not survey_ids:
            return out
        base = SurveyRecipient.filter(survey_id__in=survey_ids)
        for row in await base.annotate(n=Count("id")).group_by("survey_id").values(
            "survey_id", "n"
        ):
            out[row["survey_id"]].recipients = row["n"]
        done = base.filter(completed_at__isnull=False)
        for row in await done.annotate(n=Count("id")).group_by("survey_id").values(
            "survey_id", "n"
        ):
            out[row["survey_id"]].completed = row["n"]
        started = SurveyRecipient.filter(
            survey_id__in=survey_ids, completed_at__isnull=True, answers__id__isnull=False
        )
        for row in await started.annotate(n=Count("id", distinct=True)).group_by(
            "survey_id"
        ).values("survey_id", "n"):
            out[row["survey_id"]].partial = row["n"]
        return out

    async def stats(self, survey: Survey) -> SurveyStats:
        """Per question: counts, the 1–5 distribution and average, the latest texts."""
        questions = await SurveyQuestion.filter(survey_id=survey.id).order_by("position")
        by_id = {q.id: QuestionStats(q) for q in questions}
        grouped = (
            await SurveyAnswer.filter(question_id__in=list(by_id))
            .annotate(n=Count("id"))
            .group_by("question_id", "rating")
            .values("question_id", "rating", "n")
        )
        for row in grouped:
            stats = by_id[row["question_id"]]
            if row["rating"] is not None and 1 <= row["rating"] <= 5:
                stats.distribution[row["rating"]] += row["n"]
                stats.answered += row["n"]
        skipped = (
            await SurveyAnswer.filter(
                question_id__in=list(by_id), rating__isnull=True, text__isnull=True
            )
            .annotate(n=Count("id"))
            .group_by("question_id")
            .values("question_id", "n")
        )
        for row in skipped:
            by_id[row["question_id"]].skipped = row["n"]
        for q in questions:
            stats = by_id[q.id]
            if q.kind == "rating" and stats.answered:
                total = sum(r * n for r, n in stats.distribution.items())
                stats.average = round(total / stats.answered, 2)
            elif q.kind == "text":
                stats.answered = await SurveyAnswer.filter(
                    question_id=q.id, text__isnull=False
                ).count()
                stats.texts = list(
                    await SurveyAnswer.filter(question_id=q.id, text__isnull=False)
                    .order_by("-id")
                    .limit(LATEST_TEXTS)
                    .values_list("text", flat=True)
                )
        responses = (await self.responses([survey.id]))[survey.id]
        return SurveyStats(survey, responses, [by_id[q.id] for q in questions])

    async def survey_summary(self, start: datetime, end: datetime) -> SurveySpanSummary:
        """Surveys sent (opened) and closed in [start, end), each with its response rate —
        what the managers' digest shows for that span."""
        sent = await Survey.filter(opened_at__gte=start, opened_at__lt=end).order_by("id")
        closed = await Survey.filter(closed_at__gte=start, closed_at__lt=end).order_by("id")
        counts = await self.responses(sorted({s.id for s in [*sent, *closed]}))

        def line(s: Survey) -> SurveyLine:
            return SurveyLine(s.id, s.title, s.state, counts[s.id])

        return SurveySpanSummary([line(s) for s in sent], [line(s) for s in closed])

"""Opinion collection (意见征集): managers schedule short surveys, people answer them in chat.

The parts: this module (who may do what, creating and scheduling, answering one question at a
time), `surveys_delivery` (the scheduled fan-out, the one reminder, closing at `closes_at`) and
`surveys_results` (counts, averages, the digest's summary). Answers are stored as they come,
so a restart mid-survey loses nothing; the next question is always the first unanswered one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.config import Settings
from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.services.alerts import Audience, AudienceResolver, ResidentsOf
from bot.services.people import PlaceService
from bot.services.surveys.delivery import SurveyDelivery
from bot.services.surveys.results import SurveyResults
from models.people import Identity, Person
from models.surveys import (
    QUESTION_KINDS,
    REPEATS,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyRecipient,
)

MANAGER_ROLES = ("manager",)  # admins hold every role
MAX_QUESTIONS = 5
MAX_TITLE = 100
MAX_PROMPT = 300
MAX_ANSWER = 500
MAX_AHEAD = timedelta(days=90)
PAST_GRACE = timedelta(minutes=1)
MORNING = (9, 0)
_WHEN = re.compile(
    r"^(?:(?:(?P<y>\d{4})[-/.])?(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})\s*)?(?P<H>\d{1,2}):(?P<M>\d{2})$"
)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Preview:
    """An audience as the confirm card shows it: how many people, how many reachable."""

    audience: Audience
    people: int
    reachable: int


@dataclass
class Progress:
    """Where a recipient is: the next unanswered question (None when done), how many answered."""

    survey: Survey
    question: SurveyQuestion | None
    answered: int
    total: int


class SurveyService(SurveyDelivery, SurveyResults):
    """Surveys: scheduling (managers), answering (recipients), results (managers, the author)."""

    def __init__(
        self, settings: Settings, places: PlaceService, residents_of: ResidentsOf | None = None
    ):
        self.settings = settings
        self.tz = ZoneInfo(settings.timezone)
        self.audience = AudienceResolver(places, residents_of)
        self.remind_after = timedelta(hours=settings.survey_remind_hours)

    # --- permissions ---------------------------------------------------------------------------

    def can_manage(self, person: Person | None) -> bool:
        """True when the person may create surveys and see every survey's results."""
        return person is not None and person.has_role(*MANAGER_ROLES)

    def require_manager(self, person: Person | None) -> None:
        """Raise PermissionDenied unless the person may create surveys."""
        if not self.can_manage(person):
            raise PermissionDenied()

    async def get(self, survey_id: int, viewer: Person | None) -> Survey:
        """A survey for its results: managers and its author only."""
        if viewer is None:
            raise PermissionDenied()
        survey = await Survey.get_or_none(id=survey_id)
        if survey is None:
            if not self.can_manage(viewer):
                raise PermissionDenied()
            raise NotFound("survey.unknown", number=survey_id)
        if not self.can_manage(viewer) and survey.author_id != viewer.id:
            raise PermissionDenied()
        return survey

    async def list_surveys(self, viewer: Person | None, limit: int = 10) -> list[Survey]:
        """The latest surveys, newest first (managers see all; anyone else their own)."""
        if viewer is None:
            raise PermissionDenied()
        query = Survey.all() if self.can_manage(viewer) else Survey.filter(author_id=viewer.id)
        surveys = await query.order_by("-id").limit(limit)
        if not surveys and not self.can_manage(viewer):
            raise PermissionDenied()
        return surveys

    async def questions(self, survey: Survey) -> list[SurveyQuestion]:
        """The survey's questions in order."""
        return await SurveyQuestion.filter(survey_id=survey.id).order_by("position")

    async def upcoming_issue(self, survey: Survey) -> Survey | None:
        """A monthly survey's next issue while it is still scheduled (None otherwise)."""
        return await Survey.get_or_none(previous_id=survey.id, state="scheduled")

    # --- scheduling ----------------------------------------------------------------------------

    async def preview(self, author: Person | None, audience: Audience) -> Preview:
        """Validate an audience and count it (for the confirm card)."""
        self.require_manager(author)
        audience = await self.audience.validate(audience)
        people = [p.id for p in (await self.audience.resolve(audience)).people]
        reachable = set(
            await Identity.filter(person_id__in=people).values_list("person_id", flat=True)
        )
        return Preview(audience, len(people), len(reachable))

    def check_title(self, title: str) -> str:
        """The title, trimmed, or a ServiceError saying what is wrong."""
        title = " ".join(title.split())
        if not title:
            raise ServiceError("survey.title_empty")
        if len(title) > MAX_TITLE:
            raise ServiceError("survey.title_too_long", limit=MAX_TITLE)
        return title

    def check_prompt(self, prompt: str) -> str:
        """A question's wording, trimmed, or a ServiceError saying what is wrong."""
        prompt = prompt.strip()
        if not prompt:
            raise ServiceError("survey.prompt_empty")
        if len(prompt) > MAX_PROMPT:
            raise ServiceError("survey.prompt_too_long", limit=MAX_PROMPT)
        return prompt

    def tomorrow_morning(self, now: datetime | None = None) -> datetime:
        """Tomorrow 09:00 in the deployment's time zone (as UTC)."""
        local = (now or _now()).astimezone(self.tz) + timedelta(days=1)
        at = local.replace(hour=MORNING[0], minute=MORNING[1], second=0, microsecond=0)
        return at.astimezone(UTC)

    def parse_when(self, text: str, now: datetime | None = None) -> datetime:
        """A typed time in HOUQIN_TIMEZONE ("2026-12-01 14:00", "12-01 14:00", "12月1日 14:00",
        "14:00": today, or tomorrow once passed) as UTC; in the future, at most 90 days on."""
        now = now or _now()
        text = unicodedata.normalize("NFKC", text).strip()
        text = text.replace("年", "-").replace("月", "-").replace("日", " ").replace("号", " ")
        text = re.sub(r"\s+", " ", text.replace("点", ":")).strip()
        match = _WHEN.match(text)
        if match is None:
            raise ServiceError("survey.when_unknown")
        local_now = now.astimezone(self.tz)
        year = int(match["y"] or local_now.year)
        month = int(match["m"] or local_now.month)
        day = int(match["d"] or local_now.day)
        try:
            at = datetime(year, month, day, int(match["H"]), int(match["M"]), tzinfo=self.tz)
        except ValueError:
            raise ServiceError("survey.when_unknown") from None
        if match["m"] is None and at < local_now:
            at += timedelta(days=1)
        elif match["y"] is None and at < local_now - timedelta(days=1):
            at = at.replace(year=year + 1)
        return self.check_send_at(at.astimezone(UTC), now)

    def check_send_at(self, send_at: datetime, now: datetime | None = None) -> datetime:
        """A send time not in the past and at most 90 days ahead."""
        now = now or _now()
        if send_at < now - PAST_GRACE:
            raise ServiceError("survey.when_past")
        if send_at > now + MAX_AHEAD:
            raise ServiceError("survey.when_too_far", days=MAX_AHEAD.days)
        return send_at

    async def create(
        self,
        author: Person | None,
        title: str,
        questions: list[tuple[str, str]],
        audience: Audience,
        send_at: datetime,
        *,
        closes_at: datetime | None = None,
        repeat: str = "",
        now: datetime | None = None,
    ) -> Survey:
        """Validate and store a scheduled survey with its questions ((kind, prompt) pairs);
        `repeat="monthly"` sends it again every month."""
        self.require_manager(author)
        title = self.check_title(title)
        if not 1 <= len(questions) <= MAX_QUESTIONS:
            raise ServiceError("survey.question_count", limit=MAX_QUESTIONS)
        checked = []
        for kind, prompt in questions:
            if kind not in QUESTION_KINDS:
                raise ServiceError("survey.kind_unknown")
            checked.append((kind, self.check_prompt(prompt)))
        audience = await self.audience.validate(audience)
        send_at = self.check_send_at(send_at, now)
        if closes_at is not None and closes_at <= send_at:
            raise ServiceError("survey.closes_before_send")
        if repeat not in REPEATS:
            raise ServiceError("survey.repeat_unknown")
        async with in_transaction():
            survey = await Survey.create(
                created_at=now or datetime.now(UTC),
                title=title,
                author=author,
                audience_kind=audience.kind,
                audience_value=audience.value,
                send_at=send_at,
                closes_at=closes_at,
                repeat=repeat,
            )
            for position, (kind, prompt) in enumerate(checked, start=1):
                await SurveyQuestion.create(
                    survey=survey, position=position, kind=kind, prompt=prompt
                )
        return survey

    async def close(
        self, survey_id: int, person: Person | None, now: datetime | None = None
    ) -> Survey:
        """Close a survey (a scheduled one is then never sent); managers and the author."""
        survey = await self.get(survey_id, person)
        assert person is not None
        closed = await Survey.filter(id=survey.id, state__in=("scheduled", "open")).update(
            state="closed", closed_at=now or _now(), closed_by_id=person.id
        )
        if not closed:
            raise InvalidState("survey.already_closed", number=survey.id)
        await survey.refresh_from_db()
        return survey

    # --- answering -----------------------------------------------------------------------------

    async def progress(self, survey_id: int, person: Person) -> Progress:
        """Where this person is in a survey they received; closed surveys are refused."""
        survey = await Survey.get_or_none(id=survey_id)
        recipient = await SurveyRecipient.get_or_none(survey_id=survey_id, person_id=person.id)
        if survey is None or recipient is None:
            raise NotFound("survey.not_yours")
        if survey.state != "open":
            raise InvalidState("survey.closed", title=survey.title)
        questions = await self.questions(survey)
        done = set(
            await SurveyAnswer.filter(recipient_id=recipient.id).values_list(
                "question_id", flat=True
            )
        )
        pending = [q for q in questions if q.id not in done]
        return Progress(survey, pending[0] if pending else None, len(done), len(questions))

    async def answer(
        self,
        survey_id: int,
        person: Person,
        question_id: int,
        *,
        rating: int | None = None,
        text: str | None = None,
        now: datetime | None = None,
    ) -> Progress:
        """Store the answer to the next unanswered question (rating 1–5, text, or neither to
        skip a text question); returns the progress after it. Answering again is refused."""
        before = await self.progress(survey_id, person)
        question = before.question
        if question is None or question.id != question_id:
            raise InvalidState("survey.already_answered")
        if question.kind == "rating":
            if rating is None or not 1 <= rating <= 5:
                raise ServiceError("survey.bad_rating")
            text = None
        else:
            rating = None
            text = (text or "").strip() or None
            if text is not None and len(text) > MAX_ANSWER:
                raise ServiceError("survey.answer_too_long", limit=MAX_ANSWER)
        recipient = await SurveyRecipient.get(survey_id=survey_id, person_id=person.id)
        try:
            await SurveyAnswer.create(
                recipient=recipient, question=question, rating=rating, text=text
            )
        except IntegrityError:
            raise InvalidState("survey.already_answered") from None
        after = await self.progress(survey_id, person)
        if after.question is None:
            await SurveyRecipient.filter(id=recipient.id, completed_at__isnull=True).update(
                completed_at=now or _now()
            )
        return after


__all__ = ["MAX_ANSWER", "MAX_QUESTIONS", "Preview", "Progress", "SurveyService"]

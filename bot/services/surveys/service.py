"""Opinion collection (意见征集): managers schedule short surveys, people answer them in chat.

The life of a survey is this class: who may do what, creating and scheduling, the scheduled
fan-out, the one reminder, closing at `closes_at`, and answering one question at a time. The
rules that need no database are `rules`, how messages read is `views`, and the read side
(counts, averages, the digest's summary) is `results.SurveyResults`. Answers are stored as they
come, so a restart mid-survey loses nothing; the next question is always the first unanswered
one. Every delivery step is claimed with a conditional UPDATE (a survey scheduled → open, each
recipient's `reminded_at`), and every message has a once-only outbox key, so two instances
never send a message twice and a run interrupted by a restart is simply run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.config import Settings
from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.core.types import Address, Reply
from bot.delivery.notifier import PRIORITY_BULK, Outgoing
from bot.services.alerts import Audience, AudienceResolver, DormRoster
from bot.services.people import PlaceService
from bot.services.surveys import rules
from bot.services.surveys.results import SurveyResults, SurveySpanSummary
from bot.services.surveys.rules import (
    MANAGER_ROLES,
    MAX_ANSWER,
    MAX_QUESTIONS,
    add_month,
    check_prompt,
    check_send_at,
    check_title,
    message_key,
)
from bot.services.surveys.rules import now_utc as _now
from bot.services.surveys.views import invitation_reply, reminder_reply
from models.people import Identity, Person
from models.surveys import (
    QUESTION_KINDS,
    REPEATS,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyRecipient,
)

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier

CHUNK = 500


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


class SurveyService:
    """Surveys: scheduling (managers), delivery, answering (recipients); results through
    `results`."""

    def __init__(
        self,
        settings: Settings,
        places: PlaceService,
        dorms: DormRoster | None = None,
        results: SurveyResults | None = None,
        *,
        notifier: Notifier,
    ):
        self.settings = settings
        self.notifier = notifier
        self.results = results or SurveyResults()
        self.tz = ZoneInfo(settings.timezone)
        self.audience = AudienceResolver(places, dorms)
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

    def tomorrow_morning(self, now: datetime | None = None) -> datetime:
        """Tomorrow 09:00 in the deployment's time zone (as UTC)."""
        return rules.tomorrow_morning(self.tz, now)

    def parse_when(self, text: str, now: datetime | None = None) -> datetime:
        """A typed time in HOUQIN_TIMEZONE ("2026-12-01 14:00", "12-01 14:00", "12月1日 14:00",
        "14:00": today, or tomorrow once passed) as UTC; in the future, at most 90 days on."""
        return rules.parse_when(text, self.tz, now)

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
        title = check_title(title)
        if not 1 <= len(questions) <= MAX_QUESTIONS:
            raise ServiceError("survey.question_count", limit=MAX_QUESTIONS)
        checked = []
        for kind, prompt in questions:
            if kind not in QUESTION_KINDS:
                raise ServiceError("survey.kind_unknown")
            checked.append((kind, check_prompt(prompt)))
        audience = await self.audience.validate(audience)
        send_at = check_send_at(send_at, now)
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

    async def survey_summary(self, start: datetime, end: datetime) -> SurveySpanSummary:
        """Surveys sent and closed in [start, end) with their response rates (the digest asks
        the service; `results` counts)."""
        return await self.results.survey_summary(start, end)

    # --- delivery ------------------------------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> int:
        """Everything due at `now`: send, remind, close; returns the messages queued."""
        now = now or _now()
        queued = await self.send_due(now)
        queued += await self.remind_due(now)
        await self.close_due(now)
        return queued

    async def send_due(self, now: datetime | None = None) -> int:
        """Open the surveys whose time has come and fan them out (and finish fan-outs a restart
        interrupted); returns the messages queued."""
        now = now or _now()
        due = await Survey.filter(state="scheduled", send_at__lte=now).order_by("id")
        for survey in due:
            await Survey.filter(id=survey.id, state="scheduled").update(state="open", opened_at=now)
        queued = 0
        for survey in await Survey.filter(state="open", fanout_done=False).order_by("id"):
            queued += await self.fan_out(survey, now)
        return queued

    async def fan_out(
        self, survey: Survey, now: datetime | None = None
    ) -> int:
        """Record the recipients and queue the invitations; safe to run again."""
        now = now or _now()
        found = await self.audience.resolve(Audience(survey.audience_kind, survey.audience_value))
        await SurveyRecipient.bulk_create(
            [SurveyRecipient(survey_id=survey.id, person_id=p.id) for p in found.people],
            batch_size=CHUNK,
            ignore_conflicts=True,
        )
        count = await SurveyQuestion.filter(survey_id=survey.id).count()
        author = await Person.get_or_none(id=survey.author_id) if survey.author_id else None
        t, by = self.notifier.translator, author.name if author else "-"
        queued = await self.notifier.enqueue(
            await _messages(
                survey, found.people, "i",
                lambda person: invitation_reply(t, person.locale, survey, count, by),
            )
        )
        await SurveyRecipient.filter(survey_id=survey.id, pushed_at__isnull=True).update(
            pushed_at=now
        )
        total = await SurveyRecipient.filter(survey_id=survey.id).count()
        opened = survey.opened_at or now
        won = await Survey.filter(id=survey.id, fanout_done=False).update(
            fanout_done=True, recipients_total=total, remind_at=opened + self.remind_after
        )
        if won and survey.repeat == "monthly":
            await self.next_issue(survey, now)
        later = survey.send_at > survey.created_at + timedelta(minutes=1)
        if won and author is not None and later:  # "send now" is answered in the chat instead
            await self.notifier.push(
                author, "survey.sent_to_author", priority=PRIORITY_BULK,
                number=survey.id, title=survey.title, people=total,
            )
        return queued

    async def next_issue(self, survey: Survey, now: datetime) -> Survey | None:
        """For a monthly survey that just went out: close the issue before it and schedule the
        next one (same questions and audience, a month later); once only (`previous` is
        unique). Closing that scheduled issue ends the series."""
        if survey.previous_id:
            await Survey.filter(id=survey.previous_id, state="open").update(
                state="closed", closed_at=now
            )
        send_at = add_month(survey.send_at, self.tz)
        closes_at = survey.closes_at + (send_at - survey.send_at) if survey.closes_at else None
        try:
            async with in_transaction():
                upcoming = await Survey.create(
                    title=survey.title, author_id=survey.author_id,
                    audience_kind=survey.audience_kind, audience_value=survey.audience_value,
                    send_at=send_at, closes_at=closes_at, repeat=survey.repeat,
                    previous_id=survey.id,
                )
                for q in await SurveyQuestion.filter(survey_id=survey.id).order_by("position"):
                    await SurveyQuestion.create(
                        survey=upcoming, position=q.position, kind=q.kind, prompt=q.prompt
                    )
        except IntegrityError:  # another instance scheduled it
            return None
        return upcoming

    async def remind_due(
        self, now: datetime | None = None
    ) -> int:
        """The one reminder to those who have not finished, once its time has come."""
        now = now or _now()
        queued = 0
        due = await Survey.filter(
            state="open", fanout_done=True, reminder_sent=False, remind_at__lte=now
        ).order_by("id")
        for survey in due:
            queued += await self.send_reminder(survey, now)
        return queued

    async def send_reminder(
        self, survey: Survey, now: datetime | None = None
    ) -> int:
        """Remind each non-respondent once: each recipient is claimed by setting reminded_at
        where it is still empty, so no instance (and no second run) reminds anyone twice."""
        now = now or _now()
        pending = await SurveyRecipient.filter(
            survey_id=survey.id, completed_at__isnull=True, reminded_at__isnull=True
        ).order_by("id")
        claimed: list[int] = []
        for recipient in pending:
            won = await SurveyRecipient.filter(
                id=recipient.id, completed_at__isnull=True, reminded_at__isnull=True
            ).update(reminded_at=now)
            if won:
                claimed.append(recipient.person_id)
        people = await Person.filter(id__in=claimed, active=True)
        answered = await _answered_counts(survey.id, claimed)
        count = await SurveyQuestion.filter(survey_id=survey.id).count()
        t = self.notifier.translator
        queued = await self.notifier.enqueue(
            await _messages(
                survey, people, "rm",
                lambda person: reminder_reply(
                    t, person.locale, survey, count, answered.get(person.id, 0)
                ),
            )
        )
        await Survey.filter(id=survey.id).update(reminder_sent=True)
        return queued

    async def remind_now(
        self, survey_id: int, person: Person | None,
        now: datetime | None = None,
    ) -> int:
        """Send the one reminder now instead of at its time (managers and the author)."""
        survey = await self.get(survey_id, person)
        if survey.state != "open" or not survey.fanout_done:
            raise InvalidState("survey.not_open", number=survey.id)
        if survey.reminder_sent:
            raise InvalidState("survey.reminder_done", number=survey.id)
        now = now or _now()
        await Survey.filter(id=survey.id).update(remind_at=now)
        return await self.send_reminder(survey, now)

    async def close_due(self, now: datetime | None = None) -> int:
        """Close the open surveys whose closing time has passed; returns how many."""
        now = now or _now()
        return await Survey.filter(state="open", closes_at__lte=now).update(
            state="closed", closed_at=now
        )

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


async def _answered_counts(survey_id: int, person_ids: list[int]) -> dict[int, int]:
    """Person id -> how many questions of the survey they answered."""
    rows = await SurveyAnswer.filter(
        recipient__survey_id=survey_id, recipient__person_id__in=person_ids
    ).values_list("recipient__person_id", flat=True)
    out: dict[int, int] = {}
    for pid in rows:
        out[int(pid)] = out.get(int(pid), 0) + 1
    return out


async def _messages(
    survey: Survey, people: list[Person], tag: str, reply_of: Callable[[Person], Reply]
) -> list[Outgoing]:
    """One message per identity of each person, in their language, with a once-only key."""
    out: list[Outgoing] = []
    ids = [p.id for p in people]
    idents: dict[int, list[Identity]] = {}
    for start in range(0, len(ids), CHUNK):
        for ident in await Identity.filter(person_id__in=ids[start : start + CHUNK]).order_by("id"):
            idents.setdefault(ident.person_id, []).append(ident)
    for person in people:
        reply = reply_of(person)
        for ident in idents.get(person.id, []):
            key = message_key(survey.id, tag, person.id, ident.id)
            out.append(Outgoing(Address(ident.platform, ident.chat_id), reply, PRIORITY_BULK, key))
    return out


__all__ = ["MAX_ANSWER", "MAX_QUESTIONS", "Preview", "Progress", "SurveyService"]

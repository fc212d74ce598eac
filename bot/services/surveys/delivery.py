"""Sending surveys: the fan-out when one is due, the one reminder, closing at `closes_at`.

Every step is claimed with a conditional UPDATE (a survey scheduled → open, each recipient's
`reminded_at`), and every message has a once-only outbox key, so two instances never send a
message twice and a run interrupted by a restart is simply run again.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState
from bot.core.types import Address, Button, Reply
from bot.delivery.notifier import PRIORITY_BULK, Outgoing
from bot.services.alerts import Audience
from models.people import Identity, Person
from models.surveys import Survey, SurveyAnswer, SurveyQuestion, SurveyRecipient

if TYPE_CHECKING:
    from bot.core.i18n import Translator
    from bot.delivery.notifier import Notifier
    from bot.services.surveys.service import SurveyService

ANSWER_ACTION = "sva"
CHUNK = 500


def _now() -> datetime:
    return datetime.now(UTC)


def message_key(survey_id: int, tag: str, person_id: int, identity_id: int) -> str:
    """The once-only key of one survey message to one identity ("i" invitation, "rm" reminder)."""
    return f"survey:{survey_id}:{tag}:{person_id}:{identity_id}"


def start_button(t: Translator, locale: str | None, survey_id: int, label_key: str) -> Button:
    """The button that starts (or continues) answering a survey."""
    return Button(t(locale, label_key), f"{ANSWER_ACTION}:go:{survey_id}")


class SurveyDelivery:
    """The scheduled side of surveys (mixed into SurveyService)."""

    async def tick(self: SurveyService, notifier: Notifier, now: datetime | None = None) -> int:
        """Everything due at `now`: send, remind, close; returns the messages queued."""
        now = now or _now()
        queued = await self.send_due(notifier, now)
        queued += await self.remind_due(notifier, now)
        await self.close_due(now)
        return queued

    async def send_due(self: SurveyService, notifier: Notifier, now: datetime | None = None) -> int:
        """Open the surveys whose time has come and fan them out (and finish fan-outs a restart
        interrupted); returns the messages queued."""
        now = now or _now()
        due = await Survey.filter(state="scheduled", send_at__lte=now).order_by("id")
        for survey in due:
            await Survey.filter(id=survey.id, state="scheduled").update(state="open", opened_at=now)
        queued = 0
        for survey in await Survey.filter(state="open", fanout_done=False).order_by("id"):
            queued += await self.fan_out(notifier, survey, now)
        return queued

    async def fan_out(
        self: SurveyService, notifier: Notifier, survey: Survey, now: datetime | None = None
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
        queued = await notifier.enqueue(
            await _messages(
                notifier.translator,
                survey,
                found.people,
                "i",
                lambda person: notifier.translator(
                    person.locale, "survey.invite", title=survey.title, count=count,
                    author=author.name if author else "-",
                ),
                "survey.btn_start",
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
            await notifier.push(
                author, "survey.sent_to_author", priority=PRIORITY_BULK,
                number=survey.id, title=survey.title, people=total,
            )
        return queued

    async def next_issue(self: SurveyService, survey: Survey, now: datetime) -> Survey | None:
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
        self: SurveyService, notifier: Notifier, now: datetime | None = None
    ) -> int:
        """The one reminder to those who have not finished, once its time has come."""
        now = now or _now()
        queued = 0
        due = await Survey.filter(
            state="open", fanout_done=True, reminder_sent=False, remind_at__lte=now
        ).order_by("id")
        for survey in due:
            queued += await self.send_reminder(notifier, survey, now)
        return queued

    async def send_reminder(
        self: SurveyService, notifier: Notifier, survey: Survey, now: datetime | None = None
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
        queued = await notifier.enqueue(
            await _messages(
                notifier.translator,
                survey,
                people,
                "rm",
                lambda person: notifier.translator(
                    person.locale, "survey.reminder", title=survey.title, count=count,
                    answered=answered.get(person.id, 0),
                ),
                "survey.btn_continue",
            )
        )
        await Survey.filter(id=survey.id).update(reminder_sent=True)
        return queued

    async def remind_now(
        self: SurveyService, notifier: Notifier, survey_id: int, person: Person | None,
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
        return await self.send_reminder(notifier, survey, now)

    async def close_due(self: SurveyService, now: datetime | None = None) -> int:
        """Close the open surveys whose closing time has passed; returns how many."""
        now = now or _now()
        return await Survey.filter(state="open", closes_at__lte=now).update(
            state="closed", closed_at=now
        )


def add_month(when: datetime, tz: ZoneInfo) -> datetime:
    """The same local day and time a month later (the month's last day when it is shorter)."""
    local = when.astimezone(tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(UTC)


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
    t: Translator,
    survey: Survey,
    people: list[Person],
    tag: str,
    text_of: Callable[[Person], str],
    label_key: str,
) -> list[Outgoing]:
    """One message per identity of each person, in their language, with a once-only key."""
    out: list[Outgoing] = []
    ids = [p.id for p in people]
    idents: dict[int, list[Identity]] = {}
    for start in range(0, len(ids), CHUNK):
        for ident in await Identity.filter(person_id__in=ids[start : start + CHUNK]).order_by("id"):
            idents.setdefault(ident.person_id, []).append(ident)
    for person in people:
        reply = Reply(text_of(person), [[start_button(t, person.locale, survey.id, label_key)]])
        for ident in idents.get(person.id, []):
            key = message_key(survey.id, tag, person.id, ident.id)
            out.append(Outgoing(Address(ident.platform, ident.chat_id), reply, PRIORITY_BULK, key))
    return out

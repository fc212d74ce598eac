"""How survey messages read: the invitation and the reminder with their Start / Continue
button, and the payload of every survey button."""

from __future__ import annotations

from typing import ClassVar

from bot.core.i18n import Translator
from bot.core.payloads import BadPayload, Payload, payload
from bot.core.types import Button, Reply
from models.surveys import Survey

MAX_ID = 999_999_999  # a longer number on a button is forged


def _check_id(prefix: str, survey_id: int) -> None:
    if not 0 <= survey_id <= MAX_ID:
        raise BadPayload(f"{prefix}: survey number {survey_id} out of range")


@payload("sva")
class SurveyAnswerTap(Payload):
    """A recipient's button: start (or continue) answering survey `survey_id` (verb "go")."""

    verb: str
    survey_id: int
    longest: ClassVar = ("go", MAX_ID)

    def __post_init__(self) -> None:
        _check_id(self.prefix, self.survey_id)


@payload("svm")
class SurveyManageTap(Payload):
    """A manager's button on survey `survey_id`: view results (v), ask to close (c), close
    (cc), remind now (rm)."""

    verb: str
    survey_id: int
    longest: ClassVar = ("cc", MAX_ID)

    def __post_init__(self) -> None:
        _check_id(self.prefix, self.survey_id)


def start_button(t: Translator, locale: str | None, survey_id: int, label_key: str) -> Button:
    """The button that starts (or continues) answering a survey."""
    return Button(t(locale, label_key), SurveyAnswerTap("go", survey_id).pack())


def invitation_reply(
    t: Translator, locale: str | None, survey: Survey, count: int, author: str
) -> Reply:
    """The invitation to a survey of `count` questions by `author`, with Start."""
    text = t(locale, "survey.invite", title=survey.title, count=count, author=author)
    return Reply(text, [[start_button(t, locale, survey.id, "survey.btn_start")]])


def reminder_reply(
    t: Translator, locale: str | None, survey: Survey, count: int, answered: int
) -> Reply:
    """The one reminder (`answered` of `count` questions so far), with Continue."""
    text = t(locale, "survey.reminder", title=survey.title, count=count, answered=answered)
    return Reply(text, [[start_button(t, locale, survey.id, "survey.btn_continue")]])

"""Opinion collection (意见征集): surveys, their delivery and results.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.surveys.results import (
    QuestionStats,
    Responses,
    SurveyLine,
    SurveyResults,
    SurveySpanSummary,
    SurveyStats,
)
from bot.services.surveys.rules import MAX_ANSWER, MAX_QUESTIONS, check_prompt, check_title
from bot.services.surveys.service import Preview, Progress, SurveyService
from bot.services.surveys.views import SurveyAnswerTap, SurveyManageTap

__all__ = [
    "MAX_ANSWER",
    "MAX_QUESTIONS",
    "Preview",
    "Progress",
    "QuestionStats",
    "Responses",
    "SurveyAnswerTap",
    "SurveyLine",
    "SurveyManageTap",
    "SurveyResults",
    "SurveyService",
    "SurveySpanSummary",
    "SurveyStats",
    "check_prompt",
    "check_title",
]

"""Opinion collection (意见征集): surveys, their delivery and results.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.surveys.delivery import ANSWER_ACTION
from bot.services.surveys.results import QuestionStats, Responses, SurveyStats
from bot.services.surveys.service import MAX_ANSWER, MAX_QUESTIONS, Progress, SurveyService

__all__ = [
    "ANSWER_ACTION",
    "MAX_ANSWER",
    "MAX_QUESTIONS",
    "Progress",
    "QuestionStats",
    "Responses",
    "SurveyService",
    "SurveyStats",
]

"""Worker scorecards (考核): monthly figures per worker and team, the weighted score, delivery
and the CSV export.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.scorecards.figures import WorkerFigures
from bot.services.scorecards.rules import (
    DEDUCTIONS,
    DEFAULT_WEIGHTS,
    PARTS,
    Month,
    Score,
    parse_weights,
)
from bot.services.scorecards.service import Card, MonthCards, ScorecardService
from bot.services.scorecards.views import card_text, manager_messages, ranking_text

__all__ = [
    "DEDUCTIONS",
    "DEFAULT_WEIGHTS",
    "PARTS",
    "Card",
    "Month",
    "MonthCards",
    "Score",
    "ScorecardService",
    "WorkerFigures",
    "card_text",
    "manager_messages",
    "parse_weights",
    "ranking_text",
]

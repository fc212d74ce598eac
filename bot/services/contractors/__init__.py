"""Contractor / service scoring by departments (服务单位考评): units, scorers, monthly rounds,
results against the target and the warnings.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.contractors.results import UnitResult, below_twice
from bot.services.contractors.rules import MAX_COMMENT, SCORES, split_items
from bot.services.contractors.service import CardProgress, ContractorService
from bot.services.contractors.views import ContractorTap, result_lines, results_text

__all__ = [
    "MAX_COMMENT",
    "SCORES",
    "CardProgress",
    "ContractorService",
    "ContractorTap",
    "UnitResult",
    "below_twice",
    "result_lines",
    "results_text",
    "split_items",
]

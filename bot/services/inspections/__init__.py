"""Inspection rounds (巡检): templates, schedules, rounds and their due work.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.inspections.demo import seed_demo_inspections
from bot.services.inspections.importer import import_inspections
from bot.services.inspections.rules import in_range, parse_reading
from bot.services.inspections.service import (
    Answered,
    InspectionService,
    RoundsSummary,
    RoundView,
    TemplateLine,
)
from bot.services.inspections.views import RoundTap, assigned_fields, local_time, start_buttons

__all__ = [
    "Answered",
    "InspectionService",
    "RoundTap",
    "RoundView",
    "RoundsSummary",
    "TemplateLine",
    "assigned_fields",
    "import_inspections",
    "in_range",
    "local_time",
    "parse_reading",
    "seed_demo_inspections",
    "start_buttons",
]

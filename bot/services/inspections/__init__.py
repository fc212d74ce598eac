"""Inspection rounds (巡检): templates, schedules, rounds and their due work.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.inspections.admin import TemplateLine
from bot.services.inspections.base import RoundView
from bot.services.inspections.demo import seed_demo_inspections
from bot.services.inspections.importer import import_inspections
from bot.services.inspections.service import InspectionService
from bot.services.inspections.walk import in_range, parse_reading

__all__ = [
    "InspectionService",
    "RoundView",
    "TemplateLine",
    "import_inspections",
    "in_range",
    "parse_reading",
    "seed_demo_inspections",
]

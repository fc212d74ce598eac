"""Repairs (报修/派工): tickets, dispatch, offers, SLA, escalation, follow-up, duty, manage.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.repairs.categories import (
    Category,
    CategoryFileError,
    CategorySet,
    guess_category,
    load_categories,
)
from bot.services.repairs.dispatch import DispatchOutcome, DispatchService
from bot.services.repairs.dispatch_queries import JobView
from bot.services.repairs.due import DueWork
from bot.services.repairs.duty import DUTY_ROLES, DutyService, place_zone
from bot.services.repairs.followup import FollowUpService
from bot.services.repairs.manage import CLOSE_KINDS, ManageService, OpenFilter, OpenTicket
from bot.services.repairs.materials import MaterialUsageService, parse_materials
from bot.services.repairs.offers import OfferService
from bot.services.repairs.report_text import ParsedReport, describe_without, parse_report_text
from bot.services.repairs.sla_config import load_config as load_sla_config
from bot.services.repairs.ticket_media import MediaCounts, album_replies
from bot.services.repairs.tickets import RepairService
from bot.services.repairs.views import (
    DECLINE_REASONS,
    DutyTap,
    FollowUpTap,
    JobTap,
    ManageTap,
    OpenTap,
    TicketTap,
    decline_buttons,
    fits,
    job_buttons,
    job_text,
)
from bot.services.repairs.wiring import build_dispatch
from bot.services.repairs.work import WorkService

__all__ = [
    "CLOSE_KINDS",
    "DECLINE_REASONS",
    "DUTY_ROLES",
    "Category",
    "CategoryFileError",
    "CategorySet",
    "DispatchOutcome",
    "DispatchService",
    "DueWork",
    "DutyService",
    "DutyTap",
    "FollowUpService",
    "FollowUpTap",
    "JobTap",
    "JobView",
    "ManageService",
    "ManageTap",
    "MaterialUsageService",
    "MediaCounts",
    "OfferService",
    "OpenFilter",
    "OpenTap",
    "OpenTicket",
    "ParsedReport",
    "RepairService",
    "TicketTap",
    "WorkService",
    "album_replies",
    "build_dispatch",
    "decline_buttons",
    "describe_without",
    "fits",
    "guess_category",
    "job_buttons",
    "job_text",
    "load_categories",
    "load_sla_config",
    "parse_materials",
    "parse_report_text",
    "place_zone",
]

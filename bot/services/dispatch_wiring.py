"""Builds the dispatch services (duty, dispatch, offers, work, follow-up, manage, due work)
from the settings, sharing one SLA policy."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.services.dispatch import DispatchService
from bot.services.due import DueWork
from bot.services.duty import DutyService
from bot.services.escalation import SlaTracker
from bot.services.followup import FollowUpService
from bot.services.manage import ManageService
from bot.services.materials import MaterialUsageService
from bot.services.offers import OfferService
from bot.services.repairs import RepairService
from bot.services.sla import SlaPolicy
from bot.services.sla_config import load_config
from bot.services.stock import StockService
from bot.services.work import WorkService


def build_dispatch(
    settings: Settings, repairs: RepairService, stock: StockService | None = None
) -> dict[str, Any]:
    """The dispatch services as keyword arguments for the Services container."""
    policy = SlaPolicy(load_config(settings.sla_file), settings.timezone)
    duty = DutyService()
    tracker = SlaTracker(policy, duty)
    dispatch = DispatchService(policy, repairs, duty, tracker, settings.timezone)
    offers = OfferService(dispatch)
    followup = FollowUpService(dispatch)
    materials = MaterialUsageService(stock)
    return {
        "duty": duty,
        "dispatch": dispatch,
        "offers": offers,
        "work": WorkService(dispatch, offers, followup, materials),
        "followup": followup,
        "manage": ManageService(dispatch),
        "materials": materials,
        "due": DueWork(dispatch, offers, followup),
    }

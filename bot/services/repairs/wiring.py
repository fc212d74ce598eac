"""Builds the dispatch services (duty, dispatch, offers, work, follow-up, manage, due work)
from the settings, sharing one SLA policy."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.services.repairs.dispatch import DispatchService
from bot.services.repairs.due import DueWork
from bot.services.repairs.duty import DutyService
from bot.services.repairs.escalation import SlaTracker
from bot.services.repairs.followup import FollowUpService
from bot.services.repairs.manage import ManageService
from bot.services.repairs.materials import MaterialUsageService
from bot.services.repairs.offers import OfferService
from bot.services.repairs.sla import SlaPolicy
from bot.services.repairs.sla_config import load_config
from bot.services.repairs.tickets import RepairService
from bot.services.repairs.work import WorkService
from bot.services.stock import StockService


def build_dispatch(
    settings: Settings, repairs: RepairService, notifier: Notifier,
    stock: StockService | None = None,
) -> dict[str, Any]:
    """The dispatch services as keyword arguments for the Services container."""
    policy = SlaPolicy(load_config(settings.sla_file, repairs.categories), settings.timezone)
    duty = DutyService(repairs.categories)
    tracker = SlaTracker(policy, duty)
    dispatch = DispatchService(policy, repairs, duty, tracker, settings.timezone, notifier)
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

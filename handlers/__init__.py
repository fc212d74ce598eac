"""Conversation handlers, one package per domain; each module exports `router`, merged here."""

from __future__ import annotations

import importlib

from bot.core.router import Router

# The order routers are included in, declared: it decides which free-text, photo and location
# fallbacks are tried first (text routes of the same priority keep this order).
ROUTER_MODULES: tuple[str, ...] = (
    "handlers.alerts.compose",
    "handlers.alerts.follow",
    "handlers.assets.link",
    "handlers.assets.card",
    "handlers.people.common",
    "handlers.people.access",
    "handlers.people.onboard",
    "handlers.people.roster",
    "handlers.people.places",
    "handlers.digest.commands",
    "handlers.dorms.student",
    "handlers.dorms.admin",
    "handlers.dorms.checklist",
    "handlers.dorm_requests.night_duty",
    "handlers.dorm_requests.new",
    "handlers.dorm_requests.admin",
    "handlers.dorm_requests.mine",
    "handlers.dorm_requests.reject",
    "handlers.dorm_requests.stayout",
    "handlers.energy.anomalies",
    "handlers.repairs.followup",
    "handlers.inspections.walk",
    "handlers.inspections.rounds",
    "handlers.assets.maintenance",
    "handlers.assets.check",
    "handlers.repairs.manage",
    "handlers.assets.qr_start",
    "handlers.repairs.report",
    "handlers.repairs.report_asset",
    "handlers.repairs.report_submit",
    "handlers.stock.ask",
    "handlers.stock.decide",
    "handlers.stock.queue",
    "handlers.stock.receive",
    "handlers.stock.requisition",
    "handlers.surveys.answer",
    "handlers.surveys.audience",
    "handlers.surveys.compose",
    "handlers.surveys.results",
    "handlers.surveys.schedule",
    "handlers.repairs.tickets",
    "handlers.repairs.worker",
    "handlers.repairs.worker_flows",
    "handlers.scorecards.score",
    "handlers.contractors.manage",
    "handlers.contractors.card",
)


def build_router(modules: tuple[str, ...] = ROUTER_MODULES) -> Router:
    """The one router with the routes of every module in `modules`, in that order; two
    modules defining the same command, step, prompt or action raise `RouteConflict`."""
    root = Router()
    for name in modules:
        root.include(importlib.import_module(name).router, name=name)
    return root

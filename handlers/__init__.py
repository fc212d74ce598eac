"""Conversation handlers, one package per domain; each module exports `router`, merged here."""

from __future__ import annotations

import importlib

from bot.core.router import Router

# The order routers are included in, declared: it decides which free-text, photo and location
# fallbacks are tried first (text routes of the same priority keep this order).
ROUTER_MODULES: tuple[str, ...] = (
    "alerts.compose",
    "alerts.follow",
    "assets.link",
    "assets.card",
    "people.common",
    "digest.commands",
    "dorms.student",
    "dorms.admin",
    "dorms.checklist",
    "dorm_requests.night_duty",
    "dorm_requests.new",
    "dorm_requests.admin",
    "dorm_requests.mine",
    "dorm_requests.reject",
    "dorm_requests.stayout",
    "dorms.verify",
    "energy.anomalies",
    "repairs.followup",
    "inspections.walk",
    "inspections.rounds",
    "assets.maintenance",
    "repairs.manage",
    "assets.qr_start",
    "repairs.report",
    "repairs.report_asset",
    "repairs.report_submit",
    "stock.ask",
    "stock.decide",
    "stock.queue",
    "stock.receive",
    "stock.requisition",
    "surveys.answer",
    "surveys.audience",
    "surveys.compose",
    "surveys.results",
    "surveys.schedule",
    "repairs.tickets",
    "repairs.worker",
    "repairs.worker_flows",
)


def build_router(modules: tuple[str, ...] = ROUTER_MODULES) -> Router:
    """The one router with the routes of every module in `modules`, in that order; two
    modules defining the same command, step, prompt or action raise `RouteConflict`."""
    root = Router()
    for name in modules:
        module = importlib.import_module(f"handlers.{name}")
        root.include(module.router, name=f"handlers.{name}")
    return root

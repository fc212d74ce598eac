"""Conversation handlers, one module per area; `build_router` merges them."""

from __future__ import annotations

from bot.core.router import Router


def build_router() -> Router:
    """The one router with every handler module's routes."""
    from handlers import common, report, report_submit, staff, tickets

    root = Router()
    for module in (common, report, report_submit, tickets, staff):
        root.include(module.router)
    return root


MENU_COMMANDS = ("report", "my", "open", "lang", "help", "cancel")

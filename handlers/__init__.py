"""Conversation handlers, one module per area, each exporting `router`; merged here."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from bot.core.router import Router


def build_router() -> Router:
    """The one router with every handler module's routes (modules found automatically)."""
    root = Router()
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda i: i.name):
        module = importlib.import_module(f"handlers.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, Router):
            root.include(router)
    return root

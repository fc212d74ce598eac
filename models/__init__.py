"""Tortoise ORM models, one module per aggregate (every module here is registered)."""

from __future__ import annotations

import pkgutil
from pathlib import Path

MODEL_MODULES = sorted(
    f"models.{info.name}"
    for info in pkgutil.iter_modules([str(Path(__file__).parent)])
    if not info.ispkg
)

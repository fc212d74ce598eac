"""The import contract of the layout: domains meet only through their public face, adapters
know no services or models, services know no platform library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.service

ROOT = Path(__file__).resolve().parents[1]
SERVICES = "bot.services"
PLATFORM_LIBRARIES = ("telegram", "wechatpy", "aiohttp")
DOMAINS = frozenset(
    p.parent.name for p in (ROOT / "bot" / "services").glob("*/__init__.py")
)


def imports_of(source: str, module: str) -> list[tuple[int, str]]:
    """(line, imported module) of every import in `source`, also those inside functions;
    `from pkg import name` counts as importing `pkg.name` when that may be a module."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing module's package
                package = module.rsplit(".", node.level)[0]
                base = f"{package}.{base}" if base else package
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def domain_of(module: str) -> str | None:
    """The domain package a module belongs to (bot.services.<domain>…), if any."""
    parts = module.split(".")
    if module.startswith(SERVICES + ".") and len(parts) > 2 and parts[2] in DOMAINS:
        return parts[2]
    return None


def violations(module: str, source: str, domains: frozenset[str] = DOMAINS) -> list[str]:
    """What `module` (dotted name) imports against the contract."""
    problems = []
    mine = domain_of(module)
    for line, target in imports_of(source, module):
        parts = target.split(".")
        where = f"{module}:{line} imports {target}"
        if (
            target.startswith(SERVICES + ".")
            and len(parts) > 3
            and parts[2] in domains
            and parts[2] != mine
            and (parts[3][:1].isalpha() and _is_module(parts[:4]))
            and not (parts[3] == "jobs" and module.startswith("scheduler."))
        ):
            problems.append(f"{where}: a private module of domain {parts[2]!r}")
        if module.startswith("bot.adapters.") and (
            target.startswith(SERVICES) or target == "models" or target.startswith("models.")
        ):
            problems.append(f"{where}: an adapter imports a service or a model")
        if module.startswith(SERVICES + ".") and parts[0] in PLATFORM_LIBRARIES:
            problems.append(f"{where}: a service imports a platform library")
    return problems


def _is_module(parts: list[str]) -> bool:
    base = ROOT.joinpath(*parts)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def project_modules() -> list[tuple[str, Path]]:
    """Every module of the application packages, with its dotted name."""
    modules = []
    for top in ("bot", "handlers", "scheduler"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            modules.append((".".join(parts), path))
    return modules


def test_the_tree_keeps_the_contract():
    problems = [
        problem
        for module, path in project_modules()
        for problem in violations(module, path.read_text(encoding="utf-8"))
    ]
    assert problems == []


def test_every_domain_has_a_public_face():
    assert {"repairs", "stock", "dorms", "dorm_requests", "alerts", "surveys", "energy",
            "inspections", "assets", "digest", "people"} <= DOMAINS
    for domain in DOMAINS:
        face = (ROOT / "bot" / "services" / domain / "__init__.py").read_text(encoding="utf-8")
        assert "__all__" in face, domain


@pytest.mark.parametrize(
    ("module", "source", "what"),
    [
        ("handlers.stock.ask", "from bot.services.stock.ledger import write_move",
         "private module of domain 'stock'"),
        ("handlers.stock.ask", "def f():\n    from bot.services.stock import ledger",
         "private module of domain 'stock'"),
        ("bot.services.energy.service", "import bot.services.repairs.dispatch",
         "private module of domain 'repairs'"),
        ("bot.adapters.wecom.scan", "from bot.services.assets import AssetService",
         "an adapter imports a service"),
        ("bot.adapters.telegram.adapter", "from models.people import Person",
         "an adapter imports a service or a model"),
        ("bot.services.stock.alerts", "from telegram import Bot",
         "a service imports a platform library"),
        ("bot.services.people.directory", "import aiohttp",
         "a service imports a platform library"),
        ("bot.app", "from bot.services.dorms.moves import lock_bed",
         "private module of domain 'dorms'"),
    ],
)
def test_the_check_finds_each_kind_of_violation(module, source, what):
    found = violations(module, source)
    assert found and what in found[0]


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("handlers.stock.ask", "from bot.services.stock import StockService"),
        ("bot.services.stock.alerts", "from bot.services.stock.ledger import write_move"),
        ("bot.services.stock.alerts", "from bot.services.stock import ledger"),
        ("scheduler.setup", "from bot.services.stock import jobs"),
        ("bot.adapters.web.adapter", "from bot.core.types import Reply"),
        ("bot.services.alerts.service", "from bot.delivery.notifier import Notifier"),
    ],
)
def test_what_the_contract_allows(module, source):
    assert violations(module, source) == []

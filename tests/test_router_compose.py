"""Router composition is explicit and guarded: a second definition of a command, step, prompt,
action or cancel text raises at start-up, naming both routers; the inclusion order is declared."""

from __future__ import annotations

import pytest

from bot.core.router import RouteConflict, Router
from handlers import ROUTER_MODULES, build_router

pytestmark = pytest.mark.service


async def _noop(ctx) -> None:
    """A handler that does nothing."""


def _router(**routes: str) -> Router:
    router = Router()
    if "command" in routes:
        router.command(routes["command"])(_noop)
    if "step" in routes:
        router.step("flow", routes["step"])(_noop)
    if "prompt" in routes:
        router.prompt("flow", routes["prompt"])(_noop)
    if "action" in routes:
        router.action(routes["action"])(_noop)
    if "cancel" in routes:
        router.cancel_text(routes["cancel"], "survey.stopped")
    return router


@pytest.mark.parametrize(
    ("kind", "route"),
    [("command", "report"), ("step", "place"), ("prompt", "place"), ("action", "jb"),
     ("cancel", "survey")],
)
def test_a_second_definition_raises_naming_both(kind, route):
    root = Router()
    root.include(_router(**{kind: route}), name="handlers.one")
    root.include(_router(**{kind: "something_else"}), name="handlers.two")  # no clash
    with pytest.raises(RouteConflict) as err:
        root.include(_router(**{kind: route}), name="handlers.three")
    assert "handlers.one" in str(err.value) and "handlers.three" in str(err.value)


def test_the_real_handlers_compose_without_conflict_in_the_declared_order():
    root = build_router()
    assert {"report", "my", "stock", "alert", "survey", "digest"} <= set(root.commands)
    assert len(ROUTER_MODULES) == len(set(ROUTER_MODULES))
    # the free-text fallback is the report shortcut; "remember: 'X' is Y" and the dorm words
    # come before stock questions
    assert [f.__module__ for f in root.text_fallbacks] == ["handlers.repairs.report_submit"]
    assert [r.handler.__module__ for r in root.text_routes] == [
        "handlers.people.places", "handlers.dorm_requests.new", "handlers.stock.ask"
    ]


def test_a_module_listed_twice_is_refused():
    with pytest.raises(RouteConflict):
        build_router(("handlers.stock.ask", "handlers.stock.ask"))


def test_every_handler_module_with_a_router_is_listed():
    import importlib
    import pkgutil

    import handlers

    found = set()
    for info in pkgutil.walk_packages(handlers.__path__, "handlers."):
        module = importlib.import_module(info.name)
        if isinstance(getattr(module, "router", None), Router):
            found.add(info.name)
    assert found == set(ROUTER_MODULES)

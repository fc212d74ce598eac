"""The notifier is wired once: services get it in their constructor, so no service method, face
function or job takes a `notifier` parameter, and the app hands every pushing service its one
notifier (built before the adapters, which fill its adapters dict afterwards)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.support import RecordingAdapter, make_settings
from tests.test_import_contract import DOMAINS

pytestmark = pytest.mark.service

# builders that construct services: taking the notifier is their job
CONSTRUCTORS = frozenset({"build_dispatch"})


def faces() -> list[ModuleType]:
    """Every domain package's public face."""
    return [importlib.import_module(f"bot.services.{name}") for name in sorted(DOMAINS)]


def job_modules() -> list[ModuleType]:
    """Every jobs module: one per domain that has jobs, and the scheduler's own."""
    found = [importlib.import_module("scheduler.jobs")]
    for name in sorted(DOMAINS):
        try:
            found.append(importlib.import_module(f"bot.services.{name}.jobs"))
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.services.{name}.jobs":
                raise
    return found


def _takes_notifier(func: object) -> bool:
    try:
        return "notifier" in inspect.signature(func).parameters  # type: ignore[arg-type]
    except (TypeError, ValueError):  # a builtin without a signature
        return False


def class_offenders(cls: type) -> Iterator[str]:
    """Methods of `cls` (its own and inherited, `__init__` and alternative constructors
    excepted) that take a `notifier` parameter."""
    for name, raw in inspect.getmembers_static(cls):
        if name == "__init__" or (name.startswith("__") and name.endswith("__")):
            continue
        if isinstance(raw, classmethod):  # from_settings(…, notifier): builds the service
            continue
        func = raw.__func__ if isinstance(raw, staticmethod) else raw
        if isinstance(func, property):
            continue
        if callable(func) and _takes_notifier(func):
            yield f"{cls.__module__}.{cls.__qualname__}.{name}"


def module_offenders(module: ModuleType, *, jobs: bool) -> Iterator[str]:
    """Public functions and classes of `module` (defined in the project) that take or have
    methods that take a `notifier` parameter."""
    for name, obj in vars(module).items():
        if name.startswith("_") or name in CONSTRUCTORS:
            continue
        home = getattr(obj, "__module__", "") or ""
        if not home.startswith(("bot.", "scheduler.")):
            continue  # imported from a library
        if inspect.isclass(obj):
            if not jobs:
                yield from class_offenders(obj)
        elif callable(obj) and _takes_notifier(obj):
            yield f"{home}.{name}"


def all_offenders() -> list[str]:
    """Everything in the faces and the jobs modules that still takes a notifier."""
    found = [o for face in faces() for o in module_offenders(face, jobs=False)]
    found += [o for mod in job_modules() for o in module_offenders(mod, jobs=True)]
    return sorted(set(found))


def test_the_check_sees_a_notifier_parameter():
    """The checker itself: a method, a static method and a job that take one are all found."""

    class Pushy:
        def __init__(self, notifier: object):  # allowed: the constructor
            self.notifier = notifier

        async def push(self, notifier: object, text: str) -> None:
            """Pushes through a notifier given per call."""

        @staticmethod
        def helper(x: int, notifier: object) -> None:
            """Also given one."""

        @classmethod
        def build(cls, notifier: object) -> Pushy:  # allowed: an alternative constructor
            """Builds one."""
            return cls(notifier)

    assert sorted(class_offenders(Pushy)) == [
        f"{__name__}.{Pushy.__qualname__}.helper",
        f"{__name__}.{Pushy.__qualname__}.push",
    ]
    job = ModuleType("bot.services.fake.jobs")

    async def fake_tick(services: object, notifier: object, now: object = None) -> int:
        return 0

    fake_tick.__module__ = job.__name__
    job.fake_tick = fake_tick  # type: ignore[attr-defined]
    assert list(module_offenders(job, jobs=True)) == ["bot.services.fake.jobs.fake_tick"]


def test_the_checker_looks_at_every_face_and_job_module():
    """It covers the domains it should (not an empty list that passes anything)."""
    names = {m.__name__ for m in job_modules()}
    assert {"scheduler.jobs", "bot.services.repairs.jobs", "bot.services.alerts.jobs",
            "bot.services.stock.jobs", "bot.services.digest.jobs"} <= names
    exported = {name for face in faces() for name in vars(face)}
    assert {"DispatchService", "AlertService", "DormService", "SurveyService"} <= exported


def test_no_service_method_or_job_takes_a_notifier():
    """Services hold the notifier from their constructor; jobs take services (and now)."""
    assert all_offenders() == []


async def test_the_app_gives_every_pushing_service_its_one_notifier(tmp_path):
    """HouqinApp: notifier first, services with it, then the adapters fill its dict."""
    from bot.app import HouqinApp

    adapter = RecordingAdapter()
    app = HouqinApp(make_settings(tmp_path), extra_adapters=[adapter])
    s = app.services
    holders = {
        "services": s, "dispatch": s.dispatch, "dorms": s.dorms, "dorm_requests": s.dorm_requests,
        "dorm_night_duty": s.dorm_night_duty, "alerts": s.alerts, "surveys": s.surveys,
        "inspections": s.inspections, "energy": s.energy, "stock.alerts": s.stock.alerts,
    }
    assert {name: h.notifier is app.notifier for name, h in holders.items()} == {
        name: True for name in holders
    }
    for name in ("offers", "work", "followup", "manage"):
        assert getattr(s, name).dispatch is s.dispatch  # they push through dispatch's announcer
    assert app.notifier.adapters is app.adapters
    assert app.adapters[adapter.platform] is adapter
    assert app.notifier.lane(adapter.platform) is not None  # found although added after


def test_a_catalogue_only_stock_service_refuses_to_send_rather_than_drop():
    """StockService() (imports, the CLI, ledger tests) has no notifier: alerts fail loudly."""
    from bot.services.stock import StockService

    with pytest.raises(RuntimeError, match="without a notifier"):
        _ = StockService().alerts.notifier

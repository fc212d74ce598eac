"""`python -m bot import people FILE.csv [--deactivate-missing]`: the campus roster, with a
progress bar on a terminal, a summary line, and the managers told about leavers' open work."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bot.config import Settings
from bot.core.i18n import Translator
from bot.core.types import Address, Reply
from bot.delivery.notifier import PRIORITY_STAFF_ALERT, Notifier, Outgoing
from bot.services.people import Departure, PeopleService, RosterResult, holders, import_people
from models.people import Identity

PHASES = {"read": "checking", "write": "writing"}


class ProgressBar:
    """A tqdm bar per phase (checking, writing) when stderr is a terminal, else nothing."""

    def __init__(self, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.bars: dict[str, object] = {}

    def __call__(self, phase: str, done: float) -> None:
        """Move the bar of `phase` to `done` (0..1)."""
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(phase)
        if bar is None:
            bar = self.bars[phase] = tqdm(total=100, desc=PHASES.get(phase, phase), unit="%",
                                          file=sys.stderr, leave=False)
        bar.update(round(done * 100) - bar.n)  # type: ignore[attr-defined]

    def close(self) -> None:
        """Remove the bars."""
        for bar in self.bars.values():
            bar.close()  # type: ignore[attr-defined]


async def tell_managers(settings: Settings, departures: list[Departure]) -> int:
    """Queue (for the running bot to deliver) one message to every active manager listing the
    leavers who still hold open tickets; returns how many messages were queued."""
    busy = [d for d in departures if d.tickets]
    if not busy:
        return 0
    translator = Translator(settings.default_locale)
    managers = await holders("manager").order_by("id")
    items: list[Outgoing] = []
    stamp = int(time.time())
    for manager in managers:
        lines = "\n".join(translator(manager.locale, "people.departed_line", name=d.name,
                                     member_id=d.member_id, tickets=", ".join(d.tickets))
                          for d in busy)
        text = translator(manager.locale, "people.departed_report", count=len(busy),
                          lines=lines)
        for ident in await Identity.filter(person_id=manager.id):
            items.append(Outgoing(Address(ident.platform, ident.chat_id), Reply(text=text),
                                  PRIORITY_STAFF_ALERT, f"roster-left:{stamp}:{ident.id}"))
    return await Notifier({}, translator).enqueue(items)


def summary(kind: str, result: RosterResult, seconds: float, told: int) -> list[str]:
    """The lines printed after an import."""
    lines = [f"{kind}: {result} in {seconds:.1f} s"
             + (f" (read as {result.encoding})" if not result.encoding.startswith("utf-8")
                else "")]
    for d in result.deactivated:
        if d.tickets:
            lines.append(f"  left with open work: {d.member_id} {d.name}: {', '.join(d.tickets)}")
    if told:
        lines.append(f"  the managers were told ({told} message(s) queued)")
    return lines


async def run_import(settings: Settings, path: Path, deactivate_missing: bool) -> list[str]:
    """Import the roster and report; the summary lines."""
    bar = ProgressBar()
    started = time.monotonic()
    try:
        result = await import_people(path, PeopleService(settings.invite_ttl_hours),
                                     deactivate_missing=deactivate_missing, progress=bar)
    finally:
        bar.close()
    seconds = time.monotonic() - started
    told = await tell_managers(settings, result.deactivated)
    return summary("people", result, seconds, told)

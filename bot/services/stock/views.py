"""Stock presentation shared by the service and the handlers: the button payloads of the stock
domain and the low-stock alert and digest messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from bot.core.i18n import Translator
from bot.core.payloads import Payload, payload
from bot.core.types import Button
from bot.services.stock.ledger import utcnow
from bot.services.stock.requisitions import RequisitionView, last_collect_day

if TYPE_CHECKING:
    from bot.services.stock.alerts import LowLevel


@payload("rq")
class RequisitionTap(Payload):
    """A requisition button, `rq:<verb>:<number>`: v view, a approve, p approve partly,
    r reject, c collected, x release (not collected), w withdraw (requester)."""

    verb: str
    number: int
    longest: ClassVar = ("v", 2_147_483_647)


@payload("stq")
class StockPage(Payload):
    """A paging button of a stock answer, `stq:<page>:<query>` (the query takes the rest)."""

    page: int
    query: str = ""
    longest: ClassVar = (9999, "x" * 50)


@payload("stz")
class SnoozeTap(Payload):
    """The low-stock alert's "snooze 7 days" button, `stz:<level id>`."""

    level_id: int
    longest: ClassVar = (2_147_483_647,)


@dataclass
class Notice:
    """A message for `Notifier.push`: its text key, buttons and fields."""

    key: str
    buttons: list[list[Button]] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)


def low_alert(
    t: Translator, locale: str | None, low: LowLevel, snooze_days: int, usage_days: int
) -> Notice:
    """The alert that a level crossed below its minimum (with its use over `usage_days`) and
    the button snoozing it for `snooze_days`."""
    level = low.level
    snooze = Button(t(locale, "stock.btn_snooze", days=snooze_days), SnoozeTap(level.id).pack())
    return Notice("stock.low_alert", [[snooze]], {
        "item": level.item.display(locale),
        "code": level.item.code,
        "store": level.warehouse.display(locale),
        "available": level.available,
        "on_hand": level.on_hand,
        "unit": level.item.unit(locale),
        "minimum": level.min_level,
        "suggested": low.suggested,
        "usage": low.usage,
        "days": usage_days,
    })


def digest_line(
    t: Translator, locale: str | None, low: LowLevel, tz: ZoneInfo, now: datetime | None = None
) -> str:
    """One "item · store: available / minimum" line (snoozed ones marked)."""
    level = low.level
    snoozed = ""
    if level.snoozed_until and level.snoozed_until > utcnow(now):
        day = level.snoozed_until.astimezone(tz).strftime("%m-%d")
        snoozed = t(locale, "stock.snoozed_mark", until=day)
    return t(
        locale, "stock.digest_line", item=level.item.display(locale),
        store=level.warehouse.display(locale), available=level.available,
        minimum=level.min_level, unit=level.item.unit(locale), suggested=low.suggested,
        snoozed=snoozed,
    )


def low_digest(
    t: Translator, locale: str | None, lows: list[LowLevel], tz: ZoneInfo,
    now: datetime | None = None,
) -> Notice:
    """The daily list of everything below minimum."""
    lines = [digest_line(t, locale, low, tz, now) for low in lows]
    return Notice("stock.digest", [], {"count": len(lows), "lines": "\n".join(lines)})


def req_expired(view: RequisitionView, timezone: str) -> Notice:
    """The requester's notice that an approved requisition was not collected in time."""
    req = view.requisition
    return Notice("stock.req_expired", [], {
        "number": req.id, "collect_by": last_collect_day(req.collect_by, timezone),
    })


def req_expired_keeper(view: RequisitionView, locale: str | None) -> Notice:
    """A keeper's notice that a requisition expired uncollected."""
    req = view.requisition
    return Notice("stock.req_expired_keeper", [], {
        "number": req.id, "requester": req.requester.name, "store": req.warehouse.display(locale),
    })

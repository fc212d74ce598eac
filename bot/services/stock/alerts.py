"""Low-stock alerts, computed on what is available (on hand minus approved reservations).

One alert per crossing below the minimum, to the store's keepers and the managers; no
repeat until the level is back at or above its minimum; "snooze 7 days" silences a level and
then reminds once if it is still low; the daily digest lists everything below minimum.
Claims are conditional UPDATEs, so two instances never send the same alert twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from bot.core.errors import NotFound, require_role
from bot.services.people import holders
from bot.services.stock.items import StockCatalog
from bot.services.stock.ledger import StockLedger, utcnow
from bot.services.stock.views import low_alert, low_digest
from models.people import Person
from models.stock import StockDigestRun, StockLevel

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier

SNOOZE_DAYS = 7
USAGE_DAYS = 30
ALERT_ROLES = ("storekeeper", "manager")


@dataclass
class LowLevel:
    """A level below its minimum, with what a reorder decision needs."""

    level: StockLevel
    usage: int
    suggested: int


def _keys_filter(keys: list[tuple[int, int]] | None) -> Q:
    if not keys:
        return Q()
    query = Q(item_id=keys[0][0], warehouse_id=keys[0][1])
    for item_id, warehouse_id in keys[1:]:
        query |= Q(item_id=item_id, warehouse_id=warehouse_id)
    return query


class StockAlertService:
    """Decides and sends low-stock alerts and the daily digest (rendered by stock.views)."""

    def __init__(self, catalog: StockCatalog, ledger: StockLedger, timezone: str,
                 notifier: Notifier | None = None):
        self.catalog = catalog
        self.ledger = ledger
        self.tz = ZoneInfo(timezone)
        self._notifier = notifier

    @property
    def notifier(self) -> Notifier:
        """The notifier alerts go through (a catalogue-only stock service has none)."""
        if self._notifier is None:
            raise RuntimeError("StockService was built without a notifier: it cannot send alerts")
        return self._notifier

    async def low_level(self, level: StockLevel, now: datetime | None = None) -> LowLevel:
        """A level's usage over the last 30 days and the suggested reorder quantity: enough
        to get back to the minimum plus another 30 days of use, at least the reorder quantity."""
        usage = await self.ledger.usage(level, USAGE_DAYS, now)
        suggested = max(level.reorder_qty, level.min_level - level.available + usage)
        return LowLevel(level, usage, suggested)

    async def below_minimum(self, now: datetime | None = None) -> list[LowLevel]:
        """Every level of an active item in an active store below its minimum."""
        levels = (
            await StockLevel.filter(
                min_level__gt=0, available__lt=F("min_level"), item__active=True,
                warehouse__active=True,
            )
            .prefetch_related("item", "warehouse")
            .order_by("warehouse__code", "item__code")
        )
        return [await self.low_level(level, now) for level in levels]

    async def below_minimum_for(self, person: Person) -> list[LowLevel]:
        """`below_minimum`, for storekeepers and managers only."""
        require_role(person, *ALERT_ROLES)
        return await self.below_minimum()

    async def recipients(self, level: StockLevel) -> list[Person]:
        """The store's keepers and the managers, each once."""
        people = await self.catalog.keepers(level.warehouse)
        taken = {p.id for p in people}
        people += [p for p in await holders("manager").order_by("id") if p.id not in taken]
        return people

    async def check(
        self,
        keys: list[tuple[int, int]] | None = None,
        now: datetime | None = None,
    ) -> int:
        """Re-arm restocked levels and alert on levels that crossed below their minimum (or
        whose snooze ran out while still low); `keys` limits it to (item id, store id)
        pairs. Returns how many alerts were sent."""
        when = utcnow(now)
        scope = _keys_filter(keys)
        await StockLevel.filter(scope, alert_armed=False, available__gte=F("min_level")).update(
            alert_armed=True  # a snooze still holds: its end brings one reminder if low
        )
        due = Q(alert_armed=True, snoozed_until=None) | Q(snoozed_until__lte=when)
        low = Q(min_level__gt=0, available__lt=F("min_level"))
        sent = 0
        for level in await StockLevel.filter(scope, low, due).order_by("id"):
            claimed = await StockLevel.filter(low, due, id=level.id).update(
                alert_armed=False, last_alerted_at=when, snoozed_until=None
            )
            if claimed:
                await self._send(level.id, when)
                sent += 1
        return sent

    async def _send(self, level_id: int, when: datetime) -> None:
        notifier = self.notifier
        level = await StockLevel.get(id=level_id).prefetch_related("item", "warehouse")
        if not (level.item.active and level.warehouse.active):
            return
        low = await self.low_level(level, when)
        for person in await self.recipients(level):
            notice = low_alert(notifier.translator, person.locale, low, SNOOZE_DAYS, USAGE_DAYS)
            await notifier.push(person, notice.key, notice.buttons, priority=5, **notice.fields)

    async def snooze(
        self, level_id: int, person: Person, now: datetime | None = None
    ) -> tuple[StockLevel, datetime]:
        """Silence one item in one store for 7 days (storekeepers, managers)."""
        require_role(person, *ALERT_ROLES)
        level = await StockLevel.get_or_none(id=level_id).prefetch_related("item", "warehouse")
        if level is None:
            raise NotFound("stock.level_unknown")
        until = utcnow(now) + timedelta(days=SNOOZE_DAYS)
        await StockLevel.filter(id=level.id).update(snoozed_until=until, alert_armed=False)
        return level, until

    async def digest(self, now: datetime | None = None) -> int:
        """Once per local day: send storekeepers and managers the list of everything below
        minimum (nothing when all is well). Returns how many people were sent it."""
        when = utcnow(now)
        day = when.astimezone(self.tz).strftime("%Y-%m-%d")
        try:
            await StockDigestRun.create(day=day)
        except IntegrityError:
            return 0
        lows = await self.below_minimum(when)
        if not lows:
            return 0
        people = await holders(*ALERT_ROLES).order_by("id")
        notifier = self.notifier
        for person in people:
            notice = low_digest(notifier.translator, person.locale, lows, self.tz, when)
            await notifier.push(person, notice.key, notice.buttons, priority=8, **notice.fields)
        return len(people)

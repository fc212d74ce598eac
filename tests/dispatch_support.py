"""Test world for dispatch services: a campus with zones, workers, a manager, reporters, the
real services and notifier on SQLite, a recording adapter, and a controlled clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.i18n import Translator
from bot.delivery.notifier import Notifier
from bot.services.container import Services
from bot.services.people.service import PeopleService
from models.people import Person
from models.places import Place
from models.repairs import Ticket
from tests.support import RecordingAdapter, make_settings, png_bytes

TZ = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # inside work hours

# key: (name, roles, skills, zone, locale)
PEOPLE = {
    "student": ("张三", ["reporter"], [], None, "zh_CN"),
    "student2": ("Li Si", ["reporter"], [], None, "en"),
    "wang": ("王师傅", ["worker"], ["plumbing", "carpentry"], "north", "zh_CN"),
    "li": ("李师傅", ["worker"], ["plumbing"], "south", "zh_CN"),
    "zhao": ("赵师傅", ["worker"], ["electrical"], "north", "en"),
    "lead": ("周组长", ["worker"], ["hvac"], "north", "zh_CN"),
    "manager": ("陈主任", ["manager"], [], None, "zh_CN"),
    "keeper": ("赵库管", ["storekeeper"], [], None, "zh_CN"),
}


class World:
    """Services, notifier, people and a clock for service-level dispatch tests."""

    def __init__(self, tmp_path, **settings: object):
        self.settings = make_settings(tmp_path, **settings)
        self.adapter = RecordingAdapter()
        self.notifier = Notifier({"test": self.adapter}, Translator())
        self.services = Services.build(self.settings, self.notifier)
        self.people: dict[str, Person] = {}
        self.now = MONDAY_10

    async def setup(self) -> World:
        """Places in two zones, the people (all bound to the test platform)."""
        north = await Place.create(code="3", kind="building", name_zh="3号楼",
                                   name_en="Building 3", zone="north")
        south = await Place.create(code="5", kind="building", name_zh="5号楼",
                                   name_en="Building 5", zone="south")
        for parent, room in ((north, "3-402"), (north, "3-403"), (south, "5-101")):
            await Place.create(code=room, kind="room", name_zh=f"{room}室",
                               name_en=f"Room {room}", parent=parent)
        people = PeopleService()
        for key, (name, roles, skills, zone, locale) in PEOPLE.items():
            person = await people.create(name, roles, phone="138000000" + str(len(self.people)),
                                         skills=skills, zone=zone, locale=locale)
            await people.bind(person, "test", key, key)
            self.people[key] = person
        return self

    def tick(self, **delta: float) -> datetime:
        """Advance the clock."""
        self.now += timedelta(**delta)
        return self.now

    async def on_duty(self, *keys: str) -> None:
        """Put people on duty."""
        for key in keys:
            await self.services.duty.set_duty(self.people[key], True, self.now)

    async def file(self, place: str = "3-402", category: str = "plumbing",
                   urgency: str = "normal", reporter: str = "student",
                   description: str = "水龙头漏水", photos: int = 0):
        """File a ticket the way the report handler does; returns (ticket, outcome)."""
        owner = self.people[reporter]
        ids = [
            (await self.services.media.store_photo(owner, png_bytes(seed=i))).id
            for i in range(photos)
        ]
        ticket = await self.services.repairs.create(
            owner, await Place.get(code=place), category, description, urgency, ids, self.now
        )
        outcome = await self.services.dispatch.on_ticket_created(ticket, self.now)
        return await Ticket.get(id=ticket.id), outcome

    def texts(self, key: str) -> list[str]:
        """Every text sent to one person's chat, oldest first."""
        return [r.text for a, r in self.adapter.sent if a.chat_id == key]

    def last(self, key: str):
        """The newest reply to one person's chat."""
        return [r for a, r in self.adapter.sent if a.chat_id == key][-1]

    def payloads(self, key: str) -> list[str]:
        """Every button payload sent to one person's chat."""
        return [b.payload for a, r in self.adapter.sent if a.chat_id == key
                for row in r.buttons for b in row]

    async def run_due(self, **delta: float) -> int:
        """Advance the clock and run the periodic dispatch job."""
        from bot.services.repairs.jobs import dispatch_tick

        self.tick(**delta)
        return await dispatch_tick(self.services, self.now)


def all_day_sla(tmp_path) -> str:
    """An SLA file whose work hours cover the whole day, for tests that run on the real clock
    (so they behave the same at any hour)."""
    path = tmp_path / "sla-all-day.toml"
    path.write_text('[work_hours]\nstart = "00:00"\nend = "24:00"\n', encoding="utf-8")
    return str(path)

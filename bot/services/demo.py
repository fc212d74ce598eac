"""The demo campus: five buildings of rooms, named areas, people of every role, a dorm."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise import Model, Tortoise, fields
from tortoise.transactions import in_transaction

from bot.services.assets import seed_demo_assets
from bot.services.dorms import seed_demo_dorm
from bot.services.energy import seed_demo_energy
from bot.services.inspections import seed_demo_inspections
from bot.services.people import PeopleService, upsert_place
from bot.services.repairs import DUTY_ROLES, DutyService
from bot.services.stock import seed_demo_stock
from models.people import Person
from models.places import Place, Zone

BUILDING_ZONES = {1: "north", 2: "north", 3: "north", 4: "south", 5: "south"}
ZONE_NAMES = {"north": ("北区", "North campus"), "south": ("南区", "South campus")}
FLOORS = range(1, 6)
ROOMS_PER_FLOOR = range(1, 9)

# code, kind, name_zh, name_en, zone, aliases
AREAS: tuple[tuple[str, str, str, str, str, list[str]], ...] = (
    ("LIB", "area", "图书馆", "Library", "north", ["图书馆", "library", "tsg"]),
    ("CAN1", "area", "第一食堂", "Canteen 1", "south", ["食堂", "一食堂", "canteen"]),
    ("GYM", "area", "体育馆", "Gymnasium", "south", []),
    ("ADM", "area", "行政楼", "Admin Building", "north", []),
)

# Buildings and areas around one campus point (latitude, longitude), for shared locations.
COORDS: dict[str, tuple[float, float]] = {
    "1": (31.0300, 121.4400), "2": (31.0300, 121.4420), "3": (31.0315, 121.4400),
    "4": (31.0285, 121.4400), "5": (31.0285, 121.4420), "LIB": (31.0315, 121.4420),
    "CAN1": (31.0270, 121.4410), "GYM": (31.0270, 121.4430), "ADM": (31.0330, 121.4410),
}


@dataclass(frozen=True)
class DemoPerson:
    """One demo person; `external_id` makes seeding idempotent."""

    external_id: str
    name: str
    roles: tuple[str, ...]
    locale: str | None = "zh_CN"
    skills: tuple[str, ...] = ()
    zone: str | None = None
    phone: str | None = None


DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("demo-student-1", "张三", ("reporter",), "zh_CN", phone="13800000001"),
    DemoPerson("demo-student-2", "Emily Chen", ("reporter",), "en", phone="13800000002"),
    DemoPerson("demo-teacher-1", "李老师", ("reporter",), phone="13800000003"),
    DemoPerson("demo-worker-1", "王师傅", ("worker",), skills=("plumbing", "carpentry"),
               zone="north", phone="13800000004"),
    DemoPerson("demo-worker-2", "刘师傅", ("worker",), skills=("electrical", "hvac", "network"),
               zone="south", phone="13800000005"),
    DemoPerson("demo-storekeeper-1", "赵库管", ("storekeeper",), phone="13800000006"),
    DemoPerson("demo-dorm-admin-1", "孙宿管", ("dorm_admin",), phone="13800000007"),
    DemoPerson("demo-manager-1", "陈主任", ("manager",), "zh_CN", phone="13800000008"),
    DemoPerson("demo-manager-2", "Manager Mark", ("manager",), "en", phone="13800000009"),
    DemoPerson("demo-admin-1", "系统管理员", ("admin",), phone="13800000010"),
)


@dataclass
class DemoSummary:
    """What seeding produced: totals of the demo content, and how much of it was new."""

    places: int = 0
    places_created: int = 0
    people: int = 0
    people_created: int = 0
    stock_items: int = 0
    stock_items_created: int = 0

    def __str__(self) -> str:
        return (
            f"demo campus ready: {self.places} places ({self.places_created} new), "
            f"{self.people} people ({self.people_created} new), "
            f"{self.stock_items} stock items ({self.stock_items_created} new)"
        )


def web_user_id(person: Person) -> str:
    """The web chat user id (and chat id) of a demo person: "p<person id>"."""
    return f"p{person.id}"


async def _seed_places(summary: DemoSummary) -> None:
    async def put(
        code: str, kind: str, zh: str, en: str, *, parent: Place | None = None,
        zone: str | None = None, aliases: list[str] | None = None,
    ) -> Place:
        place, created = await upsert_place(
            code, kind, zh, en, parent=parent, zone=zone, aliases=aliases, coords=COORDS.get(code)
        )
        summary.places += 1
        summary.places_created += int(created)
        return place

    for number, zone in BUILDING_ZONES.items():
        building = await put(str(number), "building", f"{number}号楼", f"Building {number}",
                             zone=zone)
        for floor in FLOORS:
            for room in ROOMS_PER_FLOOR:
                label = f"{floor}{room:02d}"
                await put(f"{number}-{label}", "room", f"{number}号楼{label}",
                          f"Building {number}, Room {label}", parent=building, zone=zone)
    for code, kind, zh, en, zone, aliases in AREAS:
        await put(code, kind, zh, en, zone=zone, aliases=aliases)
    for code, (zh, en) in ZONE_NAMES.items():
        await Zone.update_or_create(defaults={"name_zh": zh, "name_en": en}, code=code)


async def _seed_people(summary: DemoSummary, people: PeopleService) -> None:
    for spec in DEMO_PEOPLE:
        person = await Person.get_or_none(external_id=spec.external_id)
        if person is None:
            person = await people.create(
                spec.name, list(spec.roles), phone=spec.phone, locale=spec.locale,
                skills=list(spec.skills), zone=spec.zone, external_id=spec.external_id,
            )
            summary.people_created += 1
        summary.people += 1
        user_id = web_user_id(person)
        await people.bind(person, "web", user_id, user_id)


async def seed_demo(people: PeopleService | None = None) -> DemoSummary:
    """Load the demo campus (idempotent: existing places and people are kept, not doubled)."""
    summary = DemoSummary()
    async with in_transaction():
        await _seed_places(summary)
        await _seed_people(summary, people or PeopleService())
        await seed_demo_dorm(people)
        stock = await seed_demo_stock()
        summary.stock_items, summary.stock_items_created = stock.items, stock.items_created
        await seed_demo_assets()
        await _demo_staff_on_duty()
        await seed_demo_inspections()
        await seed_demo_energy()
    return summary


async def _demo_staff_on_duty() -> None:
    """Demo workers and managers start on duty, so a demo report is dispatched at once."""
    duty = DutyService()
    for person in await Person.filter(external_id__startswith="demo-"):
        if person.has_role(*DUTY_ROLES) and "admin" not in person.roles:
            await duty.set_duty(person, True)


@dataclass
class PurgeSummary:
    """What `purge_demo` removed: rows per table."""

    removed: dict[str, int] = field(default_factory=dict)

    @property
    def people(self) -> int:
        """Demo people removed."""
        return self.removed.get(Person._meta.db_table, 0)


def _referrers(target: type[Model]) -> list[tuple[type[Model], str, str]]:
    """(model, id column, on_delete) of every foreign key that points at `target`."""
    found = []
    for model in Tortoise.apps["models"].values():
        for name in model._meta.fk_fields | model._meta.o2o_fields:
            fk = model._meta.fields_map[name]
            if fk.related_model is target:
                found.append((model, fk.source_field, fk.on_delete))
    return found


async def _remove(model: type[Model], ids: list[int], summary: PurgeSummary) -> None:
    """Delete rows with the database's own cascades, first removing the rows that would block
    them (RESTRICT) or that carry such rows along (CASCADE); SET NULL is left to the database."""
    if not ids:
        return
    for referrer, column, on_delete in _referrers(model):
        if on_delete in (fields.SET_NULL, fields.SET_DEFAULT):
            continue
        child_ids = await referrer.filter(**{f"{column}__in": ids}).values_list("id", flat=True)
        if referrer is model:  # a tree of rows of one table: leave out those already going
            child_ids = [i for i in child_ids if i not in ids]
        await _remove(referrer, list(child_ids), summary)
    await model.filter(id__in=ids).delete()
    table = model._meta.db_table
    summary.removed[table] = summary.removed.get(table, 0) + len(ids)


async def purge_demo() -> PurgeSummary:
    """Remove the demo people (`external_id` demo-…) and what they created or are linked to:
    their chats, tickets they filed, requests, answers, jobs and the like. Real people and the
    places, stock and assets of the campus are kept. All or nothing."""
    summary = PurgeSummary()
    async with in_transaction():
        ids = await Person.filter(external_id__startswith="demo-").values_list("id", flat=True)
        await _remove(Person, list(ids), summary)
    return summary


async def demo_people_count() -> int:
    """How many demo people the database holds (a production database should hold none)."""
    return await Person.filter(external_id__startswith="demo-").count()

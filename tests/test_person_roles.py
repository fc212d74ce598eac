"""The indexed person–role table: who holds a role, a skill or a zone is a person_tag look-up,
kept in step with Person.roles/skills/zone on every write path (service create, save, chat
invitation, roster import and re-import, bulk test seeding); the dispatcher, the stock and
alert audiences find people through it."""

from __future__ import annotations

from pathlib import Path

from bot.core.i18n import Translator
from bot.delivery.notifier import Notifier
from bot.services.alerts.audience import Audience, AudienceResolver
from bot.services.container import Services
from bot.services.people import (
    PeopleService,
    PlaceService,
    holders,
    import_people,
    in_zones,
    with_skill,
)
from bot.services.repairs import DutyService
from bot.services.stock.items import StockCatalog
from models.dispatch import WorkerProfile
from models.people import Person, PersonTag, tags_of
from models.stock import Warehouse
from tests.support import make_settings, seed_telegram_people

HEADER = "student_id,name,phone,roles,skills,zone,active\n"


async def drift() -> list[tuple[int, set, set]]:
    """People whose person_tag rows differ from their JSON roles, skills and zone."""
    rows: dict[int, set] = {}
    for pid, kind, value in await PersonTag.all().values_list("person_id", "kind", "value"):
        rows.setdefault(pid, set()).add((kind, value))
    return [(p.id, rows.get(p.id, set()), tags_of(p.roles, p.skills, p.zone))
            for p in await Person.all() if rows.get(p.id, set()) != tags_of(p.roles, p.skills,
                                                                             p.zone)]


def names(people) -> list[str]:
    """The names, in the given order."""
    return [p.name for p in people]


async def test_holders_count_admins_skip_inactive_and_narrow_by_skill_and_zone(db):
    people = PeopleService()
    wang = await people.create("王师傅", ["worker"], skills=["plumbing"], zone="North")
    await people.create("李师傅", ["worker"], skills=["electrical"], zone="south")
    await people.create("管理员", ["admin"], zone="north")
    await people.create("陈主任", ["manager"])
    gone = await people.create("离职", ["worker", "manager"], skills=["plumbing"], zone="north")
    gone.active = False
    await gone.save()
    await people.create("学生", ["reporter"], zone="north")

    assert names(await holders("worker").order_by("id")) == ["王师傅", "李师傅", "管理员"]
    assert names(await holders("worker", admins=False).order_by("id")) == ["王师傅", "李师傅"]
    assert names(await holders("manager").order_by("id")) == ["管理员", "陈主任"]
    assert names(await holders("storekeeper", "manager").order_by("id")) == ["管理员", "陈主任"]
    assert names(await holders("dorm_admin")) == ["管理员"]
    assert len(await holders("reporter")) == 5  # everyone active is a reporter
    assert names(await with_skill(holders("worker", admins=False), {"plumbing"})) == ["王师傅"]
    assert names(await in_zones({" NORTH "}).order_by("id")) == ["王师傅", "管理员", "学生"]
    assert names(await in_zones({"north"}, active=False).order_by("id")) == [
        "王师傅", "管理员", "离职", "学生"]
    assert await PeopleService().with_role("worker") == await holders("worker").order_by("id")
    assert wang.has_role("worker") and await drift() == []


async def test_saves_rewrite_the_rows_and_other_saves_leave_them(db):
    person = await PeopleService().create("王师傅", ["worker"], skills=["plumbing"], zone="north")
    person.roles = ["reporter", "storekeeper"]
    person.skills = []
    person.zone = "south"
    await person.save(update_fields=["roles", "skills", "zone"])
    assert set(await PersonTag.filter(person_id=person.id).values_list("kind", "value")) == {
        ("role", "reporter"), ("role", "storekeeper"), ("zone", "south")}
    await PeopleService().set_locale(person, "en")  # not a tag field: the rows stay
    assert await drift() == [] and await holders("storekeeper").count() == 1
    await person.delete()
    assert await PersonTag.all().count() == 0  # cascade


async def test_a_chat_invitation_that_adds_a_role_is_found_by_the_role(db, tmp_path):
    services = Services.build(make_settings(tmp_path), Notifier({}, Translator()))
    manager = await services.people.create("陈主任", ["manager"])
    await services.people.create("张三", ["reporter"], phone="13900000001")
    store = await Warehouse.create(code="W1", name_zh="总库", name_en="Main store")
    assert await StockCatalog().keepers(store) == []
    await services.invitations.invite(manager, "张三", "13900000001", role="storekeeper")
    assert names(await StockCatalog().keepers(store)) == ["张三"]
    assert await drift() == []


def roster(tmp_path: Path, rows: list[str], name: str = "roster.csv") -> Path:
    """A roster file with these rows under HEADER."""
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


async def test_roster_import_feeds_dispatch_and_a_re_import_takes_the_role_away(db, tmp_path):
    await import_people(roster(tmp_path, [
        "W001,王师傅,13900000001,worker,plumbing|carpentry,north,yes",
        "W002,李师傅,13900000002,worker,electrical,south,yes",
        "S001,张三,13900000003,,,north,yes",
    ]))
    assert await drift() == []
    wang = await Person.get(external_id="W001")
    li = await Person.get(external_id="W002")
    await WorkerProfile.create(person_id=wang.id, on_duty=True)
    await WorkerProfile.create(person_id=li.id, on_duty=True)
    duty = DutyService()
    assert [w.person.name for w in await duty.candidates("plumbing", "north", set())] == ["王师傅"]
    assert {w.person.name for w in await duty.candidates("other", None, set())} == {
        "王师傅", "李师傅"}

    await import_people(roster(tmp_path, [  # 王 stops being a worker; 李 learns plumbing
        "W001,王师傅,13900000001,,,north,yes",
        "W002,李师傅,13900000002,worker,electrical|plumbing,south,yes",
        "S001,张三,13900000003,,,south,no",
    ], "again.csv"))
    assert await drift() == []
    assert [w.person.name for w in await duty.candidates("plumbing", "north", set())] == ["李师傅"]
    assert names(await in_zones({"south"})) == ["李师傅"]  # 张三 left: inactive


async def test_bulk_seeded_people_are_tagged(db):
    await seed_telegram_people(30)
    assert await drift() == []
    assert await in_zones({"north"}).count() == 29
    assert names(await holders("manager")) == ["陈主任"]


async def test_alert_audiences_by_role_and_zone_use_the_table(db):
    people = PeopleService()
    await people.create("王师傅", ["worker"], zone="North")
    await people.create("管理员", ["admin"])
    await people.create("学生", ["reporter"], zone="south")
    resolver = AudienceResolver(PlaceService())
    workers = await resolver.resolve(Audience("role", "worker"))
    assert names(workers.people) == ["王师傅", "管理员"]
    north = await resolver.resolve(Audience("place", "zone:north"))
    assert names(north.people) == ["王师傅"] and list(north.places.values()) == ["North"]

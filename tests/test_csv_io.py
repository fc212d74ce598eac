"""CSV import/export of places, people and tickets, and the demo campus, at service level."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import close_db, init_db
from bot.services.csv_format import CsvImportError, export_tickets, read_csv
from bot.services.demo import DEMO_PEOPLE, seed_demo
from bot.services.people.people_csv import export_people, import_people
from bot.services.people.places_csv import export_places, import_places, upsert_place
from models.people import Identity, Person
from models.places import Place
from models.repairs import Ticket
from tests.support import database_url

PLACES_HEADER = "code,kind,name_zh,name_en,parent_code,zone,aliases\n"
PEOPLE_HEADER = (
    "external_id,name,phone,roles,locale,skills,zone,wecom_userid,telegram_user_id\n"
)


@pytest.fixture
async def csv_db(tmp_path: Path):
    """A database of the test's own (schema from the models; tests/test_migrations.py checks
    that the migrations build the same), connected for the test."""
    await init_db(database_url(tmp_path), schema="generate")
    yield tmp_path
    await close_db()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` and return the path."""
    path.write_text(text, encoding=encoding, newline="")
    return path


async def test_import_places_builds_the_tree_in_any_order(csv_db: Path) -> None:
    path = write(csv_db / "p.csv", PLACES_HEADER
                 + "3-402,room,3号楼402,\"Building 3, Room 402\",3,north,\n"
                 + "3,Building,3号楼,Building 3,,north,3栋\n"
                 + "LIB,area,图书馆,,,north,图书馆| library |tsg\n")
    result = await import_places(path)
    assert (result.created, result.updated) == (3, 0)
    assert str(result) == "imported 3 (created 3, updated 0)"
    room = await Place.get(code="3-402").prefetch_related("parent")
    assert room.parent.code == "3" and room.name_en == "Building 3, Room 402"
    building = await Place.get(code="3")
    assert building.kind == "building" and building.aliases == ["3栋"]
    library = await Place.get(code="LIB")
    assert library.name_en == "图书馆" and library.aliases == ["图书馆", "library", "tsg"]


async def test_reimport_updates_without_duplicates_and_accepts_bom(csv_db: Path) -> None:
    write(csv_db / "a.csv", PLACES_HEADER + "1,building,1号楼,Building 1,,north,\n")
    await import_places(csv_db / "a.csv")
    path = write(csv_db / "b.csv", PLACES_HEADER + "1,building,一号楼,Building One,,south,\n"
                 "1-101,room,1号楼101,Room 101,1,south,\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = await import_places(path)
    assert (result.created, result.updated) == (1, 1)
    assert await Place.filter(code="1").count() == 1
    one = await Place.get(code="1")
    assert (one.name_zh, one.name_en, one.zone) == ("一号楼", "Building One", "south")


async def test_import_people_with_identities_and_reimport(csv_db: Path) -> None:
    path = write(csv_db / "people.csv", PEOPLE_HEADER
                 + "w1,王师傅,138 0000 0004,worker,zh_CN,plumbing|carpentry,north,wangshifu,\n"
                 + "m1,Mark,,manager|admin,en,,,,424242\n"
                 + "s1,学生,,,,,,,\n", encoding="utf-8-sig")
    result = await import_people(path)
    assert (result.created, result.updated) == (3, 0)
    wang = await Person.get(external_id="w1")
    assert wang.roles == ["reporter", "worker"] and wang.skills == ["plumbing", "carpentry"]
    assert wang.phone == "13800000004" and wang.zone == "north"
    ident = await Identity.get(platform="wecom", user_id="wangshifu")
    assert ident.chat_id == "wangshifu" and ident.person_id == wang.id
    mark = await Person.get(external_id="m1")
    assert mark.roles == ["admin", "manager", "reporter"] and mark.locale == "en"
    assert await Identity.filter(platform="telegram", user_id="424242", person_id=mark.id).exists()
    assert (await Person.get(external_id="s1")).roles == ["reporter"]

    write(path, PEOPLE_HEADER + "w1,王师傅,,worker|storekeeper,en,plumbing,south,wangshifu,\n")
    result = await import_people(path)
    assert (result.created, result.updated) == (0, 1)
    assert await Person.all().count() == 3
    assert await Identity.filter(platform="wecom").count() == 1
    wang = await Person.get(external_id="w1")
    assert wang.roles == ["reporter", "storekeeper", "worker"]
    assert (wang.locale, wang.zone, wang.phone) == ("en", "south", None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("1,building,1号楼,B1,,,\n1-101,room,101,R101,9,,\n", ["line 3: parent_code '9'"]),
        ("1,building,1号楼,B1,,,\n\n1,room,x,x,,,\n",
         ["line 4: duplicate code '1' (first on line 2)"]),
        ("1,tower,1号楼,B1,,,\n2,building,,B2,,,\n", ["line 2: unknown kind 'tower'",
                                                      "line 3: name_zh is empty"]),
        ("1,building,1号楼,B1,,\n", ["line 2: expected 7 fields, found 6"]),
        ("1,building,\"1号\n楼\",B1,2,,\n2,building,2号楼,B2,1,,\n",
         ["line 2: parent_code '2' makes a loop", "line 4: parent_code '1' makes a loop"]),
    ],
    ids=["bad-parent", "duplicate-code", "bad-kind-empty-name", "missing-field", "parent-loop"],
)
async def test_bad_places_file_reports_lines_and_writes_nothing(
    csv_db: Path, body: str, expected: list[str]
) -> None:
    path = write(csv_db / "bad.csv", PLACES_HEADER + body + "OK,area,好,Fine,,,\n")
    with pytest.raises(CsvImportError) as caught:
        await import_places(path)
    assert len(caught.value.errors) == len(expected)
    for error, wanted in zip(caught.value.errors, expected, strict=True):
        assert error.startswith(wanted), (error, wanted)
    assert await Place.all().count() == 0


async def test_bad_header_and_bad_people_rows(csv_db: Path) -> None:
    missing = write(csv_db / "m.csv", "code,name_zh\n1,一\n")
    with pytest.raises(CsvImportError) as caught:
        await import_places(missing)
    assert caught.value.errors == ["line 1: missing column(s): kind"]

    bad = write(csv_db / "people.csv", PEOPLE_HEADER
                + "ok,好人,,worker,,,,,\n"
                + "x1,X,,boss|worker,fr,,,,abc\n"
                + ",无名,12,,,,,,\n"
                + "ok,重复,,,,,,,\n")
    with pytest.raises(CsvImportError) as caught:
        await import_people(bad)
    errors = caught.value.errors
    assert errors[0].startswith("line 3: unknown role(s) boss")
    assert "unknown locale 'fr'" in errors[0] and "telegram_user_id 'abc'" in errors[0]
    assert errors[1].startswith("line 4: external_id is empty")
    assert "phone '12'" in errors[1]
    assert errors[2] == "line 5: duplicate external_id 'ok' (first on line 2)"
    assert await Person.all().count() == 0

    not_utf8 = csv_db / "gbk.csv"
    not_utf8.write_bytes(PLACES_HEADER.encode() + "1,building,一号楼,B1,,,\n".encode("gbk"))
    with pytest.raises(CsvImportError) as caught:
        await import_places(not_utf8)
    assert caught.value.errors[0].startswith("line 2: not UTF-8")


async def test_round_trip_export_import_gives_the_same_rows(csv_db: Path) -> None:
    summary = await seed_demo()
    await Person.create(name="自助报修", roles=["reporter"])  # no external_id: exported as #id
    places_csv, people_csv = csv_db / "places.csv", csv_db / "people.csv"
    assert await export_places(places_csv) == summary.places
    assert await export_people(people_csv) == len(DEMO_PEOPLE) + 1
    assert places_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_csv(places_csv, ["code"], ["code", "kind", "name_zh", "name_en", "parent_code",
                                           "zone", "aliases", "lat", "lon", "zone_zh",
                                           "zone_en"])
    assert {"code": "CAN1", "aliases": "食堂|一食堂|canteen"}.items() <= rows[-3].values.items()

    first_places, first_people = places_csv.read_bytes(), people_csv.read_bytes()
    assert (await import_places(places_csv)).updated == summary.places
    assert (await import_people(people_csv)).created == 0
    await export_places(places_csv)
    await export_people(people_csv)
    assert places_csv.read_bytes() == first_places
    assert people_csv.read_bytes() == first_people

    await close_db()
    await init_db(database_url(csv_db / "other"), schema="generate")
    await import_places(places_csv)
    await export_places(csv_db / "again.csv")
    assert (csv_db / "again.csv").read_bytes() == first_places


async def test_seed_demo_is_idempotent(csv_db: Path) -> None:
    first = await seed_demo()
    assert first.places == first.places_created == 5 + 5 * 5 * 8 + 4
    assert first.people == first.people_created == len(DEMO_PEOPLE)
    second = await seed_demo()
    assert (second.places_created, second.people_created) == (0, 0)
    assert await Place.all().count() == first.places
    assert await Person.all().count() == len(DEMO_PEOPLE)
    room = await Place.get(code="3-402").prefetch_related("parent")
    assert (room.name_zh, room.name_en) == ("3号楼402", "Building 3, Room 402")
    assert room.parent.code == "3"
    worker = await Person.get(external_id="demo-worker-1")
    assert await Identity.filter(platform="web", user_id=f"p{worker.id}",
                                 chat_id=f"p{worker.id}").exists()
    assert await Identity.filter(platform="web").count() == len(DEMO_PEOPLE)


async def test_upsert_place_rejects_unknown_kind(csv_db: Path) -> None:
    with pytest.raises(ValueError):
        await upsert_place("X", "castle", "城堡", "Castle")


async def test_export_tickets_in_local_time(csv_db: Path) -> None:
    await seed_demo()
    reporter = await Person.get(external_id="demo-student-1")
    place = await Place.get(code="LIB")
    ticket = await Ticket.create(number="R-20260101-0001", reporter=reporter, place=place,
                                 category="electrical", description="灯不亮, \"急\"")
    await Ticket.filter(id=ticket.id).update(created_at=datetime(2026, 1, 1, 16, 30, tzinfo=UTC))
    path = csv_db / "tickets.csv"
    assert await export_tickets(path, "Asia/Shanghai") == 1
    rows = read_csv(path, ["number"], ["number", "status", "category", "urgency", "place_code",
                                       "reporter", "description", "created_at", "updated_at"])
    values = rows[0].values
    assert values["number"] == "R-20260101-0001" and values["place_code"] == "LIB"
    assert values["reporter"] == "张三" and values["description"] == "灯不亮, \"急\""
    assert values["created_at"] == "2026-01-02T00:30:00+08:00"
    assert values["status"] == "submitted" and values["updated_at"].endswith("+08:00")

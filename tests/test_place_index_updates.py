"""The place index follows each change without a rebuild: two PlaceService instances on one
database (each with its own index, as two processes have), one writing, one reading; after
every kind of change the reader's patched index equals one built from scratch, and it was
built in full only once (and again after a large import, or when the log was pruned past it).

The module runs on PostgreSQL too (HOUQIN_TEST_PG_DSN), concurrent writers included."""

from __future__ import annotations

import asyncio

import pytest

import models.places
from bot.services.dorms.csv_io import import_roster
from bot.services.people import PlaceService, import_places
from bot.services.people.place_index import PlaceIndex, SharedIndex, build_index
from models.people import Person
from models.places import Place, PlaceChange, PlaceIndexVersion
from tests.campus_places import import_campus, write_campus


def _contents(index: PlaceIndex) -> dict[str, object]:
    """What an index answers with, without the empty buckets a removal leaves behind."""
    return {
        "names": index.names, "numbers": index.numbers, "room_anywhere": index.room_anywhere,
        "rooms": {p: rooms for p, rooms in index.rooms.items() if rooms},
        "bigrams": {g: set(keys) for g, keys in index.bigrams.items() if keys},
        "kind": index.kind, "starts": index.starts,
        "parents": {pid: entry.parent for pid, entry in index.entries.items()},
        "children": {p: kids for p, kids in index.children.items() if kids},
    }


@pytest.fixture
async def two(db, tmp_path):
    """The imported campus, and (writer, reader, the reader's index) with the reader's index
    built once."""
    await import_campus(tmp_path)
    reader_index = SharedIndex()
    writer, reader = PlaceService(SharedIndex()), PlaceService(reader_index)
    await writer.resolve("warm up")
    await reader.resolve("warm up")
    assert reader_index.full_builds == 1
    return writer, reader, reader_index


async def _same_as_fresh(shared: SharedIndex) -> None:
    patched = await shared.get()
    assert _contents(patched) == _contents(await build_index())


async def _code(places: PlaceService, text: str) -> str | None:
    resolved = await places.resolve(text)
    return resolved.place.code if resolved.place else None


async def test_an_alias_added_by_another_instance_is_used_without_a_rebuild(two) -> None:
    writer, reader, index = two
    manager = await Person.create(name="m", roles=["manager"], locale="zh_CN")
    assert await _code(reader, "二餐 地很脏") is None
    await writer.add_alias(manager, "二餐", "第二食堂")
    assert await _code(reader, "二餐 地很脏") == "CAN2"
    assert index.full_builds == 1
    await _same_as_fresh(index)


async def test_a_deactivated_place_and_its_rooms_go_and_come_back(two) -> None:
    _writer, reader, index = two
    building = await Place.get(code="D12")
    building.active = False
    await building.save()
    assert await _code(reader, "学生公寓12栋 门坏了") is None
    # the rooms stay (they are active), but without their building's number
    assert await _code(reader, "12栋305空调漏水") is None
    assert await _code(reader, "D12-305 门锁坏了") == "D12-305"
    await _same_as_fresh(index)
    building.active = True
    await building.save()
    assert await _code(reader, "12栋305空调漏水") == "D12-305"
    assert index.full_builds == 1
    await _same_as_fresh(index)


async def test_a_deleted_place_is_gone_and_its_rooms_lose_it(two) -> None:
    _writer, reader, index = two
    await Place.create(code="OLD", kind="area", name_zh="旧礼堂", name_en="Old Hall")
    assert await _code(reader, "旧礼堂 灯坏了") == "OLD"
    await (await Place.get(code="OLD")).delete()
    assert await _code(reader, "旧礼堂 灯坏了") is None
    await (await Place.get(code="T3")).delete()  # its rooms' parent becomes NULL
    assert await _code(reader, "三教101 灯坏了") is None
    assert (await Place.get(code="T3-101")).parent_id is None
    assert index.full_builds == 1
    await _same_as_fresh(index)


async def test_a_renamed_place_answers_to_its_new_names_only(two) -> None:
    _writer, reader, index = two
    hall = await Place.get(code="GYM")
    hall.name_zh, hall.aliases = "综合体育馆", ["体馆"]
    await hall.save()
    assert await _code(reader, "体育馆男厕所堵了") is None
    assert await _code(reader, "综合体育馆 男厕所堵了") == "GYM"
    assert await _code(reader, "体馆 灯坏了") == "GYM"
    # a room numbered only through its building's code ("K1" + "305") loses that number
    # when the building's code changes: the building's children are re-read with it
    block = await Place.create(code="K1", kind="building", name_zh="科技楼", name_en="Tech Hall")
    await Place.create(code="K1305", kind="room", name_zh="科技楼会议室", name_en="Meeting Room",
                       parent=block)
    assert await _code(reader, "科技楼305 灯坏了") == "K1305"
    block.code = "K2"
    await block.save()
    assert await _code(reader, "科技楼305 灯坏了") is None
    assert await _code(reader, "K1305 灯坏了") == "K1305"
    assert index.full_builds == 1
    await _same_as_fresh(index)


async def test_an_alias_moved_to_another_place_names_only_that_one(two) -> None:
    _writer, reader, index = two
    first, second = await Place.get(code="CAN1"), await Place.get(code="CAN2")
    first.aliases = ["一食堂"]  # 一餐 leaves the first canteen…
    await first.save()
    second.aliases = [*second.aliases, "一餐"]  # …for the second
    await second.save()
    assert await _code(reader, "一餐 桌子坏了") == "CAN2"
    assert await _code(reader, "一食堂大厅灯不亮") == "CAN1"
    assert index.full_builds == 1
    await _same_as_fresh(index)


async def test_a_room_added_to_a_building_is_found_by_its_number(two) -> None:
    _writer, reader, index = two
    assert (await reader.resolve("12栋999 灯坏")).place is None
    building = await Place.get(code="D12")
    await Place.create(code="D12-999", kind="room", name_zh="学生公寓12栋999室",
                       name_en="Dorm 12 Room 999", parent=building)
    assert await _code(reader, "12栋999 灯坏") == "D12-999"
    assert await _code(reader, "Dorm 12 room 999 light") == "D12-999"
    assert index.full_builds == 1
    await _same_as_fresh(index)


async def test_a_small_import_patches_and_a_large_one_rebuilds(two, tmp_path,
                                                               monkeypatch) -> None:
    _writer, reader, index = two
    extra = ("OLD,area,旧礼堂,Old Hall,,north,",)
    _token, before = await PlaceIndexVersion.stamp()
    await import_places(write_campus(tmp_path, extra))  # the campus again: only OLD is new
    assert await _code(reader, "旧礼堂 灯坏了") == "OLD"
    assert index.full_builds == 1
    old = await Place.get(code="OLD")
    def logged():
        return PlaceChange.filter(version__gt=before).values_list("place_id", flat=True)

    assert await logged() == [old.id]
    await _same_as_fresh(index)
    monkeypatch.setattr(models.places, "PATCH_LIMIT", 0)  # more places than that: a generation
    await import_places(write_campus(tmp_path, (*extra, "NEW,area,新馆,New Hall,,north,")))
    assert await _code(reader, "新馆 灯坏了") == "NEW"
    assert index.full_builds == 2
    assert await logged() == [old.id]  # the large import logged no place one by one


async def test_rooms_a_dorm_roster_creates_reach_another_instance_by_patch(two, tmp_path
                                                                     ) -> None:
    _writer, reader, index = two
    _token, before = await PlaceIndexVersion.stamp()
    path = tmp_path / "roster.csv"
    path.write_text(
        "student_id,name,building,room,bed,window_start,window_end,create_room\n"
        "S901,李雷,D12,D12-777,1,2026-09-01,2026-09-07,yes\n"
        "S902,韩梅梅,D12,D12-778,1,2026-09-01,2026-09-07,yes\n", encoding="utf-8")
    await import_roster(path)
    assert await _code(reader, "12栋777 灯坏了") == "D12-777"
    assert index.full_builds == 1
    new = await Place.filter(code__in=["D12-777", "D12-778"]).values_list("id", flat=True)
    logged = await PlaceChange.filter(version__gt=before).values_list("place_id", flat=True)
    assert sorted(logged) == sorted(new)
    await _same_as_fresh(index)


async def test_a_log_pruned_past_the_reader_rebuilds_in_full(two, monkeypatch) -> None:
    _writer, reader, index = two
    monkeypatch.setattr(models.places, "PRUNE_EVERY", 2)
    monkeypatch.setattr(models.places, "CHANGES_KEPT", 1)
    hall = await Place.create(code="OLD", kind="area", name_zh="礼堂", name_en="Old Hall")
    for name in ("礼堂一", "礼堂二", "礼堂三"):
        hall.name_zh = name
        await hall.save()
    _token, version = await PlaceIndexVersion.stamp()
    assert await PlaceChange.filter(version__lt=version - 1).count() == 0  # pruned
    assert await _code(reader, "礼堂三 灯坏了") == "OLD"
    assert index.full_builds == 2  # the log no longer reached back to the reader's version
    hall.name_zh = "礼堂四"
    await hall.save()
    assert await _code(reader, "礼堂四 灯坏了") == "OLD"
    assert index.full_builds == 2
    await _same_as_fresh(index)


async def test_concurrent_writers_lose_no_change(two) -> None:
    """Twelve places saved at once (on PostgreSQL from several connections) while two look-ups
    on the reader keep reading: afterwards it knows every one, patched, not rebuilt."""
    _writer, reader, index = two
    rooms = [f"T1-{n}" for n in ("101", "102", "201", "202", "301", "302")]

    async def rename(code: str) -> None:
        place = await Place.get(code=code)
        place.aliases = [f"新名{code}"]
        await place.save()

    async def keep_reading() -> None:
        for _ in range(10):
            await reader.resolve("一教201投影仪坏了")
            await asyncio.sleep(0)

    await asyncio.gather(*(rename(c) for c in [*rooms, "D1", "D2", "D3", "D4", "D5", "D6"]),
                         keep_reading(), keep_reading())
    for code in [*rooms, "D1", "D6"]:
        assert await _code(reader, f"新名{code} 灯坏了") == code
    assert index.full_builds == 1
    await _same_as_fresh(index)

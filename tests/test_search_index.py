"""The indexed look-ups: stock terms follow every save of an item and are rebuilt for items
saved before the index existed; people are found by id, phone, whole name or its beginning
through the normalized-name index, with close names suggested for a typo."""

from __future__ import annotations

from bot.services.people import exact_people, find_people, people_named, suggest_people
from bot.services.people.service import PeopleService
from bot.services.stock import index
from bot.services.stock.items import StockCatalog
from models.people import Person
from models.stock import Item, ItemTerm


async def test_item_terms_follow_each_save(db):
    catalog = StockCatalog()
    item = await Item.create(code="LT-01", name_zh="LED灯管", name_en="LED tube",
                             aliases=["日光灯"])
    assert (await catalog.pick("灯管"))[1] == [item]  # a candidate (part of the name)
    assert (await catalog.pick("日光灯"))[0] == item  # sure: the whole alias
    item.name_zh, item.aliases = "节能灯泡", []
    await item.save()
    assert (await catalog.pick("节能灯泡"))[0] == item
    assert (await catalog.pick("日光灯")) == (None, [])
    item.active = False
    await item.save()
    assert await ItemTerm.filter(item_id=item.id).count() == 0
    assert await catalog.pick("节能灯泡") == (None, [])


async def test_items_saved_before_the_index_are_indexed_at_start(db):
    tap = await Item.create(code="TAP", name_zh="水龙头", name_en="faucet")
    await ItemTerm.all().delete()  # as after the upgrade: items without terms
    assert await StockCatalog().pick("水龙头") == (None, [])
    assert await index.ensure_index() == 1
    assert (await StockCatalog().pick("faucet"))[0] == tap
    assert await index.ensure_index() == 0  # nothing left to do


async def test_a_search_reads_a_bounded_candidate_set(db):
    await Item.bulk_create([Item(code=f"S-{i}", name_zh=f"螺丝{i}号", name_en=f"screw {i}")
                            for i in range(400)])
    for item in await Item.all():
        await index.reindex(item)  # bulk_create sends no signal
    found = await index.candidates("螺丝")
    assert len(found) == index.CANDIDATES
    assert all("螺丝" in item.name_zh for item in found)


async def test_people_found_by_id_phone_name_and_beginning(db):
    people = PeopleService()
    ann = await people.create("张 三", ["reporter"], phone="13800000001")
    await Person.filter(id=ann.id).update(external_id="S2024001")
    bob = await people.create("张三丰", ["reporter"])
    gone = await people.create("张三", ["reporter"])
    gone.active = False
    await gone.save(update_fields=["active"])
    assert [p.id for p in await exact_people("s2024001")] == [ann.id]
    assert [p.id for p in await exact_people("138 0000 0001")] == [ann.id]
    assert [p.id for p in await exact_people("張 三".replace("張", "张"))] == [ann.id]
    assert [p.id for p in await find_people("张三")] == [bob.id]  # the beginning of 张三丰
    assert {p.id for p in await find_people("张三", active_only=False)} == {gone.id}
    assert [p.id for p in await people_named("张")] == [ann.id, bob.id]
    assert await find_people("  ") == []


async def test_name_index_follows_renames(db):
    person = await PeopleService().create("Li Si", ["reporter"])
    assert person.name_norm == "li si"
    person.name = "ＬＩ  Wu"  # full-width letters, doubled space
    await person.save(update_fields=["name"])
    assert (await Person.get(id=person.id)).name_norm == "li wu"
    assert [p.id for p in await find_people("li wu")] == [person.id]


async def test_typos_get_close_names(db):
    people = PeopleService()
    wang = await people.create("王建国", ["reporter"])
    await people.create("王小明", ["reporter"])
    await people.create("李建国", ["reporter"])
    assert await find_people("王建过") == []
    assert [p.id for p in await suggest_people("王建过")][:1] == [wang.id]
    assert await suggest_people("赵钱孙") == []

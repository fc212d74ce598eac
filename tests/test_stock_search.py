"""Finding items the way people name them (zh and en, codes, aliases, plurals, typos),
stock questions in free text, and quantities in text."""

from __future__ import annotations

import pytest

from bot.core.errors import ServiceError
from bot.services.stock.demo import seed_demo_stock
from bot.services.stock.search import (
    parse_count,
    parse_line,
    parse_qty,
    split_lines,
    stock_question,
)
from bot.services.stock.service import StockService
from models.people import Person


@pytest.fixture
async def catalog(db):
    """The demo's fifteen items in two stores."""
    await seed_demo_stock()
    return StockService().catalog


SEARCHES = [
    ("灯管", ["LT-T8"]),
    ("日光灯管", ["LT-T8"]),
    ("LED tube", ["LT-T8"]),
    ("led tubes", ["LT-T8"]),
    ("lt-t8", ["LT-T8"]),
    ("LT T8", ["LT-T8"]),
    ("水龙头", ["FC-01"]),
    ("faucets", ["FC-01"]),
    ("faucett", ["FC-01"]),
    ("tap", ["FC-01"]),
    ("插座", ["SK-5"]),
    ("sockets", ["SK-5"]),
    ("sokcet", ["SK-5"]),
    ("outlet", ["SK-5"]),
    ("门锁", ["DL-01"]),
    ("door locks", ["DL-01"]),
    ("空开", ["BR-16"]),
    ("breakers", ["BR-16"]),
    ("网线", ["NC-5E"]),
    ("ethernet cable", ["NC-5E"]),
    ("生料带", ["TP-01"]),
    ("水龙", ["FC-01"]),
]


@pytest.mark.parametrize("query, codes", SEARCHES)
async def test_fuzzy_search_finds_the_item_first(catalog, query, codes):
    found = await catalog.match(query)
    assert [i.code for i in found[: len(codes)]] == codes, [i.code for i in found]


@pytest.mark.parametrize("query, expected", [
    ("锁", {"DL-01", "LC-01"}),
    ("tape", {"TP-01", "ET-01"}),
    ("灯", {"LT-T8", "BL-E27"}),
])
async def test_broad_words_list_every_candidate(catalog, query, expected):
    found = {i.code for i in await catalog.match(query)}
    assert expected <= found
    item, candidates = await catalog.pick(query)
    assert item is None and expected <= {c.code for c in candidates}


async def test_look_alikes_are_dropped_when_a_word_matches(catalog):
    assert {i.code for i in await catalog.match("tape")} == {"TP-01", "ET-01"}  # not the tap
    assert [i.code for i in await catalog.match("tap")] == ["FC-01"]  # not the PTFE tape


@pytest.mark.parametrize("query", ["量子纠缠器", "spaceship", "R-20261122-0001", "!!!"])
async def test_unknown_things_match_nothing(catalog, query):
    assert await catalog.match(query) == []


async def test_pick_is_sure_only_of_clear_matches(catalog):
    item, _ = await catalog.pick("灯管")
    assert item is not None and item.code == "LT-T8"
    item, _ = await catalog.pick("faucett")
    assert item is not None and item.code == "FC-01"


async def test_search_pages_and_quantity_visibility(catalog):
    student = await Person.create(name="张三", roles=["reporter"])
    page = await catalog.search(student, "", 1)
    assert (page.total, page.pages, len(page.items), page.quantities) == (15, 3, 5, True)
    last = await catalog.search(student, "", 99)
    assert last.page == 3 and len(last.items) == 5
    limited = StockService(quantity_roles=("worker",)).catalog
    assert not (await limited.search(student, "灯管")).quantities
    keeper = await Person.create(name="赵库管", roles=["reporter", "storekeeper"])
    assert (await limited.search(keeper, "灯管")).quantities
    entry = (await catalog.search(student, "灯管")).items[0]
    assert [(lv.warehouse.code, lv.available, lv.status) for lv in entry.levels] == [
        ("N", 40, "ok"), ("S", 6, "low"),
    ]


QUESTIONS = [
    ("还有多少灯管", "灯管"),
    ("灯管还有多少？", "灯管"),
    ("还剩几根灯管", "灯管"),
    ("插座有货吗", "插座"),
    ("库房还有水龙头吗", "水龙头"),
    ("库存 门锁", "门锁"),
    ("查库存：空开", "空开"),
    ("有没有门锁", "门锁"),
    ("how many LED tubes", "LED tubes"),
    ("How many LED tubes do we have?", "LED tubes"),
    ("how many faucets are left", "faucets"),
    ("do we have any door locks?", "door locks"),
    ("any sockets in stock?", "sockets"),
    ("stock of sockets", "sockets"),
]


@pytest.mark.parametrize("text, words", QUESTIONS)
def test_stock_questions_are_recognised(text, words):
    assert stock_question(text) == words


@pytest.mark.parametrize("text", [
    "3号楼402 灯管坏了", "灯不亮了", "3号楼402 水龙头漏水",
    "Building 3 room 402 the tap is leaking",
    "报修", "hello", "", "还有多少" + "灯" * 80,
])
def test_repair_reports_are_not_stock_questions(text):
    assert stock_question(text) is None


@pytest.mark.parametrize("chunk, words, qty", [
    ("灯管 5", "灯管", 5), ("5根灯管", "灯管", 5), ("LED tube x4", "LED tube", 4),
    ("socket*2", "socket", 2), ("2 sockets", "sockets", 2), ("T8灯管 3", "T8灯管", 3),
    ("灯管５", "灯管", 5), ("网线 20米", "网线", 20), ("灯管 1.0", "灯管", 1),
])
def test_lines_with_quantities(chunk, words, qty):
    line = parse_line(chunk)
    assert (line.words, line.qty, line.error) == (words, qty, None)


@pytest.mark.parametrize("chunk, key", [
    ("灯管", "stock.qty_missing"), ("灯管 1.5", "stock.qty_fraction"),
    ("灯管 -3", "stock.qty_positive"), ("灯管 0", "stock.qty_positive"),
    ("灯管 99999999", "stock.qty_too_large"),
])
def test_bad_lines_say_why(chunk, key):
    assert parse_line(chunk).error.key == key


def test_quantity_parsing():
    assert parse_qty(" 12 ") == 12 and parse_count("0") == 0 and parse_count("3") == 3
    for text, key in (("abc", "stock.qty_not_number"), ("2.5", "stock.qty_fraction"),
                      ("-1", "stock.qty_positive"), ("1e9", "stock.qty_not_number")):
        with pytest.raises(ServiceError) as err:
            parse_qty(text)
        assert err.value.key == key
    assert split_lines("灯管 5, 插座 2\n门锁 1、水龙头 3") == [
        "灯管 5", "插座 2", "门锁 1", "水龙头 3",
    ]
    assert split_lines("LED tube x4 and socket 2") == ["LED tube x4", "socket 2"]


@pytest.mark.parametrize("words, known", [
    ("灯管", True), ("LED tubes", True), ("faucets", True), ("空开", True),
    ("水", False), ("空", False), ("人来修", False), ("days until repair", False),
])
async def test_only_clear_item_names_make_a_stock_question(catalog, words, known):
    assert await catalog.recognises(words) is known

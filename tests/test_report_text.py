"""Tests for free-text repair-request parsing (place, category, description)."""

from __future__ import annotations

import pytest

from bot.services.repairs.categories import guess_category, shipped
from bot.services.repairs.report_text import (
    ParsedReport,
    normalize_text,
    parse_place,
    parse_report_text,
)

CATEGORIES = shipped().codes

PLACE_CASES: list[tuple[str, str | None, str | None]] = [
    # Chinese: 号楼 / 栋 / 幢 / 楼, suffixes, full-width digits, Chinese numerals
    ("3号楼402 水龙头漏水", "3", "402"),
    ("3栋402 灯不亮", "3", "402"),
    ("3幢402室 门锁坏了", "3", "402"),
    ("3楼402 插座没电", "3", "402"),
    ("３号楼４０２ 空调漏水", "3", "402"),
    ("三号楼402 马桶堵了", "3", "402"),
    ("十二栋305 宽带断了", "12", "305"),
    ("二十三号楼101 暖气不热", "23", "101"),
    ("九十九号楼101", "99", "101"),
    ("3号楼 402 房间 灯坏了", "3", "402"),
    ("12号楼1203宿舍 窗户关不上", "12", "1203"),
    ("A栋305 床板断了", "A", "305"),
    ("3栋-402 门坏了", "3", "402"),
    ("3号楼4楼402 灯坏了", "3", "402"),
    ("3号楼1001号 漏水", "3", "1001"),
    # Dash / hash shorthands
    ("3-402 水龙头漏水", "3", "402"),
    ("3—402 水龙头漏水", "3", "402"),
    ("3－402 水龙头漏水", "3", "402"),
    ("3#402 水龙头漏水", "3", "402"),
    ("#3-402 水龙头漏水", "3", "402"),
    ("B3-402 水龙头漏水", "B3", "402"),
    # English word orders
    ("Building 3 Room 402 faucet leaking", "3", "402"),
    ("bldg 3 rm 402 the light is broken", "3", "402"),
    ("building 3, 402 door lock broken", "3", "402"),
    ("room 402 building 3 toilet clogged", "3", "402"),
    ("Room 402, Building 3: toilet clogged", "3", "402"),
    ("402 in building 3 wifi is down", "3", "402"),
    ("Building A room 305 the window is stuck", "A", "305"),
    ("Ｂｕｉｌｄｉｎｇ　３　Ｒｏｏｍ　４０２ WiFi 断了", "3", "402"),
    # Building only: a following 一楼 is a floor, not a building
    ("3号楼 一楼走廊灯坏了", "3", None),
    ("七栋 垃圾没人收", "7", None),
    ("building 5 heating broken", "5", None),
    # No place at all, and things that must not become rooms
    ("图书馆二楼男厕所灯坏了", None, None),
    ("电话 13812345678 灯坏了", None, None),
    ("138-1234-5678", None, None),
    ("明天 10:30 来修", None, None),
    ("2024-05-01 空调坏了", None, None),
    ("3-40 灯", None, None),
    ("301-305 都没电", None, None),
    ("3~402", None, None),
    ("0-402", None, None),
]


@pytest.mark.parametrize(("text", "building", "room"), PLACE_CASES)
def test_parse_place(text: str, building: str | None, room: str | None) -> None:
    got_building, got_room, span = parse_place(text)
    assert (got_building, got_room) == (building, room)
    assert (span is None) == (building is None)


@pytest.mark.parametrize(
    ("text", "place_code", "category", "description"),
    [
        ("3号楼402 水龙头漏水", "3-402", "plumbing", "水龙头漏水"),
        ("在3号楼402,水龙头漏水。", "3-402", "plumbing", "水龙头漏水"),
        ("3号楼402室的灯坏了", "3-402", "electrical", "灯坏了"),
        ("３号楼４０２　空调漏水！", "3-402", "hvac", "空调漏水"),
        ("A栋305 门锁坏了", "A-305", "carpentry", "门锁坏了"),
        ("12号楼1203宿舍 网络断了", "12-1203", "network", "网络断了"),
        ("3号楼 一楼走廊灯坏了", "3", "electrical", "一楼走廊灯坏了"),
        ("3号楼 2个灯坏了", "3", "electrical", "2个灯坏了"),
        ("5号楼 宿舍垃圾没人收", "5", "cleaning", "宿舍垃圾没人收"),
        ("图书馆二楼男厕所灯坏了", None, "electrical", "图书馆二楼男厕所灯坏了"),
        ("Building 5 room 201 the light is broken", "5-201", "electrical", "the light is broken"),
        ("The lamp in building 3 room 402 is off", "3-402", "electrical", "The lamp is off"),
        ("My wifi in bldg 7 rm 1203 is down", "7-1203", "network", "My wifi is down"),
        ("B3-402 - the AC is leaking", "B3-402", "hvac", "the AC is leaking"),
        ("3栋402", "3-402", None, ""),
    ],
)
def test_parse_report_text(
    text: str, place_code: str | None, category: str | None, description: str
) -> None:
    report = parse_report_text(text)
    assert report.place_code == place_code
    assert report.category == category
    assert report.description == description


def test_parsed_report_fields() -> None:
    report = parse_report_text("三号楼 402 房间 马桶堵了")
    assert report == ParsedReport(
        place_code="3-402", building="3", room="402", category="plumbing", description="马桶堵了"
    )


def test_span_points_into_normalized_text() -> None:
    text = "报修：３号楼　４０２室，灯坏了"
    _, _, span = parse_place(text)
    assert span is not None
    assert normalize_text(text)[span[0] : span[1]] == "3号楼 402室"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("空调漏水", "hvac"),
        ("灯不亮", "electrical"),
        ("门锁坏了", "carpentry"),
        ("水龙头一直滴水", "plumbing"),
        ("下水道堵塞", "plumbing"),
        ("插座跳闸", "electrical"),
        ("暖气片不热", "hvac"),
        ("宿舍WiFi连不上", "network"),
        ("卫生间灯坏了", "electrical"),
        ("楼道垃圾太多", "cleaning"),
        ("the tap is leaking", "plumbing"),
        ("AC is leaking", "hvac"),
        ("Air Conditioner makes noise", "hvac"),
        ("light bulb burnt out", "electrical"),
        ("the desk drawer is broken", "carpentry"),
        ("no internet in my room", "network"),
        ("the corridor is dirty", "cleaning"),
        ("stapler", None),
        ("hello", None),
        ("", None),
    ],
)
def test_guess_category(text: str, category: str | None) -> None:
    assert guess_category(text) == category
    assert category is None or category in CATEGORIES


def test_normalize_text() -> None:
    assert normalize_text("  ３号楼\u3000４０２\n\n漏水！ ") == "3号楼 402 漏水!"
    assert normalize_text("") == ""


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀🔥💧",
        "'; DROP TABLE tickets;--",
        "<script>alert(1)</script>",
        pytest.param("水" * 10_000, id="10k-cjk"),
        pytest.param("3-" * 5_000, id="10k-dashes"),
        pytest.param("3号楼" * 3_000, id="9k-buildings"),
        pytest.param("building " * 2_000, id="18k-building-words"),
        pytest.param("1" * 10_000, id="10k-digits"),
        pytest.param("a" * 9_999 + "!", id="10k-ascii"),
    ],
)
def test_bad_inputs_do_not_crash(text: str) -> None:
    report = parse_report_text(text)
    assert isinstance(report, ParsedReport)
    assert isinstance(report.description, str)
    assert report.category is None or report.category in CATEGORIES


def test_bad_inputs_keep_text_when_no_place() -> None:
    assert parse_report_text("").place_code is None
    assert parse_report_text("").description == ""
    assert parse_report_text("😀🔥💧").description == "😀🔥💧"
    sql = parse_report_text("'; DROP TABLE tickets;--")
    assert (sql.place_code, sql.description) == (None, "'; DROP TABLE tickets;--")
    html = parse_report_text("<script>alert(1)</script>")
    assert (html.place_code, html.description) == (None, "<script>alert(1)</script>")


def test_long_text_place_found_in_prefix() -> None:
    report = parse_report_text("3号楼402 水龙头漏水 " + "很急" * 5_000)
    assert report.place_code == "3-402"
    assert report.category == "plumbing"
    assert len(report.description) > 10_000 - 20

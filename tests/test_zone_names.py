"""Zones have names in both languages (places CSV `zone_zh`/`zone_en`): readers see the name in
their language wherever a zone is shown, and may type it to filter; the code stays the key."""

from __future__ import annotations

import pytest

from bot.services.csv_format import CsvImportError
from bot.services.people import export_places, import_places
from models.places import Zone
from tests.dispatch_support import all_day_sla
from tests.support import Harness, make_settings, seed_small_campus

pytestmark = pytest.mark.flow

CSV = """code,kind,name_zh,name_en,parent_code,zone,aliases,zone_zh,zone_en
3,building,3号楼,Building 3,,north,,北区,North campus
LIB,area,图书馆,Library,,north,,,
"""


@pytest.fixture
async def chat(tmp_path):
    h = Harness(make_settings(tmp_path, sla_file=all_day_sla(tmp_path)))
    await h.start()
    h.people = await seed_small_campus()
    path = tmp_path / "places.csv"
    path.write_text(CSV, encoding="utf-8")
    await import_places(path)
    h.app.services.places.forget_zone_names()
    manager_en = await h.app.services.people.create("Ann", ["manager"], locale="en")
    await h.app.services.people.bind(manager_en, "test", "ann", "ann")
    yield h
    await h.stop()


async def test_zone_names_are_shown_and_typed_in_the_readers_language(chat):
    h = chat
    await h.send("worker", "/duty on")
    await h.send("student", "3号楼402 水龙头漏水")
    await h.press("student", "提交")
    listing = (await h.send("manager", "/open"))[0]
    labels = [b.label for row in listing.buttons for b in row]
    assert "北区" in labels and "north" not in labels
    await h.send("manager", "/open 北区")  # the name filters like the code
    assert "R-" in h.last("manager").text
    await h.press("manager", "R-")
    assert "片区 北区" in h.last("manager").text and "north" not in h.last("manager").text
    english = (await h.send("ann", "/open North campus"))[0]
    assert "R-" in english.text
    assert "North campus" in [b.label for row in english.buttons for b in row]


async def test_export_round_trip_and_clashing_names(chat, tmp_path):
    out = tmp_path / "out.csv"
    await export_places(out)
    text = out.read_text(encoding="utf-8-sig")
    assert text.count("北区") == 1 and "North campus" in text  # named once, on its first place
    await Zone.all().delete()
    await import_places(out)
    assert (await Zone.get(code="north")).name_en == "North campus"
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "5,building,5号楼,Building 5,,north,,北苑,North yard\n"
                   "6,building,6号楼,Building 6,,,,南区,\n", encoding="utf-8")
    with pytest.raises(CsvImportError) as caught:
        await import_places(bad)
    errors = "\n".join(caught.value.errors)
    assert "line 4: zone 'north' is named differently on line 2" in errors
    assert "line 5: zone_zh/zone_en name a zone, but zone is empty" in errors

"""Place coordinates: the nearest place to a shared location, and lat/lon in the places CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import close_db, init_db
from bot.services.csv_format import CsvImportError, read_csv
from bot.services.people.places import PlaceService, distance_m
from bot.services.people.places_csv import PLACE_COLUMNS, export_places, import_places
from models.places import Place
from tests.support import database_url

HEADER = "code,kind,name_zh,name_en,parent_code,zone,aliases,lat,lon\n"


@pytest.fixture
async def csv_db(tmp_path: Path):
    """A database of the test's own (schema from the models; tests/test_migrations.py checks
    that the migrations build the same), connected for the test."""
    await init_db(database_url(tmp_path), schema="generate")
    yield tmp_path
    await close_db()


async def test_nearest_picks_the_closest_place_in_range(db) -> None:
    await Place.create(code="1", kind="building", name_zh="1号楼", name_en="Building 1",
                       latitude=31.0300, longitude=121.4400)
    await Place.create(code="2", kind="building", name_zh="2号楼", name_en="Building 2",
                       latitude=31.0300, longitude=121.4420)
    await Place.create(code="X", kind="building", name_zh="旧楼", name_en="Old", active=False,
                       latitude=31.0301, longitude=121.4416)
    places = PlaceService()
    assert (await places.nearest(31.0301, 121.4415)).code == "2"  # ~50 m from 2, ~145 m from 1
    assert (await places.nearest(31.0300, 121.4401)).code == "1"
    assert 180 < distance_m(31.03, 121.44, 31.03, 121.442) < 200


async def test_nearest_is_none_out_of_range_or_without_coordinates(db) -> None:
    places = PlaceService()
    await Place.create(code="3", kind="building", name_zh="3号楼", name_en="Building 3")
    assert await places.nearest(31.0300, 121.4400) is None  # no place has coordinates
    await Place.create(code="1", kind="building", name_zh="1号楼", name_en="Building 1",
                       latitude=31.0300, longitude=121.4400)
    assert await places.nearest(31.0400, 121.4400) is None  # ~1.1 km away
    assert await places.nearest(31.0320, 121.4400, max_meters=300) is not None  # ~220 m
    assert await places.nearest(31.0320, 121.4400, max_meters=100) is None


async def test_csv_coordinates_import_and_export(csv_db: Path) -> None:
    path = csv_db / "p.csv"
    path.write_text(HEADER + "1,building,1号楼,Building 1,,north,,31.03,121.44\n"
                    "1-101,room,1号楼101,Room 101,1,north,,,\n", encoding="utf-8")
    assert (await import_places(path)).created == 2
    one, room = await Place.get(code="1"), await Place.get(code="1-101")
    assert (one.latitude, one.longitude) == (31.03, 121.44)
    assert (room.latitude, room.longitude) == (None, None)
    out = csv_db / "out.csv"
    await export_places(out)
    rows = read_csv(out, ["code"], PLACE_COLUMNS)
    assert (rows[0].get("lat"), rows[0].get("lon")) == ("31.03", "121.44")
    assert (rows[1].get("lat"), rows[1].get("lon")) == ("", "")


async def test_csv_bad_coordinates_are_refused_with_line_numbers(csv_db: Path) -> None:
    path = csv_db / "bad.csv"
    path.write_text(HEADER + "1,building,1号楼,Building 1,,,,31.03,121.44\n"
                    "2,building,2号楼,Building 2,,,,95,121.44\n"
                    "3,building,3号楼,Building 3,,,,31.03,\n"
                    "4,building,4号楼,Building 4,,,,north,181\n", encoding="utf-8")
    with pytest.raises(CsvImportError) as caught:
        await import_places(path)
    errors = caught.value.errors
    assert len(errors) == 3
    assert errors[0].startswith("line 3:") and "lat 95 is outside -90..90" in errors[0]
    assert errors[1].startswith("line 4:") and "lat and lon must be given together" in errors[1]
    assert errors[2].startswith("line 5:") and "'north' is not a number" in errors[2]
    assert "lon 181 is outside -180..180" in errors[2]
    assert await Place.all().count() == 0  # all or nothing

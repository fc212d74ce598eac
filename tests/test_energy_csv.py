"""Meters and readings CSV: import, a malformed file (each bad line named, nothing imported),
re-import of the same readings (duplicates), export, and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.services.csv_format import CsvImportError
from bot.services.energy.csv_io import (
    export_meters,
    export_readings,
    import_meters,
    import_readings,
)
from bot.services.people.service import PeopleService
from models.energy import Meter, Reading
from models.places import Place
from tests.db_templates import migrated_sqlite

ROOT = Path(__file__).resolve().parents[1]
METERS = "code,kind,unit,place,responsible\n"
READINGS = "meter,ts,value\n"


def write(path: Path, text: str) -> Path:
    """Write a UTF-8 (BOM) CSV file."""
    path.write_text(text, encoding="utf-8-sig")
    return path


@pytest.fixture
async def campus(db):
    """Building 3 with room 402, a worker (W1) and a student (S1)."""
    b3 = await Place.create(code="3", kind="building", name_zh="3号楼", name_en="Building 3")
    await Place.create(code="3-402", name_zh="3号楼402", name_en="Room 402", parent=b3)
    people = PeopleService()
    await people.create("王师傅", ["worker"], external_id="W1")
    await people.create("张三", ["reporter"], external_id="S1")


async def test_meters_and_readings_round_trip(campus, tmp_path):
    meters = write(tmp_path / "m.csv", METERS + "W-3-402,water,m³,3-402,W1\n"
                   "E-3,electricity,kWh,3,\n")
    result = await import_meters(meters)
    assert (result.created, result.updated) == (2, 0)
    water = await Meter.get(code="W-3-402").prefetch_related("responsible", "place")
    assert water.responsible.name == "王师傅" and water.place.code == "3-402"
    readings = write(tmp_path / "r.csv", READINGS + "W-3-402,2026-11-29 01:00,100.5\n"
                     "W-3-402,2026-11-29T02:00:00+08:00,100.75\n"
                     "E-3,2026-11-28T18:00:00Z,5000\n")
    result = await import_readings(readings, "Asia/Shanghai")
    assert (result.accepted, result.duplicates) == (3, 0)
    first = await Reading.filter(meter=water).order_by("ts").first()
    assert first is not None and first.ts.isoformat() == "2026-11-28T17:00:00+00:00"
    again = await import_readings(readings, "Asia/Shanghai")
    assert (again.accepted, again.duplicates) == (0, 3)
    assert await export_meters(tmp_path / "m2.csv") == 2
    assert (tmp_path / "m2.csv").read_text(encoding="utf-8-sig") == (
        "code,kind,unit,place,responsible,asset\n"
        "E-3,electricity,kWh,3,,\nW-3-402,water,m³,3-402,W1,\n")
    assert await export_readings(tmp_path / "r2.csv", "Asia/Shanghai") == 3
    assert (tmp_path / "r2.csv").read_text(encoding="utf-8-sig") == (
        READINGS + "E-3,2026-11-29T02:00:00+08:00,5000.0\n"
        "W-3-402,2026-11-29T01:00:00+08:00,100.5\n"
        "W-3-402,2026-11-29T02:00:00+08:00,100.75\n")
    assert (await import_meters(tmp_path / "m2.csv")).updated == 2


async def test_a_malformed_meters_file_names_each_bad_line_and_imports_nothing(campus, tmp_path):
    bad = write(tmp_path / "m.csv", METERS + "W-1,water,m³,3-402,W1\n"
                "W-2,gas,m³,3-402,\n"
                "W-3,water,m³,9-999,\n"
                "W-4,water,m³,3-402,S1\n"
                "W-1,water,m³,3,\n"
                "W-5,water,,3-402,NOBODY\n")
    with pytest.raises(CsvImportError) as caught:
        await import_meters(bad)
    errors = caught.value.errors
    assert errors[0] == "line 3: kind 'gas' is not one of: water, electricity"
    assert errors[1].startswith("line 4: unknown place '9-999'")
    assert errors[2] == "line 5: S1 is not a worker, dorm admin or manager"
    assert errors[3] == "line 6: meter W-1 is also on line 2"
    assert errors[4].startswith("line 7: unit is empty; unknown person 'NOBODY'")
    assert await Meter.all().count() == 0


async def test_a_bad_reading_line_imports_nothing(campus, tmp_path):
    await import_meters(write(tmp_path / "m.csv", METERS + "E-3,electricity,kWh,3,\n"))
    bad = write(tmp_path / "r.csv", READINGS + "E-3,2026-11-29 01:00,10\n"
                "E-3,2026-11-29 02:00,ten\n"
                "X-1,2026-11-29 02:00,11\n"
                "E-3,2026-11-29 03:00\n"
                "E-3,someday,12\n")
    with pytest.raises(CsvImportError) as caught:
        await import_readings(bad, "Asia/Shanghai")
    assert caught.value.errors == [
        "line 5: expected 3 fields, found 2",
    ]
    bad.write_text(READINGS + "E-3,2026-11-29 01:00,10\nE-3,2026-11-29 02:00,ten\n"
                   "X-1,2026-11-29 02:00,11\nE-3,someday,12\n", encoding="utf-8")
    with pytest.raises(CsvImportError) as caught:
        await import_readings(bad, "Asia/Shanghai")
    assert caught.value.errors == [
        "line 3: value 'ten' is not a number",
        "line 4: unknown meter 'X-1'",
        "line 5: bad timestamp 'someday' (ISO 8601 expected)",
    ]
    assert await Reading.all().count() == 0


def test_command_line_import_and_export(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(HOUQIN_DATABASE_URL=migrated_sqlite(tmp_path / "cli.sqlite3"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)

    places = write(tmp_path / "p.csv", "code,kind,name_zh,name_en,parent_code,zone,aliases\n"
                   "3,building,3号楼,Building 3,,,\n")
    assert run("import", "places", str(places)).returncode == 0
    done = run("import", "meters", str(write(tmp_path / "m.csv", METERS + "E-3,electricity,"
                                              "kWh,3,\n")))
    assert done.returncode == 0 and "meters: imported 1 (created 1, updated 0)" in done.stdout
    bad = write(tmp_path / "bad.csv", READINGS + "E-3,2026-11-29 01:00,10\nE-3,2026-11-29,-1\n")
    done = run("import", "readings", str(bad))
    assert done.returncode == 2 and "nothing was imported" in done.stderr
    assert "line 3: value -1 must be a finite number from 0" in done.stderr
    good = write(tmp_path / "r.csv", READINGS + "E-3,2026-11-29 01:00,10\n")
    done = run("import", "readings", str(good))
    assert done.returncode == 0 and "readings: accepted 1, duplicates 0" in done.stdout
    done = run("export", "readings", str(tmp_path / "out.csv"))
    assert done.returncode == 0 and "exported 1 readings" in done.stdout

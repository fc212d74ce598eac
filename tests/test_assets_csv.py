"""Assets CSV: a round trip gives the same file, history rows for what an import changes, a bad
file reports each bad row by line and imports nothing; the command line import/export."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.db import close_db, init_db
from bot.services.assets.csv_io import ASSET_COLUMNS, export_assets, import_assets
from bot.services.csv_format import CsvImportError
from bot.services.people.service import PeopleService
from models.assets import Asset, AssetEvent
from models.people import Person
from tests.db_templates import migrated_sqlite
from tests.support import database_url, seed_small_campus

ROOT = Path(__file__).resolve().parents[1]
HEADER = ",".join(ASSET_COLUMNS) + "\n"
GOOD = (HEADER
        + "AC-3-402-01,空调,Air conditioner,hvac,3-402,k-zhang,2024-03-01,2027-02-28,in_use\n"
        + "PR-LIB-01,打印机,Printer,office,LIB,,2023-09-01,,idle\n"
        + "DESK-1,书桌,,furniture,3-403,#1,,,disposed\n")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


async def test_round_trip_and_history(db, tmp_path):
    people = await seed_small_campus()
    await Person.filter(id=people["manager"].id).update(external_id="k-zhang")
    result = await import_assets(write(tmp_path / "in.csv", GOOD))
    assert (result.created, result.updated) == (3, 0)
    ac = await Asset.get(code="AC-3-402-01").prefetch_related("place", "responsible")
    assert ac.place.code == "3-402" and ac.responsible.name == "陈主任"
    assert ac.warranty_end.isoformat() == "2027-02-28"
    assert (await Asset.get(code="DESK-1")).name_en == "书桌"  # English name defaults
    out = tmp_path / "out.csv"
    assert await export_assets(out) == 3
    exported = out.read_text(encoding="utf-8-sig")
    assert exported.splitlines()[1] == (
        "AC-3-402-01,空调,Air conditioner,hvac,3-402,k-zhang,2024-03-01,2027-02-28,in_use")
    assert "DESK-1,书桌,书桌,furniture,3-403,#1,,,disposed" in exported
    # the exported file imports again unchanged; a moved asset gets a history row
    result = await import_assets(out)
    assert (result.created, result.updated) == (0, 3)
    assert await AssetEvent.filter(kind="moved").count() == 0
    write(tmp_path / "move.csv", HEADER
          + "AC-3-402-01,空调,Air conditioner,hvac,3-403,k-zhang,2024-03-01,2027-02-28,idle\n")
    await import_assets(tmp_path / "move.csv")
    kinds = await AssetEvent.filter(asset_id=ac.id).order_by("id").values_list("kind", flat=True)
    assert list(kinds) == ["created", "moved", "status"]
    await close_db()  # a fresh database takes the export as it is
    await init_db(database_url(tmp_path / "other"), schema="generate")
    await seed_small_campus()
    await PeopleService().create("张老师", ["manager"], external_id="k-zhang")
    assert (await import_assets(out)).created == 3
    again = tmp_path / "again.csv"
    await export_assets(again)
    assert again.read_text(encoding="utf-8-sig") == exported


async def test_bad_rows_reported_by_line_nothing_imported(db, tmp_path):
    await seed_small_campus()
    bad = write(tmp_path / "bad.csv", HEADER
                + "OK-1,椅子,Chair,furniture,3-402,,,,in_use\n"
                + "\n"
                + "X-2,桌子,Desk,furniture,9-999,nobody,2024-13-01,,broken\n"
                + "ok-1,重复,Dup,furniture,3-402,,2024-05-01,2023-01-01,in_use\n"
                + ",柜子,,furniture,3-402,,,,\n")
    with pytest.raises(CsvImportError) as err:
        await import_assets(bad)
    errors = err.value.errors
    assert errors[0].startswith("line 4: ") and "unknown place '9-999'" in errors[0]
    assert "unknown responsible person 'nobody'" in errors[0]
    assert "purchase_date '2024-13-01' is not a date" in errors[0]
    assert "unknown status 'broken'" in errors[0]
    assert errors[1].startswith("line 5: ") and "duplicate code 'ok-1' (first on line 2)" \
        in errors[1] and "warranty_end is before purchase_date" in errors[1]
    assert errors[2].startswith("line 6: ") and "code is empty" in errors[2]
    assert len(errors) == 3
    assert await Asset.all().count() == 0 and await AssetEvent.all().count() == 0


@pytest.fixture
def cli(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(HOUQIN_DATABASE_URL=migrated_sqlite(tmp_path / "cli.sqlite3"),
               HOUQIN_MEDIA_DIR=str(tmp_path / "media"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    return run


def test_cli_import_export_assets(cli, tmp_path: Path):
    assert cli("seed", "--demo").returncode == 0
    good = write(tmp_path / "a.csv", HEADER + "AC-1-101,空调,Air con,hvac,1-101,,,,in_use\n")
    done = cli("import", "assets", str(good))
    assert done.returncode == 0, done.stderr
    assert "assets: imported 1 (created 1, updated 0)" in done.stdout
    bad = write(tmp_path / "b.csv", HEADER + "X,桌,Desk,f,1-101,,,,in_use\n"
                "Y,椅,Chair,f,NOPE,,,,in_use\n")
    done = cli("import", "assets", str(bad))
    assert done.returncode == 2 and "line 3: unknown place 'NOPE'" in done.stderr
    assert "Traceback" not in done.stderr
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM asset").fetchone()[0] == 5  # 4 from the demo
    out = tmp_path / "out.csv"
    done = cli("export", "assets", str(out))
    assert done.returncode == 0 and "exported 5 assets" in done.stdout
    assert "AC-1-101,空调,Air con,hvac,1-101" in out.read_text(encoding="utf-8-sig")
    checks = tmp_path / "checks.csv"
    done = cli("export", "asset-checks", str(checks))  # no round yet: the header only
    assert done.returncode == 0 and "exported 0 asset-checks" in done.stdout, done.stderr
    assert checks.read_text(encoding="utf-8-sig").startswith("round,kind,started_at,")

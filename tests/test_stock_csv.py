"""Stock CSV: stores and stock round trip, on-hand figures booked through the ledger, the
ledger export, a malformed file (each bad row with its line number, nothing imported), and
the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.db import close_db, init_db
from bot.services.csv_format import CsvImportError
from bot.services.people.service import PeopleService
from bot.services.stock.csv_io import (
    export_ledger,
    export_stock,
    export_stores,
    import_stock,
    import_stores,
)
from bot.services.stock.service import StockService
from models.people import Person
from models.stock import Item, StockLevel, StockMove, StoreAssignment, Warehouse
from tests.db_templates import migrated_sqlite
from tests.support import database_url
from tests.test_stock_support import assert_consistent, figures, seed_stores

ROOT = Path(__file__).resolve().parents[1]
STOCK_HEADER = ("code,name_zh,name_en,aliases,unit_zh,unit_en,category,spec,store,on_hand,"
                "min_level,reorder_qty\n")
STORES_HEADER = ("code,name_zh,name_en,location_zh,location_en,hours_zh,hours_en,zone,keeper,"
                 "workers\n")


def write(path: Path, text: str) -> Path:
    """Write a UTF-8 file and return its path."""
    path.write_text(text, encoding="utf-8", newline="")
    return path


async def test_round_trip_gives_the_same_files(db, tmp_path):
    world = await seed_stores()
    worker = world.people["worker"]
    await Person.filter(id=worker.id).update(external_id="w-wang")
    await StoreAssignment.create(person=worker, warehouse=world.stores["S"])
    await Item.create(code="ZZ-01", name_zh="备用件", name_en="spare part")  # kept nowhere
    stores_csv, stock_csv = tmp_path / "stores.csv", tmp_path / "stock.csv"
    assert await export_stores(stores_csv) == 2
    assert await export_stock(stock_csv) == 31
    text = stock_csv.read_text(encoding="utf-8-sig")
    assert "LT-T8,灯管,LED tube,日光灯管|LED灯管|T8灯管|fluorescent tube|light tube,根,pcs," in text
    assert ",S,6,10,30" in text and "ZZ-01,备用件,spare part,,个,pcs,,,,,," in text
    assert ",demo-storekeeper-1,w-wang" in stores_csv.read_text(encoding="utf-8-sig")
    await close_db()
    await init_db(database_url(tmp_path / "other"), schema="generate")
    await PeopleService().create("赵库管", ["storekeeper"], external_id="demo-storekeeper-1")
    await PeopleService().create("王师傅", ["worker"], external_id="w-wang")
    result = await import_stores(stores_csv)
    assert (result.created, result.updated) == (2, 0)
    result = await import_stock(stock_csv)
    assert (result.created, result.updated) == (16, 0)
    assert await StoreAssignment.filter(warehouse__code="S").count() == 1
    await export_stores(tmp_path / "stores2.csv")
    await export_stock(tmp_path / "stock2.csv")
    assert (tmp_path / "stores2.csv").read_bytes() == stores_csv.read_bytes()
    assert (tmp_path / "stock2.csv").read_bytes() == stock_csv.read_bytes()
    await assert_consistent(StockService())
    assert {m.kind for m in await StockMove.all()} == {"adjust"}
    assert await import_stock(stock_csv)  # again: nothing changes, no new ledger rows
    assert await StockMove.all().count() == 29  # 31 rows, two without stock


async def test_on_hand_is_booked_as_an_adjustment_and_ledger_export(db, tmp_path):
    world = await seed_stores()
    path = write(tmp_path / "s.csv", STOCK_HEADER
                 + "LT-T8,灯管,LED tube,,根,pcs,electrical,,N,52,25,60\n"
                 + "NEW-1,扎带,cable tie,尼龙扎带,包,packs,electrical,100根/包,S,7,,\n")
    result = await import_stock(path)
    assert (result.created, result.updated) == (1, 1)
    assert await figures(world.items["LT-T8"], world.stores["N"]) == (52, 0, 52)
    level = await StockLevel.get(item_id=world.items["LT-T8"].id, warehouse__code="N")
    assert (level.min_level, level.reorder_qty) == (25, 60)
    new = await Item.get(code="NEW-1")
    assert new.aliases == ["尼龙扎带"] and new.unit("en") == "packs"
    await assert_consistent(StockService())
    ledger = tmp_path / "ledger.csv"
    count = await export_ledger(ledger, "Asia/Shanghai")
    rows = ledger.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == ("id,time,item_code,item,store,kind,qty,balance,actor,reason,requisition,"
                       "ticket")
    assert count == len(rows) - 1 == await StockMove.all().count()
    assert rows[-1].endswith(",NEW-1,扎带,S,adjust,7,7,,CSV import,,")
    assert "+08:00" in rows[-1]


async def test_malformed_file_reports_each_bad_row_and_imports_nothing(db, tmp_path):
    world = await seed_stores()
    worker, keeper = world.people["worker"], world.people["keeper"]
    req = await StockService().requisitions.create(worker, world.stores["N"].id,
                                                   [(world.items["HG-01"].id, 30)], "修门")
    await StockService().requisitions.approve(req.id, keeper)
    items_before = await Item.all().count()
    path = write(tmp_path / "bad.csv", STOCK_HEADER
                 + "OK-1,好的,fine,,个,pcs,,,N,5,1,2\n"                     # line 2: fine
                 + "BAD-1,小数,fraction,,个,pcs,,,N,1.5,,\n"                # line 3
                 + "BAD-2,未知库房,unknown store,,个,pcs,,,X,1,,\n"         # line 4
                 + "BAD-3,,no chinese name,,个,pcs,,,N,1,,\n"               # line 5
                 + "OK-1,好的,fine,,个,pcs,,,N,6,,\n"                       # line 6: duplicate
                 + "OK-1,不一样,fine,,个,pcs,,,S,6,,\n"                     # line 7: differs
                 + "BAD-4,无库房,no store,,个,pcs,,,,3,,\n"                 # line 8
                 + "BAD-5,负数,negative,,个,pcs,,,N,-3,,\n"                 # line 9
                 + "HG-01,合页,hinge,铰链|门合页,个,pcs,carpentry,4寸,N,10,,\n")  # line 10
    with pytest.raises(CsvImportError) as err:
        await import_stock(path)
    errors = err.value.errors
    assert [e.split(":")[0] for e in errors] == [f"line {n}" for n in (3, 4, 5, 6, 7, 8, 9, 10)]
    assert "on_hand '1.5' is not a whole number" in errors[0]
    assert "unknown store 'X'" in errors[1] and "name_zh is empty" in errors[2]
    assert "duplicate OK-1 in store N (first on line 2)" in errors[3]
    assert "differs from line 2 in name_zh" in errors[4] and "need a store" in errors[5]
    assert "below the 30 reserved" in errors[7]
    assert await Item.all().count() == items_before and not await Item.exists(code="OK-1")
    broken = write(tmp_path / "broken.csv", STOCK_HEADER + "A,甲,a,,个,pcs,,,N,1,1\n")
    with pytest.raises(CsvImportError) as err:
        await import_stock(broken)
    assert err.value.errors == ["line 2: expected 12 fields, found 11"]


async def test_stores_import_checks_people(db, tmp_path):
    await seed_stores()
    path = write(tmp_path / "stores.csv", STORES_HEADER
                 + "E,东区库房,East Store,,,,,east,nobody,\n"
                 + "F,西区库房,West Store,,,,,west,#1,ghost|#1\n"
                 + "E,重复,dup,,,,,,,\n")
    with pytest.raises(CsvImportError) as err:
        await import_stores(path)
    assert err.value.errors[0] == "line 2: unknown keeper 'nobody'"
    assert err.value.errors[1].startswith("line 3: ")
    assert "unknown worker(s) ghost" in err.value.errors[1]
    assert "not a worker: #1" in err.value.errors[1]
    assert "duplicate code 'E' (first on line 2)" in err.value.errors[2]
    assert await Warehouse.all().count() == 2


def _migrated() -> bool:
    folder = ROOT / "models" / "migrations"
    return any("stock_level" in p.read_text(encoding="utf-8") for p in folder.glob("0*.py"))


@pytest.mark.skipif(not _migrated(), reason="needs the migration that creates the stock tables")
def test_command_line_import_and_export(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(HOUQIN_DATABASE_URL=migrated_sqlite(tmp_path / "cli.sqlite3"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)

    assert run("seed", "--demo").returncode == 0
    for kind in ("stores", "stock", "ledger"):
        done = run("export", kind, str(tmp_path / f"{kind}.csv"))
        assert done.returncode == 0, done.stderr
    assert "exported 30 stock" in run("export", "stock", str(tmp_path / "s.csv")).stdout
    done = run("import", "stock", str(tmp_path / "stock.csv"))
    assert done.returncode == 0 and "created 0, updated 15" in done.stdout
    bad = write(tmp_path / "bad.csv", STOCK_HEADER + "X,甲,a,,个,pcs,,,N,2.5,,\n")
    done = run("import", "stock", str(bad))
    assert done.returncode == 2 and "line 2: on_hand '2.5'" in done.stderr
    assert "nothing was imported" in done.stderr

"""Importing inspection checklists and schedules: TOML and CSV, updates, bad lines (nothing
imported), and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.services.csv_format import CsvImportError
from bot.services.inspections.importer import import_inspections
from models.inspections import (
    InspectionItem,
    InspectionRound,
    InspectionSchedule,
    InspectionTemplate,
)
from tests.db_templates import migrated_sqlite
from tests.inspection_support import import_checklist

ROOT = Path(__file__).resolve().parents[1]
CSV_HEADER = ("type,template,name_zh,name_en,zone,place,category,text_zh,text_en,kind,unit,"
              "min,max,photo,safety,repair,rule,worker")
GOOD_CSV = f"""{CSV_HEADER}
template,power_room,配电房,Power room,north,LIB,配电设备,,,,,,,,,,,
item,power_room,,,,,,配电柜无异响,No noise at the switchboards,check,,,,no,yes,electrical,,
item,power_room,,,,,,室内温度,Room temperature,reading,°C,,35,,,hvac,,
schedule,power_room,,,,,,,,,,,,,,,weekly mon 09:00,王师傅
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_toml_import_then_reimport_updates(harness, tmp_path):
    schedule = await import_checklist(tmp_path)
    template = await InspectionTemplate.get(code="fire_exit").prefetch_related("place")
    assert template.place.code == "3" and template.category == "消防设施"
    items = await InspectionItem.filter(template_id=template.id).order_by("position")
    assert [(i.kind, i.safety, i.photo_required) for i in items] == [
        ("check", True, True), ("check", False, False), ("reading", False, False)]
    assert (items[2].unit, items[2].min_value, items[2].max_value) == ("MPa", 0.7, 1.4)
    assert items[1].repair_category == "carpentry"
    # the first round: the first 08:00 (Shanghai) after the schedule was stored
    assert schedule.next_due_at is None
    later = schedule.created_at + timedelta(days=1, minutes=1)
    assert await harness.app.services.inspections.generate(later) == 1
    rnd = await InspectionRound.get()
    assert schedule.created_at < rnd.due_at <= later
    assert rnd.due_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M") == "08:00"
    await import_checklist(tmp_path)  # the same file again: nothing doubled
    assert await InspectionSchedule.all().count() == 1
    assert await InspectionItem.filter(active=True).count() == 3


async def test_csv_import(harness, tmp_path):
    result = await import_inspections(write(tmp_path, "rounds.csv", GOOD_CSV))
    assert (result.created, result.updated) == (2, 0)
    template = await InspectionTemplate.get(code="power_room")
    temp = await InspectionItem.get(template_id=template.id, position=2)
    assert (temp.kind, temp.unit, temp.min_value, temp.max_value) == ("reading", "°C", None, 35)
    schedule = await InspectionSchedule.get().prefetch_related("worker")
    assert schedule.rule == "weekly mon 09:00" and schedule.worker.name == "王师傅"


async def test_bad_lines_import_nothing_and_say_where(harness, tmp_path):
    bad = GOOD_CSV.replace("reading,°C,,35", "reading,°C,40,35").replace(
        "weekly mon 09:00", "every tuesday") + "widget,power_room" + "," * 16 + "\n"
    with pytest.raises(CsvImportError) as err:
        await import_inspections(write(tmp_path, "bad.csv", bad))
    assert err.value.errors == ["line 6: type must be template, item or schedule"]
    bad = bad.rsplit("widget", 1)[0]
    with pytest.raises(CsvImportError) as err:
        await import_inspections(write(tmp_path, "bad.csv", bad))
    text = "\n".join(err.value.errors)
    assert "line 4: min 40.0 is above max 35.0" in text
    assert "line 5: rule 'every tuesday'" in text
    toml = (tmp_path / "x.toml")
    toml.write_text('[[template]]\ncode = "a b"\nname_zh = "x"\n[[schedule]]\n'
                    'template = "nope"\nrule = "daily 08:00"\nworker = "某人"\n', encoding="utf-8")
    with pytest.raises(CsvImportError) as err:
        await import_inspections(toml)
    text = "\n".join(err.value.errors)
    for expected in ("code must be", "name_en is required", "at least one item",
                     "unknown template 'nope'", "no single worker '某人'", "a place is needed"):
        assert expected in text
    assert await InspectionTemplate.all().count() == 0
    assert await InspectionSchedule.all().count() == 0
    with pytest.raises(CsvImportError):
        await import_inspections(write(tmp_path, "broken.toml", "[[template]\ncode="))


async def test_demo_seed_has_checklists_and_schedules_once(db):
    from bot.services.demo import seed_demo

    await seed_demo()
    await seed_demo()
    codes = await InspectionTemplate.all().order_by("code").values_list("code", flat=True)
    assert codes == ["fire_exit", "power_room"]
    schedules = await InspectionSchedule.all().prefetch_related("worker", "place")
    assert sorted((s.rule, s.worker.name, s.place.code) for s in schedules) == [
        ("daily 08:00", "王师傅", "1"), ("weekly mon 09:00", "刘师傅", "ADM")]


def test_command_line_import_with_a_bad_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(HOUQIN_DATABASE_URL=migrated_sqlite(tmp_path / "cli.sqlite3"),
               HOUQIN_MEDIA_DIR=str(tmp_path / "media"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    assert run("migrate").returncode == 0
    assert run("seed", "--demo").returncode == 0
    csv_text = GOOD_CSV.replace("王师傅", "demo-worker-1").replace("power_room", "boiler")
    bad = write(tmp_path, "bad.csv", csv_text.replace("reading,°C", "gauge,°C"))
    done = run("import", "inspections", str(bad))
    assert done.returncode == 2
    assert "nothing was imported" in done.stderr and "line 4: kind must be" in done.stderr
    done = run("import", "inspections", str(write(tmp_path, "good.csv", csv_text)))
    assert done.returncode == 0, done.stderr
    assert "inspections: imported 2 (created 2, updated 0)" in done.stdout


async def test_readme_example_imports(harness, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Inspection rounds (巡检)", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    await harness.app.services.people.create("王师傅2", ["worker"], phone="13800000004")
    result = await import_inspections(write(tmp_path, "readme.toml", example))
    assert (result.created, result.updated) == (2, 0)
    assert (await InspectionSchedule.get().prefetch_related("worker")).worker.phone \
        == "13800000004"

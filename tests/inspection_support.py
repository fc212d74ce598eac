"""Inspection test helpers: a small checklist file, imported, and a schedule's rounds."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.services.inspections.importer import import_inspections
from models.inspections import InspectionRound, InspectionSchedule

CHECKLIST = """
[[template]]
code = "fire_exit"
name_zh = "消防通道"
name_en = "Fire exits"
category = "消防设施"
place = "3"

  [[template.item]]
  text_zh = "通道畅通，无杂物堆放"
  text_en = "Passage clear"
  safety = true
  photo = true

  [[template.item]]
  text_zh = "防火门关闭良好"
  text_en = "Fire doors close"
  repair = "carpentry"

  [[template.item]]
  text_zh = "灭火器压力"
  text_en = "Extinguisher pressure"
  kind = "reading"
  unit = "MPa"
  min = 0.7
  max = 1.4

[[schedule]]
template = "fire_exit"
rule = "{rule}"
worker = "{worker}"
"""


async def import_checklist(tmp_path: Path, worker: str = "王师傅", rule: str = "daily 08:00",
                           timezone: str = "Asia/Shanghai", now: datetime | None = None
                           ) -> InspectionSchedule:
    """Import the fire-exit checklist with one schedule; returns the schedule."""
    path = tmp_path / "checklist.toml"
    path.write_text(CHECKLIST.replace("{rule}", rule).replace("{worker}", worker),
                    encoding="utf-8")
    await import_inspections(path, timezone, now)
    found = await InspectionSchedule.filter(template__code="fire_exit").order_by("-id").first()
    assert found is not None
    return found


async def rounds_of(schedule: InspectionSchedule) -> list[InspectionRound]:
    """The schedule's rounds, oldest first."""
    return list(await InspectionRound.filter(schedule_id=schedule.id).order_by("due_at"))

"""Demo inspection checklists: 消防通道 (fire exits, daily) and 配电房 (power room, weekly,
with a meter reading), on demo places for the demo workers."""

from __future__ import annotations

from bot.services.csv_format import ImportResult
from bot.services.inspections.importer import Record, import_records


def _item(zh: str, en: str, **extra: str) -> Record:
    return Record(f"demo item {en}", {"text_zh": zh, "text_en": en, **extra})


def demo_records() -> tuple[list[Record], list[Record]]:
    """The demo templates and schedules, as an import would read them."""
    fire = Record("demo template fire_exit", {
        "code": "fire_exit", "name_zh": "消防通道", "name_en": "Fire exits",
        "zone": "north", "category": "消防设施",
    }, [
        _item("通道畅通，无杂物堆放", "Passage clear, nothing stored", safety="true",
              photo="true"),
        _item("安全出口指示灯亮", "Exit signs lit", safety="true", repair="electrical"),
        _item("防火门关闭良好", "Fire doors close properly", repair="carpentry"),
        _item("灭火器压力表读数", "Extinguisher pressure gauge", kind="reading", unit="MPa",
              min="0.7", max="1.4", safety="true"),
    ])
    power = Record("demo template power_room", {
        "code": "power_room", "name_zh": "配电房", "name_en": "Power room",
        "zone": "north", "category": "配电设备",
    }, [
        _item("配电柜无异响、无焦味", "No noise or burning smell at the switchboards",
              safety="true", repair="electrical"),
        _item("室内温度", "Room temperature", kind="reading", unit="°C", max="35",
              repair="hvac"),
        _item("电表读数", "Main meter reading", kind="reading", unit="kWh",
              repair="electrical"),
    ])
    schedules = [
        Record("demo schedule 1", {"template": "fire_exit", "rule": "daily 08:00",
                                   "place": "1", "worker": "demo-worker-1"}),
        Record("demo schedule 2", {"template": "power_room", "rule": "weekly mon 09:00",
                                   "place": "ADM", "worker": "demo-worker-2"}),
    ]
    return [fire, power], schedules


async def seed_demo_inspections(timezone: str = "Asia/Shanghai") -> ImportResult:
    """Load the demo checklists and schedules (idempotent: existing ones are updated)."""
    templates, schedules = demo_records()
    return await import_records(templates, schedules, timezone)

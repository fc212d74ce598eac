"""The demo store: two stores (north and south) and fifteen common repair materials, a few of
them below their minimum so the low-stock list has something to show."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.stock.ledger import level_for, write_move
from models.people import Person
from models.stock import Item, StockLevel, Warehouse

# code, name_zh, name_en, location_zh, location_en, hours_zh, hours_en, zone
DEMO_STORES: tuple[tuple[str, ...], ...] = (
    ("N", "北区库房", "North Store", "1号楼地下室 B01", "Building 1, basement B01",
     "工作日 8:30–11:30、14:00–17:00", "weekdays 8:30–11:30 and 14:00–17:00", "north"),
    ("S", "南区库房", "South Store", "第一食堂东侧平房",
     "the single-storey building east of Canteen 1", "工作日 9:00–16:00", "weekdays 9:00–16:00",
     "south"),
)


@dataclass(frozen=True)
class DemoItem:
    """One demo material with its (on hand, minimum, reorder quantity) per store code."""

    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    unit_zh: str
    unit_en: str
    category: str
    spec: str
    levels: dict[str, tuple[int, int, int]]


DEMO_ITEMS: tuple[DemoItem, ...] = (
    DemoItem("LT-T8", "灯管", "LED tube", ("日光灯管", "LED灯管", "T8灯管", "fluorescent tube",
             "light tube"), "根", "pcs", "electrical", "T8 1.2m 18W",
             {"N": (40, 20, 50), "S": (6, 10, 30)}),
    DemoItem("BL-E27", "灯泡", "LED bulb", ("球泡", "light bulb", "bulb"), "个", "pcs",
             "electrical", "E27 9W", {"N": (30, 10, 30), "S": (12, 10, 20)}),
    DemoItem("SK-5", "插座", "socket", ("五孔插座", "电源插座", "outlet", "power socket",
             "wall socket"), "个", "pcs", "electrical", "86型 五孔 10A",
             {"N": (25, 10, 20), "S": (8, 10, 20)}),
    DemoItem("SW-1", "开关", "light switch", ("面板开关", "单开", "switch", "wall switch"), "个",
             "pcs", "electrical", "86型 单开单控", {"N": (20, 5, 10), "S": (15, 5, 10)}),
    DemoItem("BR-16", "空气开关", "circuit breaker", ("空开", "断路器", "breaker", "MCB"), "个",
             "pcs", "electrical", "1P 16A", {"N": (10, 4, 10), "S": (2, 4, 10)}),
    DemoItem("ET-01", "电工胶布", "electrical tape", ("绝缘胶带", "胶布", "insulating tape"),
             "卷", "rolls", "electrical", "PVC 18mm", {"N": (24, 10, 20), "S": (0, 10, 20)}),
    DemoItem("FC-01", "水龙头", "faucet", ("龙头", "水嘴", "tap", "water tap"), "个", "pcs",
             "plumbing", "铜 4分 单冷", {"N": (3, 5, 10), "S": (9, 5, 10)}),
    DemoItem("AV-01", "三角阀", "angle valve", ("角阀", "angle stop"), "个", "pcs", "plumbing",
             "4分", {"N": (18, 6, 12), "S": (10, 6, 12)}),
    DemoItem("SH-01", "花洒", "shower head", ("淋浴喷头", "喷头", "shower"), "个", "pcs",
             "plumbing", "", {"N": (6, 3, 6), "S": (4, 3, 6)}),
    DemoItem("TP-01", "生料带", "PTFE tape", ("密封带", "thread seal tape", "teflon tape"), "卷",
             "rolls", "plumbing", "", {"N": (50, 20, 50), "S": (35, 20, 50)}),
    DemoItem("TS-01", "马桶盖", "toilet seat", ("马桶圈", "toilet lid"), "个", "pcs", "plumbing",
             "", {"N": (5, 2, 4), "S": (3, 2, 4)}),
    DemoItem("DL-01", "门锁", "door lock", ("房门锁", "执手锁", "lock"), "把", "pcs", "carpentry",
             "执手锁 通用型", {"N": (1, 3, 6), "S": (7, 3, 6)}),
    DemoItem("LC-01", "锁芯", "lock cylinder", ("锁胆", "cylinder"), "个", "pcs", "carpentry", "",
             {"N": (12, 5, 10), "S": (8, 5, 10)}),
    DemoItem("HG-01", "合页", "hinge", ("铰链", "门合页"), "个", "pcs", "carpentry", "4寸",
             {"N": (40, 10, 20), "S": (30, 10, 20)}),
    DemoItem("NC-5E", "网线", "network cable", ("超五类网线", "ethernet cable", "LAN cable",
             "cat5e"), "米", "m", "network", "超五类",
             {"N": (300, 100, 300), "S": (150, 100, 300)}),
)


@dataclass
class StockDemoSummary:
    """How many demo stores and items exist, and how many items were new."""

    stores: int = 0
    items: int = 0
    items_created: int = 0


async def seed_demo_stock(keeper_external_id: str = "demo-storekeeper-1") -> StockDemoSummary:
    """Create the demo stores and items with their opening stock (idempotent: existing
    stores, items and levels are left as they are). Call inside a transaction."""
    summary = StockDemoSummary()
    keeper = await Person.get_or_none(external_id=keeper_external_id)
    stores: dict[str, Warehouse] = {}
    for code, zh, en, loc_zh, loc_en, hours_zh, hours_en, zone in DEMO_STORES:
        store, _ = await Warehouse.get_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "location_zh": loc_zh, "location_en": loc_en,
                      "hours_zh": hours_zh, "hours_en": hours_en, "zone": zone,
                      "keeper": keeper},
        )
        stores[code] = store
        summary.stores += 1
    for spec in DEMO_ITEMS:
        item, created = await Item.get_or_create(
            code=spec.code,
            defaults={"name_zh": spec.name_zh, "name_en": spec.name_en,
                      "aliases": list(spec.aliases), "unit_zh": spec.unit_zh,
                      "unit_en": spec.unit_en, "category": spec.category, "spec": spec.spec},
        )
        summary.items += 1
        summary.items_created += int(created)
        for store_code, (on_hand, minimum, reorder) in spec.levels.items():
            store = stores[store_code]
            if await StockLevel.exists(item_id=item.id, warehouse_id=store.id):
                continue
            level = await level_for(item, store)
            await StockLevel.filter(id=level.id).update(  # already known to be low: no alert
                min_level=minimum, reorder_qty=reorder, alert_armed=on_hand >= minimum
            )
            if on_hand:
                await write_move(level, "in", on_hand, None, "opening stock (demo)")
    return summary

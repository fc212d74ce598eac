"""A few demo assets (air conditioners, a water heater, the library's printer) so the asset
card, the asset step of a report and `python -m bot qr assets` have something to show."""

from __future__ import annotations

from datetime import date

from bot.services.assets.service import record
from models.assets import Asset
from models.people import Person
from models.places import Place

# code, name_zh, name_en, category, place, purchased, warranty end
DEMO_ASSETS = (
    ("AC-3-402", "空调", "Air conditioner", "hvac", "3-402", date(2023, 6, 1), date(2026, 6, 1)),
    ("AC-3-403", "空调", "Air conditioner", "hvac", "3-403", date(2023, 6, 1), date(2026, 6, 1)),
    ("WH-3-402", "热水器", "Water heater", "plumbing", "3-402", date(2024, 9, 1),
     date(2027, 9, 1)),
    ("PR-LIB-01", "打印机", "Printer", "electrical", "LIB", date(2022, 3, 15), date(2025, 3, 15)),
)


async def seed_demo_assets(responsible_external_id: str = "demo-manager-1") -> int:
    """Create the demo assets that are missing (idempotent); how many were created."""
    keeper = await Person.get_or_none(external_id=responsible_external_id)
    created = 0
    for code, name_zh, name_en, category, place_code, bought, warranty in DEMO_ASSETS:
        place = await Place.get_or_none(code=place_code)
        if place is None or await Asset.exists(code=code):
            continue
        asset = await Asset.create(code=code, name_zh=name_zh, name_en=name_en,
                                   category=category, place=place, responsible=keeper,
                                   purchase_date=bought, warranty_end=warranty)
        await record(asset, None, "created", None, to_status="in_use", to_place=place.id,
                     note="demo")
        created += 1
    return created

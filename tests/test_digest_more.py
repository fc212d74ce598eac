"""The digest's extra sections (dorm requests, inspection rounds, energy anomalies, surveys,
assets): each capability's figures for the span reach the managers' digest text, in both
languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.assets.digest import AssetsDigest, AssetsSummary
from bot.services.digest.more_sections import MoreFigures, lines
from bot.services.energy.service import AnomalyItem, AnomalySummary
from bot.services.inspections import RoundsSummary
from bot.services.surveys.results import Responses, SurveyLine, SurveySpanSummary
from models.assets import Asset, AssetRepeatFailure
from models.dorm_requests import DormRequest
from models.dorms import DormAssignment
from models.energy import Anomaly, Meter
from models.maintenance import MaintenancePlan, MaintenanceRun
from models.places import Place
from tests.test_dorm_support import small_dorm, window_around


async def test_today_digest_shows_requests_and_anomalies(harness, tmp_path):
    people = harness.people
    now = datetime.now(UTC)
    start, end = window_around(now)
    await small_dorm(tmp_path, {"student": people["student"]}, start, end)
    stay = await DormAssignment.get(person_id=people["student"].id)
    building_id = (await Place.get(code="D1")).id
    await DormRequest.create(kind="late_return", person=people["student"], assignment=stay,
                             building_id=building_id, state="pending",
                             expected_at=now + timedelta(hours=2))
    await DormRequest.create(kind="late_return", person=people["student"], assignment=stay,
                             building_id=building_id, state="approved",
                             expected_at=now + timedelta(hours=1))
    place = await Place.get(code="3")
    meter = await Meter.create(code="W-3", kind="water", unit="m³", place=place)
    await Anomaly.create(meter=meter, day=now.date(), kind="leak", observed_at=now,
                         detected_at=now, state="false_alarm")
    await flag_assets_and_pm(harness, now)
    _, text = await harness.send("manager", "/digest today")
    assert "🏷 资产：反复故障 1 台（空调（AC-1））；保养工单 1 张" in text.text
    assert "🌙 宿舍申请：🌙 晚归 2 件（待审批 1，已批准 1，已驳回 0）" in text.text
    assert "💧 水电异常：1 起（3号楼 疑似漏水：误报）" in text.text
    assert "🔎 巡检：完成 0 次，漏检 0 次" in text.text
    assert "🗳 意见征集：发出 0 份，结束 0 份（无）" in text.text


async def flag_assets_and_pm(harness, now: datetime) -> None:
    """AC-1 flagged twice today, TV-1 flagged three days ago; one PM work order today."""
    repairs, manager = harness.app.services.repairs, harness.people["manager"]
    room = await Place.get(code="3-402")
    ac = await Asset.create(code="AC-1", name_zh="空调", name_en="Air con", place=room)
    tv = await Asset.create(code="TV-1", name_zh="电视", name_en="TV", place=room)
    for asset, when in ((ac, now), (ac, now), (tv, now - timedelta(days=3))):
        ticket = await repairs.create(manager, room, "electrical", "不制冷", now=when,
                                      asset=asset)
        await AssetRepeatFailure.create(ticket=ticket, asset=asset, count=3, window_days=30,
                                        created_at=when)
    plan = await MaintenancePlan.create(name="清洗", asset=ac, every_days=90, created_by=manager,
                                        first_due=now.date(), next_due=now.date())
    await MaintenanceRun.create(plan=plan, asset=ac, due_date=now.date(), created_at=now,
                                ticket=ticket)


async def test_assets_summary_counts_each_asset_once_within_the_span(harness):
    now = datetime.now(UTC)
    await flag_assets_and_pm(harness, now)
    today = await AssetsDigest().assets_summary(now - timedelta(hours=1), now + timedelta(hours=1))
    assert [a.code for a in today.flagged] == ["AC-1"] and today.pm_orders == 1
    week = await AssetsDigest().assets_summary(now - timedelta(days=7), now + timedelta(hours=1))
    assert [a.code for a in week.flagged] == ["AC-1", "TV-1"]
    later = await AssetsDigest().assets_summary(now + timedelta(hours=1), now + timedelta(days=1))
    assert later.flagged == [] and later.pm_orders == 0


async def test_a_hidden_section_is_left_out(harness):
    service = harness.app.services.digest
    manager = harness.people["manager"]
    await service.toggle_section(manager, "energy")
    _, text = await harness.send("manager", "/digest today")
    assert "水电异常" not in text.text and "巡检" in text.text


def test_lines_in_english_name_the_first_three_and_count_the_rest(harness):
    def t(key: str, **fields: object) -> str:
        return harness.app.translator("en", key, **fields)

    items = [AnomalyItem(n, f"E-{n}", "spike", f"{n}号楼", f"Building {n}", datetime.now().date(),
                         "open", None, None) for n in range(1, 6)]
    poll = SurveyLine(7, "Canteen", "open", Responses(recipients=40, completed=10, partial=3))
    more = MoreFigures(
        requests={"room_change": {"pending": 0, "approved": 0, "rejected": 2,
                                  "withdrawn": 0, "cancelled": 0}},
        rounds=RoundsSummary(done=5, missed=1, problems=2, safety_problems=1),
        energy=AnomalySummary(counts={"spike": {"open": 5}}, items=items),
        surveys=SurveySpanSummary(sent=[poll], closed=[poll]),
        assets=AssetsSummary([Asset(code=f"AC-{n}", name_zh="空调", name_en=f"Air con {n}")
                              for n in range(1, 6)], pm_orders=2),
    )
    text = "\n".join(lines(more, t, "en"))
    assert "Dorm requests: 🔁 Room change 2 (0 pending, 0 approved, 2 rejected)" in text
    assert "Inspection rounds: 5 done, 1 missed, 2 problems found (1 safety)" in text
    assert ("Energy anomalies: 5 (Building 1 unusual consumption: open, Building 2 unusual "
            "consumption: open, Building 3 unusual consumption: open and 2 more)") in text
    assert "Surveys: 1 sent, 1 closed (“Canteen” 10/40 answered (25%))" in text
    assert ("Assets: 5 flagged for repeat failures (Air con 1 (AC-1), Air con 2 (AC-2), "
            "Air con 3 (AC-3) and 2 more); 2 preventive maintenance work orders") in text

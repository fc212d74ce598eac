"""The digest's extra sections (dorm requests, inspection rounds, energy anomalies, surveys):
each capability's figures for the span reach the managers' digest text, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.digest_more import MoreFigures, lines
from bot.services.energy import AnomalyItem, AnomalySummary
from bot.services.inspections_admin import RoundsSummary
from bot.services.surveys_results import Responses, SurveyLine, SurveySpanSummary
from models.dorm_requests import DormRequest
from models.dorms import DormAssignment
from models.energy import Anomaly, Meter
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
    _, text = await harness.send("manager", "/digest today")
    assert "🌙 宿舍申请：🌙 晚归 2 件（待审批 1，已批准 1，已驳回 0）" in text.text
    assert "💧 水电异常：1 起（3号楼 疑似漏水：误报）" in text.text
    assert "🔎 巡检：完成 0 次，漏检 0 次" in text.text
    assert "🗳 意见征集：发出 0 份，结束 0 份（无）" in text.text


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
    )
    text = "\n".join(lines(more, t, "en"))
    assert "Dorm requests: 🔁 Room change 2 (0 pending, 0 approved, 2 rejected)" in text
    assert "Inspection rounds: 5 done, 1 missed, 2 problems found (1 safety)" in text
    assert ("Energy anomalies: 5 (Building 1 unusual consumption: open, Building 2 unusual "
            "consumption: open, Building 3 unusual consumption: open and 2 more)") in text
    assert "Surveys: 1 sent, 1 closed (“Canteen” 10/40 answered (25%))" in text

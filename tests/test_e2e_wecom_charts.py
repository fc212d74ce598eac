"""End to end on WeCom for replies with a PNG chart: an energy anomaly alert (chart uploaded as
an image, then the Create ticket / False alarm buttons) decided by card taps, and the weekly
digest asked for with /digest week — through real callback crypto and the fake WeCom API."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image

from bot.services.energy.jobs import energy_tick
from models.energy import Anomaly
from models.people import Person
from models.repairs import Ticket
from tests.digest_support import TZ, ticket
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AGENT_ID, CORP_ID
from tests.test_e2e_wecom import shown
from tests.test_e2e_wecom_flows import card_keys, choose, members, serving
from tests.test_energy_alerts import NOW, meters


@pytest.fixture
async def fake_api():
    """A running fake WeCom API."""
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def app_on_wecom(tmp_path, fake_api):
    """The app on WeCom with the campus's people bound."""
    async with serving(tmp_path, fake_api) as started:
        yield started


def uploaded_png(api: FakeWeComApi, message: dict[str, Any]) -> Image.Image:
    """The PNG an image message carries, as uploaded with media/upload type image."""
    media_id = message["image"]["media_id"]
    assert api.upload_types[media_id] == "image"
    picture = Image.open(io.BytesIO(api.media[media_id]))
    assert picture.format == "PNG"
    return picture


async def test_energy_alerts_with_charts_decided_by_card_taps(app_on_wecom, fake_api):
    api, app = fake_api, app_on_wecom["app"]
    await Person.filter(id=app_on_wecom["people"]["manager"].id).update(locale="en")
    water, power = await meters(SimpleNamespace(people=app_on_wecom["people"]))
    assert await energy_tick(app.services, NOW) == 2
    who = members(api, app_on_wecom["wecom"])
    worker, manager = who["worker"], who["manager"]
    alert = await worker.expect("疑似漏水")
    leak, spike_row = await Anomaly.get(meter=water), await Anomaly.get(meter=power)
    assert card_keys(alert) == {"🛠 生成报修单": f"en:t:{leak.id}", "🙅 误报": f"en:f:{leak.id}"}
    assert "W-3-402" in shown(alert) and "3号楼402" in shown(alert)
    sent = api.messages_to("wang")
    chart = sent[sent.index(alert) - 1]  # the chart goes just before its buttons
    assert chart["msgtype"] == "image" and uploaded_png(api, chart).size == (800, 320)

    spike = await manager.expect("Unusual consumption")  # in the manager's English
    assert card_keys(spike) == {"🛠 Create ticket": f"en:t:{(await Anomaly.get(meter=power)).id}",
                                "🙅 False alarm": f"en:f:{(await Anomaly.get(meter=power)).id}"}
    assert "E-3-403" in shown(spike) and "Building 3, Room 403" in shown(spike)
    sent = api.messages_to("chen")
    assert uploaded_png(api, sent[sent.index(spike) - 1]).size == (800, 320)

    await choose(manager, spike, "False alarm")
    await manager.expect("recorded as a false alarm")
    await choose(worker, alert, "生成报修单")
    made = await worker.expect("生成报修单 R-")
    ticket = await Ticket.get(place__code="3-402")
    assert ticket.number in shown(made) and ticket.category == "plumbing"
    await choose(worker, alert, "误报")  # the same card again: already decided, nothing changes
    await worker.expect("已由 王师傅")
    await leak.refresh_from_db()
    await spike_row.refresh_from_db()
    assert (leak.state, leak.ticket_id) == ("ticket", ticket.id)
    assert (spike_row.state, spike_row.ticket_id) == ("false_alarm", None)
    assert spike_row.decided_by_id == app_on_wecom["people"]["manager"].id
    assert await Ticket.all().count() == 1
    assert not api.violations


async def test_weekly_digest_on_demand_as_a_chart_and_a_text(app_on_wecom, fake_api):
    api, app, people = fake_api, app_on_wecom["app"], app_on_wecom["people"]
    week = app.services.digest.span("week")
    first_hour = datetime.combine(week.start, datetime.min.time(), TZ).astimezone(UTC)
    await ticket(people["student"], "3-402", "plumbing", first_hour + timedelta(hours=10))
    manager = members(api, app_on_wecom["wecom"])["manager"]
    await manager.say("/digest week")
    span = f"{week.start.isoformat()} 至 {week.last_day.isoformat()}"
    caption = await manager.expect(f"📊 {span} 周报：新增 1 单")
    report = await manager.expect(f"📋 后勤周报 — {span}")
    sent = api.messages_to("chen")
    chart = sent[sent.index(caption) - 1]  # the chart first, then its caption and the report
    assert chart["msgtype"] == "image" and uploaded_png(api, chart).size == (800, 400)
    assert sent.index(report) > sent.index(caption)
    assert "🏷 报修最多的类别：💧 水管/卫浴 1" in shown(report)
    assert "📍 报修最多的地点：3号楼402 1" in shown(report)
    assert len(api.uploads) == 1 and not api.violations

    student = members(api, app_on_wecom["wecom"])["student"]
    await student.say("/digest week")  # not a manager: refused, no chart
    await student.expect("没有权限")
    assert len(api.uploads) == 1

"""End to end on WeCom: a keeper answers the asset check with the same buttons, shown as a card
or as numbered choices, through encrypted callbacks against the fake WeCom API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.assets import AssetCheckService
from models.assets import Asset, AssetCheckItem
from models.places import Place
from tests.test_e2e_wecom_flows import api, choose, keys_fit, members, running

__all__ = ["api", "running"]  # the WeCom fixtures this module uses
DEC_1_9 = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


async def test_asset_check_answered_on_wecom(running, api):
    app, people = running["app"], running["people"]
    room = await Place.get(code="3-402")
    for code in ("AC-1", "AC-2"):
        await Asset.create(code=code, name_zh=f"设备{code}", name_en=f"Device {code}",
                           place=room, responsible=people["worker"])
    await AssetCheckService(app.services).tick(DEC_1_9)
    keeper = members(api, running["wecom"])["worker"]
    page = await keeper.expect("2026-12 资产回访")
    await choose(keeper, page, "AC-1 缺失")
    page = await keeper.expect("AC-1 设备AC-1 — 缺失")
    await choose(keeper, page, "本页全部在位")
    await keeper.expect("已全部核对")
    answers = dict(await AssetCheckItem.all().values_list("asset__code", "answer"))
    assert answers == {"AC-1": "missing", "AC-2": "in_place"}
    assert (await Asset.get(code="AC-1")).status == "missing"
    assert not api.violations and keys_fit(api)

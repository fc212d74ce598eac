"""End to end: a label's QR code decoded, its deep link's start parameter sent the way Telegram
sends it, and a repair filed through the real python-telegram-bot client and the fake Bot API
without the place ever being typed; an unknown code answered with normal reporting."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp

from bot.app import HouqinApp
from bot.services.assets.qr_export import collect_labels
from bot.services.assets.qr_labels import LabelPainter, find_cjk_font
from models.assets import Asset
from models.places import Place
from models.repairs import Ticket
from tests.e2e_support import QUIET_PTB, signed_in, telegram_app
from tests.support import seed_small_campus

pytestmark = QUIET_PTB


@pytest.fixture
async def app_and_user(tmp_path, api):
    async with telegram_app(tmp_path, api, telegram_bot_username="houqin_bot") as app:
        people = await seed_small_campus()
        await Asset.create(code="AC-3-402", name_zh="空调", name_en="Air conditioner",
                           place=await Place.get(code="3-402"))
        user = await signed_in(app, api, people["student"], 4242)
        yield app, user


async def scanned_param(app: HouqinApp, kind: str, code: str) -> str:
    """Print the label, scan it, and return the deep link's start parameter."""
    labels = await collect_labels(app.settings, kind)
    label = next(item for item in labels if item.code == code)
    (result,) = zxingcpp.read_barcodes(LabelPainter(find_cjk_font()).paint(label))
    url = urlsplit(result.text)
    assert (url.netloc, url.path) == ("t.me", "/houqin_bot")
    return parse_qs(url.query)["start"][0]


async def test_asset_qr_deep_link_files_a_report(app_and_user):
    app, user = app_and_user
    param = await scanned_param(app, "assets", "AC-3-402")
    await user.say(f"/start {param}")  # what Telegram sends when t.me/…?start= is opened
    await user.expect("空调（AC-3-402")
    await user.expect("哪类问题")
    await user.press("空调")
    await user.expect("什么问题")
    await user.say("不制冷")
    await user.expect("照片")
    await user.press("跳过")
    await user.expect("紧急程度")
    await user.press("一般")
    card = await user.expect("设备：空调（AC-3-402）")
    assert "3号楼402" in card["text"]
    await user.press("提交")
    await user.expect("已提交")
    ticket = await Ticket.get().prefetch_related("place", "asset")
    assert ticket.place.code == "3-402" and ticket.asset.code == "AC-3-402"
    assert ticket.category == "hvac" and ticket.description == "不制冷"
    assert (await Asset.get(code="AC-3-402")).status == "under_repair"


async def test_room_qr_and_unknown_code(app_and_user):
    app, user = app_and_user
    param = await scanned_param(app, "rooms", "3-403")
    await user.say(f"/start {param}")
    await user.expect("3号楼403")
    await user.say("/cancel")
    await user.expect("已取消")
    await user.say("/start p_9-999")
    await user.expect("不存在")
    await user.press("报修")
    await user.expect("哪类问题")
    assert await Ticket.all().count() == 0

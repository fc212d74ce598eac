"""QR labels: start parameters round-trip (and never look like invite codes), the links per
platform, labels decode back to the right place/asset, the A4 PDF's pages, the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image, PdfParser

from bot.core.errors import NotFound
from bot.core.qr_links import (
    PayloadTooLong,
    decode_param,
    encode_param,
    is_scan_param,
    scan_url,
)
from bot.services.assets.qr_export import collect_labels
from bot.services.assets.qr_labels import Label, LabelPainter, find_cjk_font, write_labels
from bot.services.assets.service import AssetService
from bot.services.people.service import CODE_ALPHABET
from models.assets import Asset
from models.places import Place
from tests.db_templates import migrated_sqlite
from tests.support import make_settings, seed_small_campus

ROOT = Path(__file__).resolve().parents[1]


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def param_of(url: str) -> str:
    query = parse_qs(urlsplit(url).query)
    return (query.get("start") or query.get("state"))[0]


@pytest.mark.parametrize("kind,code", [
    ("place", "3-402"), ("place", "LIB"), ("asset", "AC_01"), ("place", "图书馆"),
    ("asset", "a b/c:d"), ("asset", "X_41"),
])
def test_params_round_trip(kind, code):
    param = encode_param(kind, code)
    assert set(param) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    assert decode_param(param).kind == kind and decode_param(param).code == code


def test_params_never_collide_with_invites():
    assert not is_scan_param(["ABCDEFGH"]) and not is_scan_param([])
    assert "_" not in CODE_ALPHABET
    for bad in ("p_", "x_3", "p_3_G1", "p_a b", "a_%41", "p_X_FF"):
        assert decode_param(bad) is None, bad
    with pytest.raises(PayloadTooLong):
        encode_param("asset", "设备" * 10)


def test_links_per_platform(tmp_path):
    web = make_settings(tmp_path, http_host="10.0.0.5", http_port=8081)
    assert scan_url(web, "p_3-402") == "http://10.0.0.5:8081/?start=p_3-402"
    public = make_settings(tmp_path, public_url="https://houqin.example.edu/")
    assert scan_url(public, "p_3-402") == "https://houqin.example.edu/?start=p_3-402"
    tg = make_settings(tmp_path, telegram_bot_username="@houqin_bot")
    assert scan_url(tg, "a_AC-01") == "https://t.me/houqin_bot?start=a_AC-01"
    wecom = make_settings(tmp_path, wecom_corp_id="ww123", wecom_agent_id="1000002",
                          wecom_secret="s", wecom_token="t", public_url="https://h.example")
    url = scan_url(wecom, "p_3-402")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.netloc == "open.weixin.qq.com" and parts.fragment == "wechat_redirect"
    assert query["appid"] == ["ww123"] and query["agentid"] == ["1000002"]
    assert query["redirect_uri"] == ["https://h.example/wecom/scan"]
    assert query["state"] == ["p_3-402"] and query["scope"] == ["snsapi_base"]
    painted = LabelPainter(find_cjk_font()).paint(Label("3-402", "3号楼402", "Room 402", url))
    assert decode(painted) == [url]  # the long WeCom link still scans from the label
    with pytest.raises(ValueError):
        scan_url(web, "p_1", "telegram")


async def test_labels_decode_to_the_right_place_and_asset(db, tmp_path):
    await seed_small_campus()
    await Asset.create(code="AC_3-402", name_zh="空调", name_en="Air con",
                       place=await Place.get(code="3-402"))
    await Asset.create(code="OLD-1", name_zh="旧空调", name_en="Old",
                       place=await Place.get(code="3-402"), status="disposed")
    settings = make_settings(tmp_path, telegram_bot_username="houqin_bot")
    rooms = await collect_labels(settings, "rooms", "3")
    assert [label.code for label in rooms] == ["3-402", "3-403", "3-502"]
    assets = await collect_labels(settings, "assets")
    assert [label.code for label in assets] == ["AC_3-402"]  # disposed ones get no label
    assert assets[0].sub_zh == "3号楼402"
    written = write_labels([*rooms, *assets], tmp_path / "png", find_cjk_font())
    assert [p.name for p in written] == ["3-402.png", "3-403.png", "3-502.png", "AC_3-402.png"]
    for path, label in zip(written, [*rooms, *assets], strict=True):
        (text,) = decode(Image.open(path))
        assert text == label.url and text.startswith("https://t.me/houqin_bot?start=")
        scanned = decode_param(param_of(text))
        place, asset = await AssetService().scanned(scanned.kind, scanned.code)
        assert (asset.code if asset else place.code) == label.code
    with pytest.raises(NotFound) as err:
        await collect_labels(settings, "rooms", "NOPE")
    assert err.value.key == "places.unknown"


def test_pdf_pages_and_fallback_without_cjk_font(tmp_path):
    labels = [Label(f"R-{i}", f"房间{i}", f"Room {i}", f"http://h/?start=p_R-{i}")
              for i in range(17)]
    pdf = tmp_path / "labels.pdf"
    write_labels(labels, pdf, find_cjk_font())
    assert pdf.read_bytes().startswith(b"%PDF")
    assert len(PdfParser.PdfParser(str(pdf)).pages) == 3  # 8 labels a page
    plain = LabelPainter(None).paint(labels[0])  # no CJK font: English only, still scannable
    assert decode(plain) == ["http://h/?start=p_R-0"]
    assert find_cjk_font(str(tmp_path / "missing.ttc")) in (None, *[find_cjk_font()])


def test_cli_qr(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(HOUQIN_DATABASE_URL=migrated_sqlite(tmp_path / "cli.sqlite3"),
               HOUQIN_TELEGRAM_BOT_USERNAME="houqin_bot")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    assert run("seed", "--demo").returncode == 0
    done = run("qr", "rooms", "--building", "3", str(tmp_path / "b3.pdf"))
    assert done.returncode == 0, done.stderr
    assert "40 rooms labels (telegram links)" in done.stdout
    assert len(PdfParser.PdfParser(str(tmp_path / "b3.pdf")).pages) == 5
    done = run("qr", "rooms", "--building", "1", "--link", "web", str(tmp_path / "png"))
    assert done.returncode == 0, done.stderr
    first = sorted((tmp_path / "png").iterdir())[0]
    assert decode(Image.open(first)) == [f"http://127.0.0.1:8080/?start=p_{first.stem}"]
    demo = run("qr", "assets", str(tmp_path / "a.pdf"))  # the demo campus's equipment
    assert demo.returncode == 0 and "4 assets labels" in demo.stdout
    nothing = run("qr", "assets", "--building", "5", str(tmp_path / "b5.pdf"))
    assert nothing.returncode == 2 and "no assets to label in building 5" in nothing.stderr
    unknown = run("qr", "rooms", "--building", "NOPE", str(tmp_path / "x.pdf"))
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr

"""Every digest section that states a count and lists items agrees with itself: the list names
as many items as the count says, or names some and says "and N more" for the rest."""

from __future__ import annotations

import re
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from bot.core.i18n import Translator
from bot.services.digest.figures import Digest
from bot.services.digest.more_sections import MoreFigures, lines
from bot.services.digest.period import Period
from bot.services.digest.views import body
from bot.services.energy.service import AnomalyItem, AnomalySummary
from models.assets import Asset
from models.people import Person

pytestmark = pytest.mark.service

DAY = Period.containing("day", date(2026, 11, 20))
SIZES = (0, 1, 3, 4, 5, 6, 11)
MORE = {"en": re.compile(r" and (\d+) more$"), "zh_CN": re.compile(r" 等，另有 (\d+) [项人]$")}


def low_stock(n: int) -> SimpleNamespace:
    """A stand-in for one low-stock row: only what the digest view reads."""
    item = SimpleNamespace(display=lambda locale, n=n: f"item{n}")
    return SimpleNamespace(level=SimpleNamespace(item=item, available=1, min_level=10))


def named_and_more(listed: str, locale: str) -> int:
    """How many items a list accounts for: those it names plus its "and N more"."""
    if listed in ("none", "无"):
        return 0
    match = MORE[locale].search(listed)
    rest = int(match[1]) if match else 0
    names = listed[: match.start()] if match else listed
    return len(names.split(", ")) + rest


def section(text: str, pattern: str) -> tuple[int, str]:
    """The count and the list of the line matching `pattern` (groups: count, list)."""
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"{pattern!r} not in {text!r}"
    return int(match[1]), match[2]


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
@pytest.mark.parametrize("size", SIZES)
def test_stock_count_matches_its_list(size, locale):
    d = Digest(DAY, ("stock",))
    d.stock_low = [low_stock(n) for n in range(size)]
    text = body(d, Translator(), locale)
    pattern = (r"Below minimum: (\d+) \((.*)\)$" if locale == "en"
               else r"低于库存下限：(\d+) 项（(.*)）$")
    count, listed = section(text, pattern)
    assert count == size == named_and_more(listed, locale)


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
@pytest.mark.parametrize("size", (*SIZES, 12))
def test_workers_list_accounts_for_every_worker(size, locale):
    d = Digest(DAY, ("workers",))
    d.workers = [(Person(name=f"w{n}"), 20 - n) for n in range(size)]
    text = body(d, Translator(), locale)
    listed = text.splitlines()[-1].split("：" if locale == "zh_CN" else ": ", 1)[1]
    assert named_and_more(listed, locale) == size


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
@pytest.mark.parametrize("size", SIZES)
def test_energy_and_asset_counts_match_their_lists(size, locale):
    translator = Translator()

    def t(key: str, **fields: object) -> str:
        return translator(locale, key, **fields)

    items = [AnomalyItem(n, f"E-{n}", "spike", f"楼{n}", f"B{n}", datetime(2026, 11, 20).date(),
                         "open", None, None) for n in range(size)]
    assets = SimpleNamespace(flagged=[Asset(code=f"A{n}", name_zh=f"设备{n}", name_en=f"Unit {n}")
                                      for n in range(size)], pm_orders=0)
    more = MoreFigures(energy=AnomalySummary(counts={}, items=items), assets=assets)
    energy, asset = lines(more, t, locale)
    if locale == "en":
        e_count, e_list = section(energy, r"Energy anomalies: (\d+) \((.*)\)$")
        a_count, a_list = section(asset, r"Assets: (\d+) flagged for repeat failures \((.*)\);")
    else:
        e_count, e_list = section(energy, r"(\d+)[^（]*（(.*)）$")
        a_count, a_list = section(asset, r"(\d+)[^（]*（(.*)）")
    assert e_count == size == named_and_more(e_list, locale)
    assert a_count == size == named_and_more(a_list, locale)

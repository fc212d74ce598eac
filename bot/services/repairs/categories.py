"""A keyword-based guesser of the repair category (models.repairs.CATEGORIES) of free text."""

from __future__ import annotations

import re
from functools import lru_cache

from models.repairs import CATEGORIES


def _words(joined: str) -> tuple[str, ...]:
    """Split a "|"-separated keyword list (kept as one string so formatters leave it)."""
    return tuple(joined.split("|"))


# Keywords per category. Matching is case-insensitive; when several categories match,
# the longest (most specific) keyword wins, so compound words such as "空调漏水" or
# "门锁" beat the generic "漏水" or "锁". English keywords match on word boundaries and
# tolerate simple inflections (leak -> leaking, light -> lights).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "plumbing": _words(
        "水龙头|下水道|下水|马桶|漏水|渗水|滴水|堵塞|堵了|不通|水管|水压|没水|停水|冲水|热水|水箱|花洒|淋浴|"
        "洗手池|水池|地漏|便池|蹲坑|返水|爆管|水|faucet|tap|toilet|leak|leaky|"
        "clogged|clog|blocked|drain|pipe|plumbing|sink|shower|flush|"
        "water|hot water|no water|water heater"
    ),
    "electrical": _words(
        "灯管|灯泡|灯坏|灯不亮|不亮|插座|插头|开关|跳闸|停电|没电|断电|漏电|电路|电线|电闸|电表|短路|灯|电|"
        "light|lamp|bulb|socket|outlet|power|electric|electricity|"
        "electrical|switch|breaker|fuse|wiring|power outage|no power"
    ),
    "carpentry": _words(
        "门锁|门把手|把手|合页|铰链|门|窗户|窗|锁|桌子|桌|椅子|椅|床板|床|柜子|衣柜|柜|抽屉|书架|木板|纱窗|"
        "door|window|lock|desk|table|chair|bed|wardrobe|cabinet|"
        "closet|drawer|shelf|hinge|handle|door handle|bunk"
    ),
    "hvac": _words(
        "空调漏水|空调滴水|空调|暖气片|暖气|供暖|通风|排风扇|排气扇|风扇|制冷|制热|新风|"
        "air conditioner|air conditioning|ac leak|ac|a/c|aircon|hvac|"
        "heating|heater|radiator|ventilation|vent|fan|cooling"
    ),
    "network": _words(
        "校园网|网络|网线|网口|宽带|无线|路由器|上不了网|断网|网速|信号|网|wifi|wi-fi|wlan|"
        "internet|network|ethernet|broadband|router|lan|connection"
    ),
    "cleaning": _words(
        "卫生|垃圾|清洁|打扫|保洁|清理|脏|异味|臭|蟑螂|老鼠|trash|garbage|rubbish|dirty|"
        "clean|cleaning|smell|smelly|cockroach|cockroaches|mouse|"
        "rats|pest|mess"
    ),
}

# Symptom words say how something failed, not what failed; they only decide the
# category when no object keyword matched ("AC is leaking" -> hvac, not plumbing).
_WEAK_KEYWORDS: frozenset[str] = frozenset(
    _words(
        "blocked|clog|clogged|dirty|leak|leaky|smell|smelly|不亮|不通|堵了|"
        "堵塞|水|渗水|滴水|漏水|电"
    )
)

# Place nouns that contain a keyword but say nothing about the fault itself
# (卫生间 is a bathroom, not a cleaning request). They are blanked before matching.
_NEUTRAL_WORDS: tuple[str, ...] = _words("卫生间|洗手间|电梯间|网球场|电话|手机|电脑|水房|开水房")


def _is_ascii_word(keyword: str) -> bool:
    return keyword.isascii()


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, str, re.Pattern[str] | None]]:
    """Precompile English keywords; Chinese keywords use plain substring search."""
    compiled: list[tuple[str, str, re.Pattern[str] | None]] = []
    for category, words in KEYWORDS.items():
        for word in words:
            pattern: re.Pattern[str] | None = None
            if _is_ascii_word(word):
                pattern = re.compile(
                    r"(?<![a-z0-9])" + re.escape(word) + r"(?:s|es|ed|ing|y)?(?![a-z0-9])"
                )
            compiled.append((category, word, pattern))
    return compiled


def guess_category(text: str) -> str | None:
    """Guess the repair category of ``text`` from keywords; None when nothing matches."""
    if not text:
        return None
    haystack = text.lower()
    for neutral in _NEUTRAL_WORDS:
        haystack = haystack.replace(neutral, " " * len(neutral))
    best: tuple[bool, int, int, int] | None = None  # (weak, -length, position, order)
    best_category: str | None = None
    order = {name: index for index, name in enumerate(CATEGORIES)}
    for category, word, pattern in _compiled():
        if pattern is None:
            position = haystack.find(word)
        else:
            found = pattern.search(haystack)
            position = found.start() if found else -1
        if position < 0:
            continue
        rank = (word in _WEAK_KEYWORDS, -len(word), position, order[category])
        if best is None or rank < best:
            best, best_category = rank, category
    return best_category

"""Parse a free-text repair request into place, category and description.

A user writes one message such as ``3号楼402 水龙头漏水`` or
``Building 5 room 201 the light is broken``; this module finds the building and room,
removes them from the text, and guesses the category from what is left.
All patterns use bounded quantifiers only, so matching stays linear on any input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.services.people import simplified
from bot.services.repairs.categories import CategorySet, guess_category

# Only this many leading characters of the normalised text are searched for a place.
PLACE_SEARCH_LIMIT = 500

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_CHARS = "一二三四五六七八九十"

_DASH = r"[-‐‑‒–—―−]"
# A building: "3", "12", "B3", "A" or a Chinese numeral 一..九十九.
_BLD_ASCII = r"(?<![A-Za-z0-9])(?:[A-Za-z]?\d{1,3}|[A-Za-z])"
_BLD_CN = rf"(?<![{_CN_CHARS}])[{_CN_CHARS}]{{1,3}}"
_BLD = rf"(?P<b>{_BLD_ASCII}|{_BLD_CN})"
_BLD_EN = r"(?P<b>[A-Za-z]?\d{1,3}|[A-Za-z])(?![A-Za-z0-9])"
# A room: 3-4 digits, not part of a longer number, a time, a decimal or a quantity.
_UNITS = r"个只台盏件张把元块次人年月日天点分秒米斤度瓦伏%"
_ROOM = rf"(?<!\d)(?P<r>\d{{3,4}})(?!\d|\s?[{_UNITS}]|[:.]\d|{_DASH}\d)"
_ROOM_SUFFIX = r"(?:\s?(?:房间|号房|宿舍|寝室|室|房|号))?"
_BLD_WORD = r"(?:号宿舍楼|号公寓楼|号公寓|号楼|栋|幢|座)"
_FLOOR = rf"(?:[\d{_CN_CHARS}]{{1,2}}\s?[楼层]\s?)?"
_EN_BLD = r"(?:building|bldg|bld|block|blk|dorm)\.?"
_EN_ROOM = r"(?:room|rm|no)\.?"

_PREFIX_EN = r"(?:\b(?:in|at)\s)?"

# Patterns naming both a building and a room, tried before building-only patterns.
_FULL_PATTERNS: tuple[re.Pattern[str], ...] = (
    # 3号楼402, 3栋402, 3幢402室, 三号楼402, 3栋-402, 3号楼 4楼 402, 12号楼1203宿舍
    re.compile(rf"{_BLD}\s?{_BLD_WORD}\s?(?:{_DASH}\s?)?{_FLOOR}{_ROOM}{_ROOM_SUFFIX}"),
    # 3楼402 (楼 means building when a room number follows)
    re.compile(rf"{_BLD}\s?楼\s?(?:{_DASH}\s?)?{_ROOM}{_ROOM_SUFFIX}"),
    # 3-402, 3—402, 3#402, #3-402, B3-402 (1-2 digit building, so 301-305 is no place)
    re.compile(
        rf"(?<![A-Za-z0-9.:/#])(?<!{_DASH})#?"
        rf"(?P<b>[A-Za-z]?\d{{1,2}})\s?(?:{_DASH}|#)\s?{_ROOM}{_ROOM_SUFFIX}"
    ),
    # Building 3 Room 402, bldg 3 rm 402, building 3, 402
    re.compile(
        rf"{_PREFIX_EN}\b{_EN_BLD}\s?#?{_BLD_EN}\s?,?\s?(?:{_EN_ROOM}\s?#?)?{_ROOM}",
        re.IGNORECASE,
    ),
    # room 402 building 3, room 402, building 3, 402 in building 3
    re.compile(
        rf"{_PREFIX_EN}(?:\b{_EN_ROOM}\s?#?)?{_ROOM}\s?,?\s?(?:(?:in|of|at)\s)?"
        rf"(?:the\s)?{_EN_BLD}\s?#?{_BLD_EN}",
        re.IGNORECASE,
    ),
)

# Patterns naming only a building.
_BUILDING_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"{_BLD}\s?{_BLD_WORD}"),
    re.compile(rf"{_PREFIX_EN}\b{_EN_BLD}\s?#?{_BLD_EN}", re.IGNORECASE),
)

_TRIM_CHARS = " \t\r\n!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~，。、；：！？…·～—（）【】《》「」“”‘’"


def normalize_text(text: str) -> str:
    """Apply NFKC (full-width to ASCII) and collapse runs of whitespace to one space."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def _cn_to_int(numeral: str) -> int | None:
    """Convert a Chinese numeral between 一 and 九十九 to an int; None if malformed."""
    if numeral in _CN_DIGITS:
        return _CN_DIGITS[numeral]
    match = re.fullmatch(r"([二三四五六七八九]?)十([一二三四五六七八九]?)", numeral)
    if match is None:
        return None
    tens = _CN_DIGITS.get(match.group(1), 1)
    return tens * 10 + _CN_DIGITS.get(match.group(2), 0)


def _building_value(raw: str) -> str | None:
    """Normalise a raw building token: Chinese numerals to digits, letters upper-cased."""
    if raw and raw[0] in _CN_CHARS:
        value = _cn_to_int(raw)
        return str(value) if value else None
    token = raw.upper()
    digits = token.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if not digits:
        return token
    if int(digits) == 0 and digits == token:
        return None  # there is no building 0
    return token[: len(token) - len(digits)] + str(int(digits))


def _first_match(
    patterns: tuple[re.Pattern[str], ...], window: str, truncated: bool
) -> tuple[str, str | None, tuple[int, int]] | None:
    """Return the earliest valid (building, room, span) among ``patterns`` in ``window``."""
    best: tuple[str, str | None, tuple[int, int]] | None = None
    for pattern in patterns:
        for match in pattern.finditer(window):
            if truncated and match.end() >= len(window):
                continue  # the number may continue past the search limit
            building = _building_value(match.group("b"))
            if building is None:
                continue
            room = match.groupdict().get("r")
            if best is None or match.start() < best[2][0]:
                best = (building, room, match.span())
            break
    return best


def parse_place(text: str) -> tuple[str | None, str | None, tuple[int, int] | None]:
    """Find (building, room, span) in ``normalize_text(text)``; Nones when there is no place."""
    normalized = normalize_text(text)
    window = normalized[:PLACE_SEARCH_LIMIT]
    truncated = len(normalized) > PLACE_SEARCH_LIMIT
    found = _first_match(_FULL_PATTERNS, window, truncated)
    if found is None:
        found = _first_match(_BUILDING_PATTERNS, window, truncated)
    if found is None:
        return None, None, None
    return found


@dataclass
class ParsedReport:
    """A free-text repair request split into place, category and description."""

    place_code: str | None
    building: str | None
    room: str | None
    category: str | None
    description: str


def _trim(text: str) -> str:
    """Strip punctuation, whitespace and a dangling 的 from both ends of ``text``."""
    previous = None
    while previous != text:
        previous = text
        text = text.strip(_TRIM_CHARS)
        text = text.removeprefix("的")
    return text


def parse_report_text(text: str, categories: CategorySet | None = None) -> ParsedReport:
    """Parse one free-text repair message into a ParsedReport (the category guessed with
    `categories`, the shipped ones when None)."""
    normalized = normalize_text(text)
    building, room, span = parse_place(normalized)
    if span is None:
        description = normalized
    else:
        start, end = span
        before = normalized[:start].rstrip(_TRIM_CHARS).removesuffix("在")
        after = normalized[end:].lstrip(_TRIM_CHARS)
        description = _trim(f"{before} {after}")
    place_code = None
    if building is not None:
        place_code = f"{building}-{room}" if room else building
    return ParsedReport(
        place_code=place_code,
        building=building,
        room=room,
        category=guess_category(description, categories),
        description=description,
    )


def describe_without(text: str, spans: list[tuple[int, int]],
                     categories: CategorySet | None = None) -> tuple[str, str | None]:
    """The description left when the place words at `spans` (indexes into `text`) are cut out,
    and the category it suggests with `categories` (the shipped ones when None; read in
    simplified characters)."""
    pieces: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start > position:
            pieces.append(text[position:start].rstrip(_TRIM_CHARS).removesuffix("在"))
        position = max(position, end)
    pieces.append(text[position:].lstrip(_TRIM_CHARS))
    description = _trim(normalize_text(" ".join(p for p in pieces if p)))
    return description, guess_category(simplified(description), categories)

"""Where a message says the problem is: a building or area by any of its names, the room that
follows among that building's children, and the floor or spot kept for the description."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.services.people.place_index import PlaceIndex
from bot.services.people.place_names import (
    BUILDING_WORDS_EN,
    BUILDING_WORDS_ZH,
    normalize,
    number_key,
    room_key,
)

SEARCH_CHARS = 500  # only this much of a message is searched for a place
MAX_CHOICES = 4

_UNITS = "个只台盏件张把元块次人年月日天点分秒米斤度瓦伏%"
_ROOM = rf"(?P<room>[a-z]?\d{{3,4}})(?![0-9]|\s?[{_UNITS}]|[:.]\d)"
_ROOM_SUFFIX = r"(?:\s?(?:房间|号房|宿舍|寝室|室|房|号))?"
_AFTER = re.compile(
    r"\s?(?:[-‐‑–—#]|的)?\s?(?:(?:\d{1,2}\s?[楼层]|\d{1,2}f|floor\s?\d{1,2})\s?)?\s?,?\s?"
    rf"(?:(?:room|rm|no)\.?\s?#?|房间\s?)?{_ROOM}{_ROOM_SUFFIX}"
)
_BEFORE = re.compile(
    rf"(?:(?:room|rm)\.?\s?#?)?{_ROOM}{_ROOM_SUFFIX}\s?,?\s?(?:(?:in|of|at)\s)?(?:the\s)?$"
)
_ROOM_ALONE = re.compile(rf"(?<![0-9a-z#])(?:(?:room|rm)\.?\s?#?|房间\s?)?{_ROOM}{_ROOM_SUFFIX}")
_NUMBERED = re.compile(
    r"(?<![0-9a-z.:/])(?P<n>\d{1,3})\s?(?:"
    + "|".join(map(re.escape, BUILDING_WORDS_ZH)) + r"|楼(?=\s?[-—]?\s?\d{3,4})"
    r"|\s?[-—#](?=\s?\d{3,4}))"
    r"|\b(?:" + "|".join(BUILDING_WORDS_EN) + r")\.?\s?(?:no\.?\s?)?#?(?P<e>\d{1,3})(?![0-9])"
)
# Floors and spots inside a place: kept in the description, shown on the confirm card.
_DETAIL = re.compile(
    r"\d{1,2}\s?[楼层](?![0-9])|\d{1,2}f\b|\b\d{1,2}(?:st|nd|rd|th) floor\b|\bfloor \d{1,2}\b"
    r"|地下\d?层|负\d层|女厕所?|男厕所?|厕所|卫生间|洗手间|走廊|楼道|大厅|门口|门厅|楼梯间?|电梯间?"
    r"|阳台|水房|开水房|洗衣房|前台|天台|楼顶|东侧|西侧|南侧|北侧"
    r"|\b(?:lobby|corridor|hallway|entrance|restroom|stairs|stairwell|balcony)\b"
)


@dataclass
class PlaceMatch:
    """What a message says about where: the place (when one fits), the places to choose from
    (when several fit), the spans (in the original text) that named it, the floor or spot, and
    the words that named a place the campus does not have."""

    place_id: int | None = None
    choices: list[int] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    detail: str = ""
    unknown: str | None = None
    room_only: str | None = None


@dataclass
class _Found:
    start: int
    end: int
    ids: list[int]
    room: str | None = None
    room_span: tuple[int, int] | None = None


def _room_after(text: str, end: int) -> tuple[str, tuple[int, int]] | None:
    match = _AFTER.match(text, end)
    return (match.group("room"), (end, match.end())) if match else None


def _room_before(text: str, start: int) -> tuple[str, tuple[int, int]] | None:
    match = _BEFORE.search(text[max(0, start - 30):start])
    if not match:
        return None
    offset = max(0, start - 30)
    return match.group("room"), (offset + match.start(), start)


def _candidates(index: PlaceIndex, text: str) -> tuple[list[_Found], _Found | None]:
    """The mentions of known places, and the first numbered building the campus lacks."""
    found = [_Found(s, e, ids) for s, e, ids in index.scan(text)]
    missing: _Found | None = None
    for match in _NUMBERED.finditer(text):
        ids = index.numbers.get(number_key(match.group("n") or match.group("e")))
        if ids:
            found.append(_Found(match.start(), match.end(), list(ids)))
        elif missing is None:
            missing = _Found(match.start(), match.end(), [])
    # a name inside a longer name at the same place is the same mention ("12栋" in "学生公寓12栋")
    found.sort(key=lambda f: (f.start, -f.end))
    kept: list[_Found] = []
    for item in found:
        if kept and item.start >= kept[-1].start and item.end <= kept[-1].end:
            continue
        kept.append(item)
    for item in kept:
        room = _room_after(text, item.end) or _room_before(text, item.start)
        if room:
            item.room, item.room_span = room
    if missing is not None:
        room = _room_after(text, missing.end)
        missing.room_span = room[1] if room else None
    return kept, missing


def _rooms_of(index: PlaceIndex, parents: list[int], room: str) -> list[int]:
    rooms: list[int] = []
    for parent in parents:
        for pid in index.rooms.get(parent, {}).get(room_key(room), ()):
            if pid not in rooms:
                rooms.append(pid)
    return rooms


def _span(where: list[int], length: int, start: int, end: int) -> tuple[int, int]:
    return where[start], where[end] if end < len(where) else length


def match_place(index: PlaceIndex, message: str) -> PlaceMatch:
    """Resolve where `message` says the problem is (see PlaceMatch); never guesses between
    several places that fit equally."""
    original = message[: SEARCH_CHARS * 2]
    text, where = normalize(original)
    text, where = text[:SEARCH_CHARS], where[:SEARCH_CHARS]
    result = PlaceMatch()
    found, missing = _candidates(index, text)
    if found:
        # a mention with a room beats one without, then the longer name, then the first
        best = max(found, key=lambda f: (f.room is not None, f.end - f.start, -f.start))
        result.spans.append(_span(where, len(original), best.start, best.end))
        ids = best.ids
        if best.room is not None and best.room_span is not None:
            rooms = _rooms_of(index, ids, best.room)
            if rooms:
                ids = rooms
                result.spans.append(_span(where, len(original), *best.room_span))
            else:
                result.unknown = original[result.spans[0][0]:_span(
                    where, len(original), *best.room_span)[1]].strip()
                close = [r for b in ids for r in index.close_rooms(b, room_key(best.room), 3)]
                result.choices = (ids + close)[:MAX_CHOICES]
                ids = []
        if len(ids) == 1:
            result.place_id = ids[0]
        elif ids:
            result.choices = ids[:MAX_CHOICES]
    elif missing is not None:  # "99栋101": a building the campus does not have
        end = missing.room_span[1] if missing.room_span else missing.end
        result.spans.append(_span(where, len(original), missing.start, end))
        result.unknown = original[slice(*result.spans[0])].strip()
    else:
        alone = _ROOM_ALONE.search(text)
        if alone:
            key = room_key(alone.group("room"))
            rooms = list(index.room_anywhere.get(key, ()))
            # a misspelt building before the room ("12东305"): that room in the closest ones
            near = index.fuzzy(text[max(0, alone.start() - 12):alone.start()].strip(), 3, 75)
            typo = _rooms_of(index, near, key)
            result.room_only = alone.group("room")
            result.choices = typo or (rooms if len(rooms) <= MAX_CHOICES else [])
            result.spans.append(_span(where, len(original), alone.start(), alone.end()))
    result.detail = " ".join(
        original[slice(*_span(where, len(original), m.start(), m.end()))]
        for m in _DETAIL.finditer(text)
        if not any(s <= where[m.start()] < e for s, e in result.spans)
    )[:60]
    return result

"""People look-ups by staff/student id, phone or name through indexed columns, bounded with
LIMIT, so a search costs the same with a thousand people or fifty thousand."""

from __future__ import annotations

from rapidfuzz import fuzz, process
from tortoise.expressions import Q

from bot.services.people.service import normalize_phone
from models.people import Person, normalize_name

MAX_FOUND = 20
FUZZY_POOL = 300  # names read for typo suggestions: bounded, whatever the roster's size
FUZZY_CUTOFF = 60  # one wrong character of a three-character name scores 66
_TOP = "\U0010ffff"  # above every character: [prefix, prefix + _TOP) is an index range


def _clean(query: str) -> str:
    return " ".join(query.split())[:64]


async def exact_people(query: str, active_only: bool = True,
                       limit: int = MAX_FOUND) -> list[Person]:
    """People whose staff/student id, phone or whole name is `query` (index look-ups)."""
    text = _clean(query)
    if not text:
        return []
    found = Q(external_id__in=sorted({text, text.upper(), text.lower()}))
    found |= Q(name_norm=normalize_name(text))
    phone = normalize_phone(text)
    if phone:
        found |= Q(phone=phone)
    rows = Person.filter(found)
    if active_only:
        rows = rows.filter(active=True)
    # no ORDER BY in SQL: it would make SQLite walk the whole table in id order instead of
    # uniting the three index look-ups; the few rows found are sorted here
    return sorted(await rows.limit(limit), key=lambda p: p.id)


async def people_named(prefix: str, active_only: bool = True,
                       limit: int = MAX_FOUND) -> list[Person]:
    """People whose name starts with `prefix` (an index range on the normalized name)."""
    key = normalize_name(prefix)
    if not key:
        return []
    rows = Person.filter(name_norm__gte=key, name_norm__lt=key + _TOP)
    if active_only:
        rows = rows.filter(active=True)
    return await rows.order_by("name_norm").limit(limit)  # the index order: no sort


async def find_people(query: str, active_only: bool = True,
                      limit: int = MAX_FOUND) -> list[Person]:
    """Exact matches of an id, phone or name; otherwise the names starting with `query`."""
    return (await exact_people(query, active_only, limit)
            or await people_named(query, active_only, limit))


async def suggest_people(query: str, limit: int = 5) -> list[Person]:
    """Active people whose name is close to `query` (a typo, a missing character): rapidfuzz
    over a bounded pool of names sharing its first character."""
    key = normalize_name(_clean(query))
    if not key:
        return []
    pool = await people_named(key[0], limit=FUZZY_POOL)
    if not pool:
        return []
    by_id = {p.id: p for p in pool}
    scored = process.extract(key, {p.id: p.name_norm for p in pool}, scorer=fuzz.ratio,
                             score_cutoff=FUZZY_CUTOFF, limit=limit)
    return [by_id[pid] for _, _, pid in scored]

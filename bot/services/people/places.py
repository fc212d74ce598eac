"""Places: look-up by code or name, close matches for unknown places."""

from __future__ import annotations

import math
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from bot.core.errors import InvalidState, NotFound, PermissionDenied
from bot.db import fetch_models
from bot.services.people.place_index import SHARED, SharedIndex
from bot.services.people.place_match import MAX_CHOICES, PlaceMatch, match_place
from bot.services.people.place_names import norm, number_key, numbered_building
from models.places import Place, Zone

EARTH_RADIUS_M = 6_371_000.0
NEAR_METERS = 300
ZONE_NAMES_SECONDS = 60.0  # zone names are re-read this often (another instance may import)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance in meters between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


@dataclass
class Resolved:
    """A message's place (or None), the places to offer, and what the text said (spans,
    floor or spot, words naming an unknown place)."""

    place: Place | None
    choices: list[Place]
    match: PlaceMatch


def _fuzzy_query(text: str, match: PlaceMatch) -> str:
    """The words to fuzzy-match when nothing fits: the unknown place words, else the start of
    the message without its digits and spots."""
    if match.unknown:
        return norm(match.unknown)
    return re.sub(r"[0-9]+", " ", norm(text)[:24]).strip()


class PlaceService:
    """Finds places the way people name them."""

    def __init__(self, index: SharedIndex | None = None) -> None:
        self._index = index or SHARED  # the process's index; a test or bench may bring its own
        self._zones: dict[str, Zone] = {}
        self._zones_read = -ZONE_NAMES_SECONDS

    async def zone_names(self) -> dict[str, Zone]:
        """Every named zone by code (re-read at most once a minute)."""
        if time.monotonic() - self._zones_read >= ZONE_NAMES_SECONDS:
            self._zones = {z.code: z for z in await Zone.all()}
            self._zones_read = time.monotonic()
        return self._zones

    def forget_zone_names(self) -> None:
        """Read the zone names afresh next time (after an import)."""
        self._zones_read = -ZONE_NAMES_SECONDS

    async def zone_label(self, code: str | None, locale: str | None) -> str | None:
        """A zone's name in `locale`; its code when it has no names; None for no zone."""
        if not code:
            return None
        zone = (await self.zone_names()).get(code)
        return zone.display(locale) if zone else code

    async def zone_code(self, word: str) -> str | None:
        """The code of the zone named or coded `word` (any case, either language), if any."""
        wanted = _norm(word)
        for zone in (await self.zone_names()).values():
            if wanted in {_norm(zone.code), _norm(zone.name_zh), _norm(zone.name_en)}:
                return zone.code
        return None

    async def get(self, code: str) -> Place:
        """An active place by its code ("3-402")."""
        place = await Place.get_or_none(code=_norm(code).upper(), active=True)
        if place is None:
            place = await Place.get_or_none(code=code.strip(), active=True)
        if place is None:
            raise NotFound("places.unknown", query=code[:40])
        return place

    async def by_id(self, place_id: int) -> Place:
        """An active place by id."""
        found = await fetch_models(Place, "WHERE id = ? AND active = ?", [place_id, True])
        if not found:
            raise NotFound("places.unknown", query=str(place_id))
        return found[0]

    async def by_ids(self, ids: list[int]) -> list[Place]:
        """The active places with these ids, in this order."""
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        places = await fetch_models(Place, f"WHERE id IN ({marks}) AND active = ?", [*ids, True])
        found = {p.id: p for p in places}
        return [found[i] for i in ids if i in found]

    async def find(self, query: str) -> Place | None:
        """The place whose code, name or alias equals `query`, if any (one, or the first by
        code when several share the name)."""
        wanted = norm(query)
        if not wanted:
            return None
        index = await self._index.get()
        ids = index.exact(wanted)
        number = None if ids else numbered_building(wanted)
        if number and len(wanted) <= 12:  # "12栋", "Building 3": the building so numbered
            ids = index.numbers.get(number_key(number), [])
        places = await self.by_ids(ids)
        return min(places, key=lambda p: p.code) if places else None

    async def suggest(self, query: str, limit: int = 3) -> list[Place]:
        """Places whose code or name is close to `query` (for "did you mean…")."""
        wanted = norm(query)[:60]
        if not wanted:
            return []
        index = await self._index.get()
        return await self.by_ids(index.fuzzy(wanted, limit))

    async def resolve(self, text: str) -> Resolved:
        """Where a repair message says the problem is: one place, or several to choose from
        (best first), or close matches when nothing fits; never a silent guess."""
        index = await self._index.get()
        match = match_place(index, text)
        choices = await self.by_ids(match.choices)
        place = (await self.by_ids([match.place_id]))[0] if match.place_id else None
        if place is None and not choices and not match.room_only:
            # a building the campus lacks ("99栋101"): offer buildings and areas, not rooms
            ids = index.fuzzy(_fuzzy_query(text, match)[:60], MAX_CHOICES,
                              containers=match.unknown is not None)
            choices = await self.by_ids(ids)
        return Resolved(place, choices, match)

    async def add_alias(self, actor: Any, alias: str, target: str) -> Place:
        """Let `alias` name the place `target` names (managers only); refuses an alias that
        already names another place."""
        if actor is None or not actor.has_role("manager"):
            raise PermissionDenied("places.alias_not_allowed")
        key = norm(alias)
        if not key or len(alias.strip()) > 40:
            raise InvalidState("places.alias_bad", alias=alias[:40])
        place = await self.find(target)
        if place is None:
            raise NotFound("places.unknown", query=target[:40])
        index = await self._index.get()
        others = [i for i in index.exact(key) if i != place.id]
        if others:
            other = await self.by_id(others[0])
            raise InvalidState("places.alias_taken", alias=alias.strip(), place=other.code)
        if key not in {norm(n) for n in (place.code, place.name_zh, place.name_en,
                                          *(place.aliases or []))}:
            place.aliases = [*(place.aliases or []), alias.strip()]
            await place.save(update_fields=["aliases"])
        return place

    async def nearest(
        self, lat: float, lon: float, max_meters: float = NEAR_METERS
    ) -> Place | None:
        """The active place with coordinates closest to (lat, lon), if within `max_meters`."""
        best: tuple[float, Place] | None = None
        located = Place.filter(active=True, latitude__isnull=False, longitude__isnull=False)
        for place in await located:
            meters = distance_m(lat, lon, place.latitude, place.longitude)
            if meters <= max_meters and (best is None or meters < best[0]):
                best = (meters, place)
        return best[1] if best else None

    async def children(self, parent: Place | None, limit: int = 60) -> list[Place]:
        """Active places directly under `parent` (buildings and areas when None)."""
        query = Place.filter(active=True)
        query = query.filter(parent_id=parent.id) if parent else query.filter(parent_id=None)
        return await query.order_by("code").limit(limit)

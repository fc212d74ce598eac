"""Places: look-up by code or name, close matches for unknown places."""

from __future__ import annotations

import difflib
import math
import unicodedata

from bot.core.errors import NotFound
from models.places import Place

EARTH_RADIUS_M = 6_371_000.0
NEAR_METERS = 300


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance in meters between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


class PlaceService:
    """Finds places the way people name them."""

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
        place = await Place.get_or_none(id=place_id, active=True)
        if place is None:
            raise NotFound("places.unknown", query=str(place_id))
        return place

    async def find(self, query: str) -> Place | None:
        """The place whose code, name or alias equals `query`, if any."""
        wanted = _norm(query)
        if not wanted:
            return None
        for place in await Place.filter(active=True):
            names = [place.code, place.name_zh, place.name_en, *(place.aliases or [])]
            if wanted in {_norm(n) for n in names}:
                return place
        return None

    async def find_in_text(self, text: str) -> Place | None:
        """The named place (not a numbered room) mentioned in free text, longest name first."""
        haystack = _norm(text)[:500]
        best: tuple[int, Place] | None = None
        for place in await Place.filter(active=True):
            for name in (place.name_zh, place.name_en, *(place.aliases or [])):
                needle = _norm(name)
                if (
                    len(needle) >= 2
                    and needle in haystack
                    and (best is None or len(needle) > best[0])
                ):
                    best = (len(needle), place)
        return best[1] if best else None

    async def suggest(self, query: str, limit: int = 3) -> list[Place]:
        """Places whose code or name is close to `query` (for "did you mean…")."""
        wanted = _norm(query)[:60]
        if not wanted:
            return []
        places = await Place.filter(active=True)
        keys: dict[str, Place] = {}
        for place in places:
            for name in (place.code, place.name_zh, place.name_en, *(place.aliases or [])):
                keys.setdefault(_norm(name), place)
        matches = difflib.get_close_matches(wanted, list(keys), n=limit * 3, cutoff=0.5)
        result: list[Place] = []
        for key in matches:
            if keys[key] not in result:
                result.append(keys[key])
        return result[:limit]

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

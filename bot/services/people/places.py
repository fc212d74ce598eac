"""Places: look-up by code or name, close matches for unknown places."""

from __future__ import annotations

import difflib
import math
import time
import unicodedata

from bot.core.errors import NotFound
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


class PlaceService:
    """Finds places the way people name them."""

    def __init__(self) -> None:
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

"""Places: look-up by code or name, close matches for unknown places."""

from __future__ import annotations

import difflib
import unicodedata

from bot.services.errors import NotFound
from models.places import Place


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

    async def children(self, parent: Place | None, limit: int = 60) -> list[Place]:
        """Active places directly under `parent` (buildings and areas when None)."""
        query = Place.filter(active=True)
        query = query.filter(parent_id=parent.id) if parent else query.filter(parent_id=None)
        return await query.order_by("code").limit(limit)

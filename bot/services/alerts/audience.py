"""Who an alert goes to: everyone, a building/area or zone, a role, a dorm building's residents,
or a custom list of people; and where each of them is (for the lists by building)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.errors import InvalidState, NotFound, ServiceError
from bot.services.people import PlaceService, exact_people, holders, in_zones, normalize_phone
from models.alerts import AUDIENCE_KINDS
from models.people import ROLES, Person, normalize_zone
from models.places import Place


class DormRoster(Protocol):
    """What audiences need of the dorm rosters (DormService provides it)."""

    async def residents_of(self, building_code: str) -> list[Person]:
        """The active residents of a dorm building."""

    async def buildings_of(self, person_ids: list[int]) -> dict[int, str]:
        """Person id -> the dorm building code they live in, for those of `person_ids` who do."""


ZONE_PREFIX = "zone:"
LIST_SEPARATORS = re.compile(r"[,，;；、\n]+")
MAX_LIST_ENTRIES = 200


_norm = normalize_zone  # as person_tag stores zones: the zone look-up compares like for like


@dataclass(frozen=True)
class Audience:
    """An audience as stored on the alert: its kind and value (see models.alerts)."""

    kind: str
    value: str = ""


@dataclass
class Recipients:
    """The resolved audience: people (active, unique) with the place each is reached at."""

    people: list[Person] = field(default_factory=list)
    places: dict[int, str] = field(default_factory=dict)


class AudienceResolver:
    """Turns an audience into people; validates what a sender (or a system) names."""

    def __init__(self, places: PlaceService, dorms: DormRoster | None = None):
        self.places = places
        self.dorms = dorms

    @property
    def dorms_available(self) -> bool:
        """True when dorm rosters can be used as an audience."""
        return self.dorms is not None

    async def validate(self, audience: Audience) -> Audience:
        """The audience in canonical form, or a ServiceError saying what is wrong."""
        kind, value = audience.kind, audience.value.strip()
        if kind not in AUDIENCE_KINDS:
            raise ServiceError("alerts.audience_unknown", kind=kind[:20])
        if kind == "everyone":
            return Audience("everyone")
        if kind == "role":
            if value not in ROLES:
                raise ServiceError("errors.role_unknown", role=value[:20])
            return Audience("role", value)
        if kind == "place":
            return await self.place_audience(value)
        if kind == "dorm":
            if not self.dorms_available:
                raise InvalidState("alerts.dorms_unavailable")
            place = await self.places.get(value)
            if place.kind != "building":
                raise InvalidState("alerts.not_a_building", place=place.code)
            return Audience("dorm", place.code)
        ids = [int(v) for v in value.split(",") if v.strip().isdigit()]
        if not ids or not await Person.filter(id__in=ids, active=True).exists():
            raise ServiceError("alerts.list_empty")
        return Audience("people", ",".join(str(i) for i in sorted(set(ids))))

    async def place_audience(self, query: str) -> Audience:
        """A building/area by code or name, or a campus zone by name ("north")."""
        query = query.strip()
        if query.lower().startswith(ZONE_PREFIX):
            query = query[len(ZONE_PREFIX) :]
        place = await self.places.find(query) if query else None
        if place is None and query:
            place = await Place.get_or_none(code=query.upper(), active=True)
        if place is not None:
            if place.kind not in ("building", "area"):
                raise InvalidState("alerts.not_a_building", place=place.code)
            return Audience("place", place.code)
        zone = _norm(query)
        zones = {
            _norm(z) for z in await Place.filter(active=True).values_list("zone", flat=True) if z
        }
        if zone and zone in zones:
            return Audience("place", ZONE_PREFIX + zone)
        raise NotFound("places.unknown", query=query[:40])

    async def parse_list(self, text: str) -> tuple[Audience | None, list[str]]:
        """People named in a list (staff/student id, phone or exact name, separated by commas
        or lines): the audience of those found, and the entries that matched nobody."""
        entries = [e.strip() for e in LIST_SEPARATORS.split(text) if e.strip()]
        if len(entries) > MAX_LIST_ENTRIES:
            raise ServiceError("alerts.list_too_long", limit=MAX_LIST_ENTRIES)
        found: list[int] = []
        missing: list[str] = []
        for entry in entries:  # indexed look-ups per entry, never the whole roster
            matches = await exact_people(entry, limit=10)
            phone = normalize_phone(entry)
            by_id = [p for p in matches if p.external_id and _norm(p.external_id) == _norm(entry)]
            by_phone = [p for p in matches if phone and p.phone == phone]
            named = [p for p in matches if _norm(p.name) == _norm(entry)]
            person = (by_id or by_phone or [None])[0]
            person = person or (named[0] if len(named) == 1 else None)
            if person is None:
                missing.append(entry[:40])
            elif person.id not in found:
                found.append(person.id)
        audience = Audience("people", ",".join(map(str, sorted(found)))) if found else None
        return audience, missing

    async def resolve(self, audience: Audience) -> Recipients:
        """The active people of an audience and where each is (building code, zone or "")."""
        kind, value = audience.kind, audience.value
        out = Recipients()
        fixed: dict[int, str] = {}
        if kind == "everyone":
            people = await Person.filter(active=True).order_by("id")
        elif kind == "role":
            people = await holders(value).order_by("id")
        elif kind == "people":
            ids = [int(v) for v in value.split(",") if v.strip().isdigit()]
            people = await Person.filter(id__in=ids, active=True).order_by("id")
        elif kind == "dorm":
            assert self.dorms is not None, "validated: dorms available"
            people = await self.dorms.residents_of(value)
            fixed = {p.id: value for p in people}
        else:
            people, fixed = await self._place_people(value)
        # only the recipients' own dorm rows are read, not every resident of every building
        dorm_places = await self.dorms.buildings_of([p.id for p in people]) if self.dorms else {}
        dorm_places.update(fixed)
        for person in people:
            if person.id not in out.places:
                out.people.append(person)
                out.places[person.id] = dorm_places.get(person.id) or (person.zone or "")[:100]
        return out

    async def _place_people(self, value: str) -> tuple[list[Person], dict[int, str]]:
        """People of a building/area (their zone names it; dorm residents of a building) or of
        a zone (their zone, or the zone of the place their zone names; dorm residents there)."""
        if value.startswith(ZONE_PREFIX):
            zone = value[len(ZONE_PREFIX) :]
            codes = [
                p.code for p in await Place.filter(active=True) if p.zone and _norm(p.zone) == zone
            ]
            names = {zone, *(_norm(c) for c in codes)}
            buildings = [c for c in codes if await Place.exists(code=c, kind="building")]
        else:
            names, buildings = {_norm(value)}, [value]
        people = list(await in_zones(names).order_by("id"))
        fixed: dict[int, str] = {}
        if self.dorms is not None:
            for code in buildings:
                residents = await self.dorms.residents_of(code)
                people += residents
                fixed.update({p.id: code for p in residents})
        return people, fixed

    async def place_label(self, code: str, locale: str | None) -> str:
        """A recipient's place for display: the place's name, else the zone text."""
        if not code:
            return ""
        place = await Place.get_or_none(code=code)
        return place.display(locale) if place else code

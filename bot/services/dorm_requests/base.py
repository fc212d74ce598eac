"""Dorm requests, shared part: the request view, loading, and who may see or decide what."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import InvalidState, NotFound, require_role
from bot.services.dorms import ADMIN_ROLES, DormService, Stay, load_stays
from models.dorm_requests import DormRequest
from models.dorms import ACTIVE_STATUSES, DormAssignment, DormBed
from models.people import Person
from models.places import Place


@dataclass
class RequestView:
    """A request with the student's stay (the bed it was filed from) and the places it names."""

    request: DormRequest
    stay: Stay
    pref_building: Place | None = None
    pref_room: Place | None = None
    new_bed: DormBed | None = None
    new_room: Place | None = None
    decided_by: Person | None = None

    @property
    def id(self) -> int:
        """The request number."""
        return self.request.id


class DormRequestBase:
    """Loading requests and the permission rules shared by filing and deciding."""

    def __init__(self, dorms: DormService):
        self.dorms = dorms

    async def view(self, request_id: int) -> RequestView:
        """One request with everything its texts show."""
        request = await DormRequest.get_or_none(id=request_id).prefetch_related(
            "pref_building", "pref_room", "new_bed__room", "decided_by"
        )
        if request is None:
            raise NotFound("dorm_requests.unknown", number=request_id)
        stays = await load_stays(DormAssignment.filter(id=request.assignment_id))
        bed = request.new_bed
        return RequestView(
            request, stays[0], request.pref_building, request.pref_room, bed,
            bed.room if bed is not None else None, request.decided_by,
        )

    async def views(self, requests: list[DormRequest]) -> list[RequestView]:
        """Views of several requests, in the given order."""
        return [await self.view(r.id) for r in requests]

    async def resident_stay(self, person: Person | None) -> Stay:
        """The student's current bed (the newest active assignment); only residents may file."""
        if person is None:
            raise NotFound("dorm_requests.not_resident")
        stays = await load_stays(
            DormAssignment.filter(person_id=person.id, status__in=ACTIVE_STATUSES).order_by("-id")
        )
        if not stays:
            raise NotFound("dorm_requests.not_resident")
        return stays[0]

    async def own(self, person: Person, request_id: int) -> RequestView:
        """The person's own request (anyone else's is "not found")."""
        view = await self.view(request_id)
        if view.request.person_id != person.id:
            raise NotFound("dorm_requests.unknown", number=request_id)
        return view

    async def managed(self, actor: Person | None, request_id: int) -> RequestView:
        """A request of a building the actor manages (dorm admin of it, or manager)."""
        require_role(actor, *ADMIN_ROLES)
        assert actor is not None
        view = await self.view(request_id)
        await self.dorms.require_building(actor, view.stay.building)
        return view

    async def managed_building_ids(self, actor: Person | None) -> set[int] | None:
        """The dorm buildings the actor decides for (None: every building)."""
        return await self.dorms.managed_building_ids(actor)

    async def refuse_decided(self, request_id: int) -> None:
        """Raise the "already decided" answer naming what happened and who decided."""
        view = await self.view(request_id)
        state = view.request.state
        by = view.decided_by.name if view.decided_by else view.stay.person.name
        raise InvalidState(f"dorm_requests.already_{state}", number=request_id, by=by)

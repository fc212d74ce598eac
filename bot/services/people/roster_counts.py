"""Roster counts for managers (`/people`): people on the roster, bound per channel, not yet
bound per department (GROUP BY queries), and the unbound as CSV for reminders."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Subquery
from tortoise.functions import Count

from bot.core.errors import PermissionDenied
from bot.services.csv_format import csv_bytes
from models.people import Identity, Person

UNBOUND_COLUMNS = ("member_id", "name", "department", "building", "room", "phone")


@dataclass
class RosterCounts:
    """The figures /people shows."""

    roster: int = 0  # active people with a roster id
    others: int = 0  # active people without one (self-registered, invited)
    inactive: int = 0
    bound: dict[str, int] = field(default_factory=dict)  # platform -> people bound there
    bound_any: int = 0
    unbound: dict[str, int] = field(default_factory=dict)  # department ("" none) -> people

    @property
    def unbound_total(self) -> int:
        """Active people with no chat bound at all."""
        return sum(self.unbound.values())


def _check(viewer: Person | None) -> None:
    if viewer is None or not viewer.has_role("manager"):
        raise PermissionDenied("people.not_allowed")


def _unbound():
    """Active people with no identity on any channel."""
    return Person.filter(active=True, id__not_in=Subquery(Identity.all().values("person_id")))


class RosterService:
    """Who on the roster can be reached, for managers and administrators only."""

    async def counts(self, viewer: Person | None) -> RosterCounts:
        """The roster's figures (PermissionDenied for anyone but managers and admins)."""
        _check(viewer)
        result = RosterCounts()
        active = await Person.filter(active=True).count()
        result.roster = await Person.filter(active=True, external_id__isnull=False).count()
        result.others = active - result.roster
        result.inactive = await Person.filter(active=False).count()
        per_platform = await (Identity.filter(person__active=True)
                              .annotate(n=Count("person_id", distinct=True))
                              .group_by("platform").values_list("platform", "n"))
        result.bound = dict(sorted(per_platform))
        result.bound_any = active - await _unbound().count()
        per_department = await (_unbound().annotate(n=Count("id")).group_by("department")
                                .values_list("department", "n"))
        result.unbound = {dept or "": n for dept, n in
                          sorted(per_department, key=lambda r: (-r[1], r[0] or ""))}
        return result

    async def unbound_csv(self, viewer: Person | None) -> tuple[bytes, int]:
        """The active people with no chat bound, by department, as CSV bytes; and how many."""
        _check(viewer)
        rows = await _unbound().order_by("department", "external_id", "id").values_list(
            "external_id", "id", "name", "department", "building", "room", "phone")
        data = csv_bytes(UNBOUND_COLUMNS, (
            (member or f"#{pid}", name, dept, building, room, phone)
            for member, pid, name, dept, building, room, phone in rows))
        return data, len(rows)

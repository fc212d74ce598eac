"""Who holds a role, a skill or a zone, through the indexed person_tag table: a look-up on
(kind, value), never a read of every person to filter their JSON lists in Python."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from models.people import Person, PersonTag, normalize_zone


def _tagged(kind: str, values: Iterable[str]) -> Subquery:
    return Subquery(PersonTag.filter(kind=kind, value__in=sorted(set(values)))
                    .values("person_id"))


def holders(*roles: str, admins: bool = True, active: bool = True) -> QuerySet[Person]:
    """People holding any of `roles`; admins too unless `admins` is False (has_role's rule)."""
    wanted = {*roles, "admin"} if admins else set(roles)
    found = Person.filter(id__in=_tagged("role", wanted))
    return found.filter(active=True) if active else found


def with_skill(people: QuerySet[Person], skills: Iterable[str]) -> QuerySet[Person]:
    """`people` narrowed to those with one of `skills`."""
    return people.filter(id__in=_tagged("skill", skills))


def in_zones(zones: Iterable[str], active: bool = True) -> QuerySet[Person]:
    """People whose zone is one of `zones` (compared as normalize_zone does)."""
    found = Person.filter(id__in=_tagged("zone", {normalize_zone(z)[:64] for z in zones}))
    return found.filter(active=True) if active else found

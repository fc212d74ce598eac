"""WeCom members and our people: automatic binding by userid, locale lookup for the adapter,
and the department directory import (`python -m bot wecom sync-users`).

A WeCom userid is assigned by the organisation's administrators and every callback carrying it
is signed and encrypted by WeCom, so a userid that matches an imported person (a `wecom`
identity from the people CSV's wecom_userid column, or a person whose external_id is that
userid) is that person: they are bound on their first message, no invite code needed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from bot.services.people.service import PeopleService, normalize_phone
from models.people import Identity, Person

log = logging.getLogger(__name__)

PLATFORM = "wecom"
# user/list status: 1 active, 2 disabled, 4 not yet activated, 5 left the organisation.
SKIPPED_STATUSES = frozenset({2, 5})


@dataclass
class SyncResult:
    """What a directory import did."""

    created: int = 0
    updated: int = 0
    bound: int = 0
    unchanged: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.bound} newly bound, "
            f"{self.unchanged} unchanged, {self.skipped} skipped (disabled, left or invalid)"
        )


class WeComDirectory:
    """People as WeCom knows them."""

    def __init__(self, people: PeopleService | None = None):
        self.people = people or PeopleService()

    async def bind_known(self, user_id: str) -> Person | None:
        """The person behind a WeCom userid, binding it to the person whose external_id is
        the userid when it is not bound yet; None for a stranger (invite code or register)."""
        ident = await Identity.get_or_none(platform=PLATFORM, user_id=user_id).prefetch_related(
            "person"
        )
        if ident is not None:
            return ident.person
        person = await Person.get_or_none(external_id=user_id, active=True)
        if person is None:
            return None
        if await Identity.exists(person_id=person.id, platform=PLATFORM):
            log.warning("WeCom user %s matches person %s by external id, but that person is "
                        "bound to another WeCom user: not binding", user_id, person.id)
            return None
        await self.people.bind(person, PLATFORM, user_id, user_id)
        log.info("WeCom user %s bound to person %s by external id", user_id, person.id)
        return person

    async def locale_of(self, user_id: str) -> str | None:
        """The saved locale of the person behind a WeCom userid."""
        ident = await Identity.get_or_none(platform=PLATFORM, user_id=user_id).prefetch_related(
            "person"
        )
        return ident.person.locale if ident is not None else None

    async def sync_users(self, users: list[dict[str, Any]],
                         departments: dict[int, str] | None = None) -> SyncResult:
        """Import WeCom members (user/list rows) as people, all or nothing.

        A member already bound keeps their person (name, phone and department refreshed); a
        member whose userid is some person's external_id is bound to that person; anyone else
        becomes a new reporter with external_id = userid. The department is the name (from
        `departments`, department/list) of the member's main department; the phone is their
        mobile when WeCom lets the app read it. Roles, skills and zones are never changed."""
        result = SyncResult()
        async with in_transaction():
            for user in users:
                await self._sync_one(user, result, departments or {})
        return result

    async def _sync_one(self, user: dict[str, Any], result: SyncResult,
                        departments: dict[int, str]) -> None:
        user_id = str(user.get("userid") or "").strip()
        if not user_id or len(user_id) > 64 or _status(user) in SKIPPED_STATUSES:
            result.skipped += 1
            return
        name = " ".join(str(user.get("name") or "").split())[:100] or user_id
        phone = normalize_phone(str(user.get("mobile") or "")) if user.get("mobile") else None
        department = department_of(user, departments)
        ident = await Identity.get_or_none(platform=PLATFORM, user_id=user_id).prefetch_related(
            "person"
        )
        person = ident.person if ident is not None else None
        if person is None:
            person = await Person.get_or_none(external_id=user_id)
        if person is None:
            person = await self.people.create(name, ["reporter"], phone=phone,
                                              external_id=user_id)
            if department:
                person.department = department
                await person.save(update_fields=["department"])
            await self.people.bind(person, PLATFORM, user_id, user_id)
            result.created += 1
            return
        if ident is None:
            if await Identity.exists(person_id=person.id, platform=PLATFORM):
                log.warning("WeCom user %s: person %s (external id) is bound to another WeCom "
                            "user; not binding", user_id, person.id)
                result.skipped += 1
                return
            await self.people.bind(person, PLATFORM, user_id, user_id)
            result.bound += 1
        changed = {"name": name} if name != user_id and name != person.name else {}
        if phone and phone != person.phone:
            changed["phone"] = phone
        if department and department != person.department:
            changed["department"] = department
        if changed:
            for field, value in changed.items():
                setattr(person, field, value)
            await person.save(update_fields=list(changed))
            result.updated += 1
        elif ident is not None:
            result.unchanged += 1


def department_of(user: dict[str, Any], departments: dict[int, str]) -> str | None:
    """The name of a member's main department (else their first), when WeCom gave it."""
    ids = user.get("department") or []
    main = user.get("main_department") or (ids[0] if ids else None)
    try:
        name = departments.get(int(main)) if main is not None else None
    except (TypeError, ValueError):
        return None
    cleaned = " ".join((name or "").split())[:100]  # the roster column's width
    return cleaned or None


def department_names(rows: list[dict[str, Any]]) -> dict[int, str]:
    """Department id -> name from department/list rows (rows without a name left out)."""
    names: dict[int, str] = {}
    for row in rows:
        try:
            if row.get("name"):
                names[int(row["id"])] = str(row["name"])
        except (KeyError, TypeError, ValueError):
            continue
    return names


def _status(user: dict[str, Any]) -> int | None:
    try:
        return int(user.get("status")) if user.get("status") is not None else None
    except (TypeError, ValueError):
        return None

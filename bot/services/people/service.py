"""People: identities, registration, invite codes, roles and language."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, ServiceError
from bot.core.i18n import SUPPORTED
from bot.core.state import STATE_COLUMNS
from bot.db import fetch
from bot.services.people.roles import holders
from models.people import ROLES, Identity, InviteCode, Person

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


def _now() -> datetime:
    return datetime.now(UTC)


def normalize_phone(text: str) -> str | None:
    """Digits of a plausible phone number (7 to 15 digits, optional +), else None."""
    cleaned = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    digits = cleaned.lstrip("+")
    if not digits.isdigit() or not 7 <= len(digits) <= 15 or "+" in digits:
        return None
    return cleaned


_PERSON_COLUMNS = tuple(Person._meta.fields_db_projection.values())
# Every update's look-up, written by hand: the person bound to the account (active only) and the
# chat's conversation row, in one statement (the one-row FROM keeps a row when neither exists).
_CHAT_SQL = (
    "SELECT " + ", ".join(f'p."{c}" AS "{c}"' for c in _PERSON_COLUMNS) + ", "
    + ", ".join(f'c.{c} AS "conv_{c}"' for c in STATE_COLUMNS)
    + " FROM (SELECT 1 AS one) AS o"
    " LEFT JOIN identity i ON i.platform = ? AND i.user_id = ?"
    " LEFT JOIN person p ON p.id = i.person_id AND p.active = ?"
    ' LEFT JOIN conversation_state c ON c."key" = ?'
)


MAX_LOGIN = 64  # a phone, staff or student id typed to sign in


async def find_by_login(login: str) -> Person | None:
    """The active person whose phone, external id or student id is `login`."""
    login = (login or "").strip()[:MAX_LOGIN]
    if not login:
        return None
    phone = normalize_phone(login)
    if phone:
        person = await Person.filter(phone=phone, active=True).order_by("id").first()
        if person is not None:
            return person
    return await Person.get_or_none(external_id=login, active=True)


class PeopleService:
    """Who is who, and how they are reached."""

    def __init__(self, invite_ttl_hours: int = 72):
        self.invite_ttl = timedelta(hours=invite_ttl_hours)

    async def resolve(self, platform: str, user_id: str) -> Person | None:
        """The active person behind a platform account, if bound (resolve_chat's look-up)."""
        person, _ = await self.resolve_chat(platform, user_id, None)
        return person

    async def resolve_chat(
        self, platform: str, user_id: str, conversation_key: str | None
    ) -> tuple[Person | None, dict[str, Any] | None]:
        """What every update needs, in one query: the active person behind the account and the
        chat's conversation row (flow, step, token, data; None when the chat has none, or no
        `conversation_key` is given; see StateStore.from_row)."""
        rows = await fetch(_CHAT_SQL, [platform, user_id, True, conversation_key])
        row = rows[0] if rows else {}
        person = None
        if row.get("id") is not None:
            person = Person._init_from_db(**{c: row[c] for c in _PERSON_COLUMNS})
        conv = {c: row.get(f"conv_{c}") for c in STATE_COLUMNS}
        return person, conv if conv["token"] is not None else None

    async def get(self, person_id: int) -> Person:
        """A person by id."""
        person = await Person.get_or_none(id=person_id)
        if person is None:
            raise NotFound("errors.person_unknown")
        return person

    async def create(
        self,
        name: str,
        roles: list[str],
        *,
        phone: str | None = None,
        locale: str | None = None,
        skills: list[str] | None = None,
        zone: str | None = None,
        external_id: str | None = None,
    ) -> Person:
        """Create a person with validated roles (everyone is at least a reporter)."""
        bad = [r for r in roles if r not in ROLES]
        if bad:
            raise ServiceError("errors.role_unknown", role=", ".join(bad))
        all_roles = sorted({"reporter", *roles})
        return await Person.create(
            name=name.strip()[:100],
            roles=all_roles,
            phone=phone,
            locale=locale,
            skills=skills or [],
            zone=zone,
            external_id=external_id,
        )

    async def bind(self, person: Person, platform: str, user_id: str, chat_id: str) -> Identity:
        """Attach a platform account to a person (moving it if it was bound elsewhere)."""
        ident, _ = await Identity.update_or_create(
            defaults={"person_id": person.id, "chat_id": chat_id},
            platform=platform,
            user_id=user_id,
        )
        return ident

    async def register_reporter(
        self,
        platform: str,
        user_id: str,
        chat_id: str,
        name: str,
        phone: str,
        locale: str | None,
    ) -> Person:
        """Self-registration of an unbound user as a reporter (open reporting)."""
        async with in_transaction():
            person = await self.create(name, ["reporter"], phone=phone, locale=locale)
            await self.bind(person, platform, user_id, chat_id)
        return person

    async def create_invite(self, person: Person) -> str:
        """A fresh one-time code for `person`, valid for the configured time."""
        for _ in range(5):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
            try:
                await InviteCode.create(
                    code=code, person=person, expires_at=_now() + self.invite_ttl
                )
                return code
            except IntegrityError:
                continue
        raise RuntimeError("could not generate a unique invite code")

    async def redeem_invite(self, code: str, platform: str, user_id: str, chat_id: str) -> Person:
        """Bind the sender to the invite's person; the code then cannot be used again."""
        invite = await InviteCode.get_or_none(code=code.strip().upper()).prefetch_related("person")
        if invite is None:
            raise NotFound("start.code_unknown")
        if invite.used_at is not None:
            raise InvalidState("start.code_used")
        if invite.expires_at < _now():
            raise InvalidState("start.code_expired")
        async with in_transaction():
            taken = await InviteCode.filter(id=invite.id, used_at=None).update(used_at=_now())
            if not taken:
                raise InvalidState("start.code_used")
            await self.bind(invite.person, platform, user_id, chat_id)
        return invite.person

    async def set_locale(self, person: Person, locale: str) -> None:
        """Save the person's language choice."""
        if locale not in SUPPORTED:
            raise ServiceError("lang.unknown", choices=", ".join(SUPPORTED))
        person.locale = locale
        await person.save(update_fields=["locale"])

    async def with_role(self, role: str) -> list[Person]:
        """Active people holding `role` (admins included)."""
        return await holders(role).order_by("id")

    async def web_people(self) -> list[dict]:
        """The people reachable through the local web chat, for its person picker."""
        idents = await Identity.filter(platform="web").prefetch_related("person").order_by("id")
        return [
            {
                "person_id": i.person.id,
                "user_id": i.user_id,
                "name": i.person.name,
                "roles": i.person.roles,
                "locale": i.person.locale,
            }
            for i in idents
            if i.person.active
        ]

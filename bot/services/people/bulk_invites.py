"""Bulk invitations (`python -m bot invite --csv FILE.csv --out …`): the file's people are
imported (created or updated by roster id, like `import people`, all or nothing), then each
gets one fresh one-time chat code and one web sign-in link, both valid HOUQIN_INVITE_TTL_HOURS.
A person invited again gets new ones: their earlier unused code and link are revoked (expired),
so only the newest card works."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tortoise.transactions import in_transaction

from bot.services.people.people_csv import BATCH, Progress, import_people
from bot.services.people.service import CODE_ALPHABET, PeopleService
from bot.services.people.web_sessions import token_hash
from models.people import InviteCode, Person
from models.web_auth import SignInLink

CODE_LENGTH = 8


@dataclass
class IssuedInvite:
    """One person's invitation: the chat code and the web sign-in token (shown once)."""

    person: Person
    code: str
    token: str
    expires_at: datetime

    @property
    def member_id(self) -> str:
        """The roster id, or "#<person id>" for someone without one."""
        return self.person.external_id or f"#{self.person.id}"


def _chunks(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _local_id(member_id: str) -> int | None:
    digits = member_id.removeprefix("#")
    return int(digits) if member_id.startswith("#") and digits.isdigit() else None


async def _fresh_codes(count: int) -> list[str]:
    """`count` new codes, unique among themselves and against every stored code."""
    codes: set[str] = set()
    while len(codes) < count:
        batch = {"".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                 for _ in range(count - len(codes))} - codes
        for chunk in _chunks(sorted(batch)):
            batch -= set(await InviteCode.filter(code__in=chunk).values_list("code", flat=True))
        codes |= batch
    return list(codes)


class BulkInvitations:
    """One code and one sign-in link for every person of a CSV file."""

    def __init__(self, people: PeopleService):
        self.people = people

    async def issue(self, path: str | Path, progress: Progress | None = None
                    ) -> list[IssuedInvite]:
        """Import the file's people and invite each of them (in file order); CsvImportError
        (nothing written) when any row is bad."""
        now = datetime.now(UTC)
        expires = now + self.people.invite_ttl
        async with in_transaction():
            result = await import_people(path, self.people, progress=progress)
            members = result.members
            by_member: dict[str, Person] = {}
            plain = [m for m in members if _local_id(m) is None]
            for chunk in _chunks(plain):
                for person in await Person.filter(external_id__in=chunk):
                    by_member[person.external_id or ""] = person
            refs = {_local_id(m): m for m in members if _local_id(m) is not None}
            for chunk in _chunks(list(refs)):
                for person in await Person.filter(id__in=chunk):
                    by_member[refs[person.id]] = person
            persons = [by_member[m] for m in members]
            ids = [p.id for p in persons]
            for chunk in _chunks(ids):  # revoke what earlier runs handed out and is unused
                await InviteCode.filter(person_id__in=chunk, used_at=None,
                                        expires_at__gt=now).update(expires_at=now)
                await SignInLink.filter(person_id__in=chunk, used_at=None,
                                        expires_at__gt=now).update(expires_at=now)
            codes = await _fresh_codes(len(persons))
            tokens = [secrets.token_urlsafe(24) for _ in persons]
            await InviteCode.bulk_create(
                [InviteCode(code=code, person_id=p.id, expires_at=expires, created_at=now)
                 for p, code in zip(persons, codes, strict=True)], batch_size=BATCH)
            await SignInLink.bulk_create(
                [SignInLink(token_hash=token_hash(token), person_id=p.id, expires_at=expires,
                            created_at=now)
                 for p, token in zip(persons, tokens, strict=True)], batch_size=BATCH)
        return [IssuedInvite(p, code, token, expires)
                for p, code, token in zip(persons, codes, tokens, strict=True)]

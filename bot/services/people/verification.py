"""Self-verification: an unbound chat binds itself to its roster entry by id (or phone) + name.

Tries are counted atomically in the database (the shared attempt limiter): at most
`max_failures` per chat account per window, and per member at most `max_failures` distinct
accounts per window, so one anonymous chat can never lock a member out on its own. A try is
recorded before it is checked and given back when it succeeds, so parallel tries cannot
exceed the limits."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.functions import Lower

from bot.core.errors import InvalidState, PermissionDenied, ServiceError
from bot.services.people import attempts
from bot.services.people.service import PeopleService, normalize_phone
from models.audit import AuditLog
from models.dorms import DormVerifyAttempt
from models.people import Identity, Person

ACCOUNT_SCOPE = "verify_account"  # tries by one chat account
PAIR_SCOPE = "verify_pair"  # marks that an account was counted against a member
MEMBER_SCOPE = "verify_member"  # distinct accounts that tried one member (id or phone)
STAFF_ROLES = frozenset({"worker", "storekeeper", "dorm_admin", "manager", "admin"})
MAX_LOGIN = 64
PHONE_CHARS = frozenset("0123456789+-() ")  # a phone number as typed: "+86 138 0013 8000"
# the middle dots of transcribed names (阿卜杜·热合曼): any of them, or none, is the same name
_NAME_DOTS = str.maketrans("", "", "·・•‧∙⋅.")


def _norm_name(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(text.translate(_NAME_DOTS).split())


def same_name(given: str, stored: str) -> bool:
    """Names match ignoring case, width, spaces and middle dots (阿卜杜·热合曼 = 阿卜杜热合曼)."""
    return bool(_norm_name(given)) and _norm_name(given) == _norm_name(stored)


def phone_of(login: str) -> str | None:
    """The phone number `login` is, when it is typed as one ("138 0013 8000", "+86 …"), else
    None: "s2024006" holds digits but is an id."""
    text = (login or "").strip()
    return normalize_phone(text) if text and set(text) <= PHONE_CHARS else None


def walk_in_phone(login: str) -> str | None:
    """A phone that registers a walk-in: a mobile number (11 digits from 1) or one with a
    country code (+…); a bare number of another length is more likely a mistyped id."""
    phone = phone_of(login)
    if phone and (phone.startswith("+") or (len(phone) == 11 and phone.startswith("1"))):
        return phone
    return None


def normalize_login(text: str) -> str:
    """An id or phone as typed, compared loosely: full-width folded, spaces dropped, lower case."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).casefold()[:MAX_LOGIN]


@dataclass(frozen=True)
class Verified:
    """A bound chat: the person, the one it was bound to before (if any), and whether the
    person was registered just now (open reporting) rather than found on the roster."""

    person: Person
    replaced: Person | None = None
    registered: bool = False


class SelfVerification:
    """Id/phone + name verification of chat accounts against the imported people."""

    def __init__(self, people: PeopleService, max_failures: int = 5, window_minutes: int = 60,
                 verify_staff: bool = False):
        self.people = people
        self.max_failures = max_failures
        self.window = timedelta(minutes=window_minutes)
        self.verify_staff = verify_staff

    async def _wait_minutes(self, scope: str, key: str, now: datetime) -> int:
        wait = await attempts.retry_after(scope, key, self.window, now)
        return max(1, math.ceil(wait.total_seconds() / 60))

    async def _admit(self, account: str, member: str, now: datetime) -> None:
        """Record this try against the account and (once per account) the member, both
        atomically, or refuse it when either limit is reached."""
        limit, window = self.max_failures, self.window
        if not await attempts.hit(ACCOUNT_SCOPE, account, limit, window, now):
            raise InvalidState("verify.locked",
                               minutes=await self._wait_minutes(ACCOUNT_SCOPE, account, now))
        if await attempts.hit(PAIR_SCOPE, f"{member}|{account}", 1, window, now):
            allowed = await attempts.hit(MEMBER_SCOPE, member, limit, window, now)
        else:  # this account was counted against the member already: only check its lock
            allowed = not await attempts.blocked(MEMBER_SCOPE, member, limit, window, now)
        if not allowed:
            raise InvalidState("verify.locked",
                               minutes=await self._wait_minutes(MEMBER_SCOPE, member, now))

    async def check_can_verify(self, current: Person | None) -> None:
        """Refuse accounts already bound to a roster person (nothing to verify); an account
        bound to a self-registered reporter may still move to its roster entry."""
        if current is not None and current.external_id:
            raise InvalidState("verify.already", name=current.name)

    async def candidates(self, login: str) -> list[Person]:
        """The active people whose external id (loosely) or phone is `login`."""
        key = normalize_login(login)
        if not key:
            return []
        found = await Person.annotate(ext=Lower("external_id")).filter(
            ext=key, active=True, external_id__not_isnull=True)
        phone = phone_of(login)
        if phone:
            found += await Person.filter(phone=phone, active=True).order_by("id")
        unique = {p.id: p for p in found}
        return list(unique.values())

    @staticmethod
    def member_key(login: str, people: list[Person]) -> str:
        """One counter per member however the login is spelled; per spelling when unknown."""
        return f"p{people[0].id}" if len(people) == 1 else f"x{normalize_login(login)}"

    async def verify(
        self,
        platform: str,
        user_id: str,
        chat_id: str,
        login: str,
        name: str,
        current: Person | None = None,
        locale: str | None = None,
        now: datetime | None = None,
        *,
        open_reporting: bool = False,
    ) -> Verified:
        """Bind this account to the person with this id (or phone) and name. A wrong pair is
        answered with the tries left; too many failures (per account or per member) lock
        further tries for a while. A person bound elsewhere is not taken over, and staff
        are bound only when the deployment allows it (HOUQIN_VERIFY_STAFF). With
        `open_reporting`, an unbound account giving a phone nobody has is registered as a new
        reporter instead (`Verified.registered`)."""
        now = (now or datetime.now(UTC)).astimezone(UTC)
        login = (login or "").strip()[:MAX_LOGIN]
        await self.check_can_verify(current)
        found = await self.candidates(login)
        phone = walk_in_phone(login)
        if (open_reporting and current is None and not found and phone
                and not await Person.filter(phone=phone).exists()):
            # a phone nobody has: a walk-in, registered as a reporter (open reporting)
            person = await self.people.register_reporter(platform, user_id, chat_id, name,
                                                         phone, locale)
            return Verified(person, registered=True)
        account = f"{platform}:{user_id}"
        await self._admit(account, self.member_key(login, found), now)
        person = next((p for p in found if same_name(name, p.name)), None)
        bound = await Identity.filter(person_id=person.id) if person is not None else []
        taken = any((i.platform, i.user_id) != (platform, user_id) for i in bound)
        staff = person is not None and bool(STAFF_ROLES & set(person.roles))
        ok = person is not None and not taken and (self.verify_staff or not staff)
        await DormVerifyAttempt.create(platform=platform, user_id=user_id,
                                       student_id=normalize_login(login), ok=ok, created_at=now)
        if person is None:
            used = await attempts.used(ACCOUNT_SCOPE, account, self.window, now)
            if used >= self.max_failures:
                raise InvalidState("verify.locked",
                                   minutes=await self._wait_minutes(ACCOUNT_SCOPE, account, now))
            raise ServiceError("verify.mismatch", left=self.max_failures - used)
        if taken:
            raise InvalidState("verify.taken")
        if not ok:
            raise PermissionDenied("verify.staff_invite")
        await attempts.clear(ACCOUNT_SCOPE, account)
        await self.people.bind(person, platform, user_id, chat_id)
        if person.locale is None and locale:
            person.locale = locale
            await person.save(update_fields=["locale"])
        await AuditLog.create(actor=person, action="people.verify", target=f"person:{person.id}",
                              detail={"platform": platform,
                                      "replaced": current.id if current else None})
        return Verified(person, current)

    async def unbind(self, person_id: int, platform: str | None = None) -> int:
        """Remove the chat bindings of a person (on one platform, or all): the admin's way to
        let them verify again from a new chat. Returns how many were removed."""
        person = await self.people.get(person_id)
        rows = Identity.filter(person_id=person.id)
        if platform:
            rows = rows.filter(platform=platform)
        removed = await rows.delete()
        await AuditLog.create(actor=None, action="people.unbind", target=f"person:{person.id}",
                              detail={"platform": platform, "removed": removed})
        return removed

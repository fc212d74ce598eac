"""Web sign-in methods: one-time links and codes, passwords (argon2id), open registration.

Codes typed on the sign-in page are the chat invite codes (`InviteCode`, also `/start CODE`):
whichever is used first consumes it. Links are separate `SignInLink` rows (sha256 of the token)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.services.people import attempts
from bot.services.people.service import PeopleService, find_by_login, normalize_phone
from bot.services.people.web_sessions import token_hash
from models.people import Identity, InviteCode, Person
from models.web_auth import SignInLink, WebPassword

LINK_PATH = "/auth/link/"
MIN_PASSWORD = 8
MAX_PASSWORD = 256
MAX_LOGIN_FAILURES = 5
LOGIN_WINDOW = timedelta(minutes=15)
MAX_CODE_TRIES = 10
# a verification against this keeps the time of "unknown account" equal to "wrong password"
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


def _now() -> datetime:
    return datetime.now(UTC)


def web_user_id(person: Person | int) -> str:
    """The web chat user id and chat id of a person ("p<id>"): derived, never client-chosen."""
    return f"p{person if isinstance(person, int) else person.id}"


class WebSignInService:
    """Links, codes, passwords and registration for the web chat."""

    def __init__(self, people: PeopleService, invite_ttl_hours: int = 72):
        self.people = people
        self.ttl = timedelta(hours=invite_ttl_hours)

    async def bind_web(self, person: Person) -> None:
        """Give `person` their web identity so the notifier reaches them in the web chat."""
        user_id = web_user_id(person)
        await self.people.bind(person, "web", user_id, user_id)

    async def create_link(self, person: Person) -> str:
        """A fresh one-time sign-in link token for `person` (path: LINK_PATH + token)."""
        token = secrets.token_urlsafe(24)
        await SignInLink.create(token_hash=token_hash(token), person_id=person.id,
                                expires_at=_now() + self.ttl)
        return token

    async def redeem_link(self, token: str) -> Person:
        """The person of an unused, unexpired link, consuming it (exactly once)."""
        if not token or len(token) > 128:
            raise NotFound("webauth.link_unknown")
        link = await SignInLink.get_or_none(token_hash=token_hash(token)).prefetch_related(
            "person")
        if link is None or not link.person.active:
            raise NotFound("webauth.link_unknown")
        if link.used_at is not None:
            raise InvalidState("webauth.link_used")
        if link.expires_at < _now():
            raise InvalidState("webauth.link_expired")
        taken = await SignInLink.filter(id=link.id, used_at=None).update(used_at=_now())
        if not taken:
            raise InvalidState("webauth.link_used")
        await self.bind_web(link.person)
        return link.person

    async def redeem_code(self, code: str, ip: str | None = None) -> Person:
        """The person of an unused, unexpired invite code typed on the page, consuming it
        (MAX_CODE_TRIES per client IP per LOGIN_WINDOW: codes are short enough to guess)."""
        if not await attempts.hit("web_code_ip", ip or "?", MAX_CODE_TRIES, LOGIN_WINDOW):
            raise PermissionDenied("webauth.too_many")
        code = (code or "").strip().upper()
        if not code or len(code) > 32:
            raise NotFound("webauth.code_unknown")
        invite = await InviteCode.get_or_none(code=code).prefetch_related("person")
        if invite is None or not invite.person.active:
            raise NotFound("webauth.code_unknown")
        if invite.used_at is not None:
            raise InvalidState("webauth.code_used")
        if invite.expires_at < _now():
            raise InvalidState("webauth.code_expired")
        async with in_transaction():
            taken = await InviteCode.filter(id=invite.id, used_at=None).update(used_at=_now())
            if not taken:
                raise InvalidState("webauth.code_used")
            await self.bind_web(invite.person)
        return invite.person

    async def has_password(self, person: Person) -> bool:
        """True when `person` has set a web password."""
        return await WebPassword.filter(person_id=person.id).exists()

    async def set_password(self, person: Person, password: str) -> None:
        """Set (or change) the person's web password."""
        _check_password(password)
        hashed = await asyncio.to_thread(_HASHER.hash, password)
        await WebPassword.update_or_create(
            defaults={"password_hash": hashed, "updated_at": _now()}, person_id=person.id)

    async def login(self, login: str, password: str, ip: str | None) -> Person:
        """The person whose phone, external id or student id and password match. Every try
        counts against the account and the client IP (MAX_LOGIN_FAILURES per LOGIN_WINDOW) while
        it is checked; a success clears the account's count and gives the IP's try back (many
        people sign in from one campus NAT address)."""
        login = (login or "").strip()[:64]
        if not login or not password or len(password) > MAX_PASSWORD:
            raise ServiceError("webauth.login_failed")
        if not await attempts.hit("web_login_ip", ip or "?", MAX_LOGIN_FAILURES, LOGIN_WINDOW):
            raise PermissionDenied("webauth.too_many")
        person = await find_by_login(login)
        # one counter per account however its login is spelled ("139 0000…" = "1390000…")
        account = f"person:{person.id}" if person else f"login:{login.lower()}"
        if not await attempts.hit("web_login", account, MAX_LOGIN_FAILURES, LOGIN_WINDOW):
            raise PermissionDenied("webauth.too_many")
        stored = await WebPassword.get_or_none(person_id=person.id) if person else None
        try:
            await asyncio.to_thread(_HASHER.verify, stored.password_hash if stored else
                                    _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            raise ServiceError("webauth.login_failed") from None
        if person is None or stored is None:
            raise ServiceError("webauth.login_failed")
        await attempts.clear("web_login", account)
        await attempts.refund("web_login_ip", ip or "?")
        await self.bind_web(person)
        return person

    async def register(self, name: str, phone: str, password: str, locale: str | None,
                       *, open_reporting: bool) -> Person:
        """Open registration on the web: a new reporter, only together with a password."""
        if not open_reporting:
            raise PermissionDenied("webauth.register_closed")
        name = " ".join((name or "").split())[:100]
        if not name:
            raise ServiceError("webauth.name_missing")
        number = normalize_phone(phone or "")
        if number is None:
            raise ServiceError("register.bad_phone")
        _check_password(password)
        if await Person.filter(phone=number).exists():
            # an existing person is never handed to whoever types their phone number
            raise InvalidState("webauth.phone_taken")
        hashed = await asyncio.to_thread(_HASHER.hash, password)
        async with in_transaction():
            person = await self.people.create(name, ["reporter"], phone=number, locale=locale)
            await WebPassword.create(person_id=person.id, password_hash=hashed,
                                     updated_at=_now())
            user_id = web_user_id(person)
            await Identity.create(person_id=person.id, platform="web", user_id=user_id,
                                  chat_id=user_id)
        return person


def _check_password(password: str | None) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ServiceError("webauth.password_short", min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise ServiceError("webauth.password_long", max=MAX_PASSWORD)

"""Web chat sessions: opaque random tokens in a cookie, their sha256 in `web_session` rows."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from bot.core.errors import NotFound, require_role
from models.people import Person
from models.web_auth import SESSION_METHODS, WebSession

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often


def token_hash(token: str) -> str:
    """The sha256 hex digest stored in place of a raw token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


class WebSessionService:
    """Start, resolve and end web sessions (idle expiry `days`, sliding). Outside the demo
    (`demo` False) sessions started by the demo picker are not honoured."""

    def __init__(self, days: int = 30, *, demo: bool = False):
        self.idle = timedelta(days=days)
        self.demo = demo

    async def start(
        self, person: Person, *, method: str, ip: str | None, user_agent: str | None
    ) -> str:
        """A new session for `person`; returns the raw token (only its hash is stored)."""
        if method not in SESSION_METHODS:
            raise ValueError(f"unknown sign-in method {method!r}")
        token = secrets.token_urlsafe(32)
        await WebSession.create(
            token_hash=token_hash(token), person_id=person.id, method=method,
            last_seen_at=_now(), ip=(ip or None) and ip[:64],
            user_agent=(user_agent or None) and user_agent[:255],
        )
        return token

    async def _active(self, token: str | None, now: datetime) -> WebSession | None:
        if not token or len(token) > 128:
            return None
        session = await WebSession.get_or_none(
            token_hash=token_hash(token), revoked_at=None
        ).prefetch_related("person")
        if session is None or session.last_seen_at < now - self.idle:
            return None
        if session.method == "demo" and not self.demo:
            return None  # a demo pick never signs anyone in on a production server
        return session

    async def resolve(self, token: str | None, now: datetime | None = None) -> Person | None:
        """The active person of a live session, or None (unknown, revoked, idle, deactivated)."""
        now = now or _now()
        session = await self._active(token, now)
        if session is None or not session.person.active:
            return None
        if session.last_seen_at < now - TOUCH_EVERY:
            await WebSession.filter(id=session.id).update(last_seen_at=now)
        return session.person

    async def end(self, token: str | None) -> None:
        """Sign this browser out (nothing happens for an unknown token)."""
        if token and len(token) <= 128:
            await WebSession.filter(token_hash=token_hash(token), revoked_at=None).update(
                revoked_at=_now())

    async def end_all(self, person: Person) -> int:
        """Sign `person` out everywhere; returns how many sessions ended."""
        return await WebSession.filter(person_id=person.id, revoked_at=None).update(
            revoked_at=_now())

    async def list(self, person: Person | int | None = None) -> list[WebSession]:
        """Live sessions (not revoked, not idle), newest first; of one person when given."""
        query = WebSession.filter(revoked_at=None, last_seen_at__gte=_now() - self.idle)
        if person is not None:
            query = query.filter(person_id=person if isinstance(person, int) else person.id)
        return await query.order_by("-id").prefetch_related("person")

    async def revoke(self, session_id: int) -> WebSession:
        """End one session by its id (NotFound when there is no such session)."""
        session = await WebSession.get_or_none(id=session_id)
        if session is None:
            raise NotFound("sessions.unknown", id=session_id)
        if session.revoked_at is None:
            session.revoked_at = _now()
            await session.save(update_fields=["revoked_at"])
        return session

    async def list_as(self, actor: Person | None, person_id: int | None = None) -> list[WebSession]:
        """Live sessions for an administrator (PermissionDenied for anyone else)."""
        require_role(actor, "admin")
        return await self.list(person_id)

    async def revoke_as(self, actor: Person | None, session_id: int) -> WebSession:
        """End a session as an administrator (PermissionDenied for anyone else)."""
        require_role(actor, "admin")
        return await self.revoke(session_id)

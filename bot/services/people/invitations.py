"""Invitations: a person found (by phone) or created with a role, plus a one-time web sign-in
link and a chat binding code, both valid the invite time. Used by `admin add` and `/invite`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import PermissionDenied, ServiceError
from bot.services.people.service import PeopleService, normalize_phone
from bot.services.people.web_sign_in import LINK_PATH, WebSignInService
from models.people import ROLES, Person

INVITABLE = ("reporter", "worker", "storekeeper", "dorm_admin", "manager", "admin")


@dataclass
class Invitation:
    """What an invitation hands out."""

    person: Person
    created: bool
    link_path: str
    code: str


def public_base(public_url: str | None, http_port: int) -> tuple[str, bool]:
    """The base of sign-in links and whether it is a fallback (HOUQIN_PUBLIC_URL unset)."""
    if public_url:
        return public_url.rstrip("/"), False
    return f"http://127.0.0.1:{http_port}", True


class InvitationService:
    """Who may invite whom, and the invitation itself."""

    def __init__(self, people: PeopleService, sign_in: WebSignInService):
        self.people = people
        self.sign_in = sign_in

    def _check(self, issuer: Person | None, role: str, target: Person | None) -> None:
        if role not in ROLES or role not in INVITABLE:
            raise ServiceError("errors.role_unknown", role=role)
        if issuer is None:
            return  # the command line: whoever runs it administers the server
        if not issuer.has_role("manager"):
            raise PermissionDenied("invite.not_allowed")
        if "admin" in (issuer.roles or []):
            return
        if role == "admin" or (target is not None and "admin" in (target.roles or [])):
            # a manager never gets a way in as an administrator
            raise PermissionDenied("invite.admin_only")

    async def invite(self, issuer: Person | None, name: str, phone: str,
                     role: str = "reporter") -> Invitation:
        """Find (by phone) or create the person, give `role`, and issue a link and a code."""
        if issuer is not None and not issuer.has_role("manager"):
            raise PermissionDenied("invite.not_allowed")
        number = normalize_phone(phone or "")
        if number is None:
            raise ServiceError("register.bad_phone")
        name = " ".join((name or "").split())[:100]
        if not name:
            raise ServiceError("webauth.name_missing")
        target = await Person.filter(phone=number, active=True).order_by("id").first()
        self._check(issuer, role, target)
        created = target is None
        if target is None:
            target = await self.people.create(name, [role], phone=number)
        elif role not in (target.roles or []):
            target.roles = sorted({*target.roles, role})
            await target.save(update_fields=["roles"])
        token = await self.sign_in.create_link(target)
        code = await self.people.create_invite(target)
        return Invitation(target, created, LINK_PATH + token, code)

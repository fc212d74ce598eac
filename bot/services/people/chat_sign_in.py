"""More ways into the web chat: a code sent to the person's bound chat ("sign in with my chat"),
WeCom's OAuth2 member id and the Telegram Login Widget. Each returns the verified person;
the web routes then start the session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from bot.core.errors import NotFound, PermissionDenied, ServiceError
from bot.core.types import Address, Reply
from bot.delivery.notifier import PRIORITY_REPLY, Notifier
from bot.delivery.outbox import Outgoing
from bot.services.people import attempts
from bot.services.people.service import find_by_login
from models.people import Identity, Person
from models.web_auth import ChatSignInCode

CHAT_PLATFORMS = ("telegram", "wecom")  # where a code can be sent (not the web itself)
CODE_TTL = timedelta(minutes=10)
MAX_REQUESTS = 5  # codes sent per account per hour
REQUEST_WINDOW = timedelta(hours=1)
MAX_IP_REQUESTS = 100  # code requests per client IP per hour (any accounts; campus NATs share one)
MAX_WRONG = 5  # wrong codes per account and per client IP per 15 minutes
WRONG_WINDOW = timedelta(minutes=15)
MAX_LOGIN = 64
TELEGRAM_FIELDS = ("id", "first_name", "last_name", "username", "photo_url", "auth_date", "hash")
MAX_TELEGRAM_VALUE = 512


def _now() -> datetime:
    return datetime.now(UTC)


def code_hash(person_id: int, code: str) -> str:
    """What is stored of a code: sha256 over the person and the code (never the code)."""
    return hashlib.sha256(f"{person_id}:{code}".encode()).hexdigest()


async def person_for_identity(platform: str, user_id: str) -> Person | None:
    """The active person bound to a platform account, or None."""
    if not user_id or len(user_id) > 64:
        return None
    identity = await Identity.get_or_none(platform=platform, user_id=user_id).prefetch_related(
        "person")
    if identity is None or not identity.person.active:
        return None
    return identity.person


class ChatSignInService:
    """6-digit web sign-in codes sent to a person's Telegram or WeCom chat."""

    def __init__(self, notifier: Notifier, clock: Callable[[], datetime] = _now):
        self.notifier = notifier
        self.clock = clock

    async def request_code(self, login: str, ip: str | None) -> None:
        """Send a fresh code to the bound chats of the person `login` names. Known and
        unknown accounts are answered alike (returns None; PermissionDenied
        "websignin.too_many_requests" once an account or client asked too often)."""
        login = (login or "").strip()[:MAX_LOGIN]
        if not login:
            raise ServiceError("websignin.login_missing")
        if not await attempts.hit("chat_code_ip", ip or "?", MAX_IP_REQUESTS, REQUEST_WINDOW,
                                  now=self.clock()):
            raise PermissionDenied("websignin.too_many_requests")
        person = await find_by_login(login)
        chats = await Identity.filter(
            person_id=person.id, platform__in=CHAT_PLATFORMS) if person else []
        # keyed by the person when known, by what was typed otherwise: an unknown id meets
        # the limit exactly like a known one, so the limit reveals nothing either
        account = f"p{person.id}" if person else f"x{login.lower()}"
        if not await attempts.hit("chat_code_send", account, MAX_REQUESTS, REQUEST_WINDOW,
                                  now=self.clock()):
            raise PermissionDenied("websignin.too_many_requests")
        if person is None or not chats:
            return
        code = f"{secrets.randbelow(10**6):06d}"
        now = self.clock()
        # a new code replaces the ones sent before
        await ChatSignInCode.filter(person_id=person.id, used_at=None).update(used_at=now)
        await ChatSignInCode.create(person_id=person.id, code_hash=code_hash(person.id, code),
                                    expires_at=now + CODE_TTL)
        text = self.notifier.translator(person.locale, "websignin.chat_code_message", code=code,
                                   minutes=int(CODE_TTL.total_seconds() // 60))
        # queued, not sent inline: the answer takes about as long as for an unknown account
        await self.notifier.enqueue(Outgoing(Address(chat.platform, chat.chat_id), Reply(text=text),
                                        PRIORITY_REPLY) for chat in chats)

    async def verify_code(self, login: str, code: str, ip: str | None) -> Person:
        """The person whose latest code this is, consuming it. Every try counts against the
        account and the client IP (MAX_WRONG per WRONG_WINDOW); a success clears the
        account's count. Wrong, used, expired and unknown all answer "websignin.code_wrong"."""
        login = (login or "").strip()[:MAX_LOGIN]
        code = "".join((code or "")[:32].split())
        if not login or not code:
            raise ServiceError("websignin.code_wrong")
        if not await attempts.hit("chat_code_ip_try", ip or "?", MAX_WRONG, WRONG_WINDOW,
                                  now=self.clock()):
            raise PermissionDenied("websignin.too_many")
        person = await find_by_login(login)
        account = f"p{person.id}" if person else f"x{login.lower()}"
        if not await attempts.hit("chat_code_try", account, MAX_WRONG, WRONG_WINDOW,
                                  now=self.clock()):
            raise PermissionDenied("websignin.too_many")
        if person is None or not code.isdigit() or len(code) != 6:
            raise ServiceError("websignin.code_wrong")
        now = self.clock()
        pending = await ChatSignInCode.filter(
            person_id=person.id, used_at=None, expires_at__gt=now).order_by("-id").first()
        if pending is None or not hmac.compare_digest(pending.code_hash,
                                                      code_hash(person.id, code)):
            raise ServiceError("websignin.code_wrong")
        taken = await ChatSignInCode.filter(id=pending.id, used_at=None).update(used_at=now)
        if not taken:  # a parallel request used it first
            raise ServiceError("websignin.code_wrong")
        await attempts.clear("chat_code_try", account)
        return person


def telegram_check_string(data: Mapping[str, str]) -> str:
    """Telegram's data-check-string: every received field but `hash`, as sorted
    `key=value` lines joined by a newline."""
    return "\n".join(f"{key}={data[key]}" for key in sorted(data) if key != "hash")


def telegram_login_hash(data: Mapping[str, str], bot_token: str) -> str:
    """The hex HMAC-SHA256 of the data-check-string with SHA256(bot token) as the key."""
    secret = hashlib.sha256(bot_token.encode()).digest()
    return hmac.new(secret, telegram_check_string(data).encode(), hashlib.sha256).hexdigest()


def check_telegram_login(data: Mapping[str, str], bot_token: str, now: datetime,
                         max_age: timedelta) -> int:
    """The Telegram user id of genuine, fresh Login Widget data (ServiceError otherwise:
    "websignin.telegram_bad" for missing, oversized or forged data,
    "websignin.telegram_expired" when `auth_date` is older than `max_age`)."""
    if not bot_token:
        raise ServiceError("websignin.telegram_bad")
    fields = {k: v for k, v in data.items() if k in TELEGRAM_FIELDS}
    if (set(fields) != set(data) or not {"id", "auth_date", "hash"} <= set(fields)
            or any(len(v) > MAX_TELEGRAM_VALUE for v in fields.values())):
        raise ServiceError("websignin.telegram_bad")
    given = fields["hash"].lower()
    if not hmac.compare_digest(given.encode(), telegram_login_hash(fields, bot_token).encode()):
        raise ServiceError("websignin.telegram_bad")
    if not fields["auth_date"].isdigit() or not fields["id"].isdigit():
        raise ServiceError("websignin.telegram_bad")
    signed = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
    if signed < now - max_age or signed > now + timedelta(minutes=5):
        raise ServiceError("websignin.telegram_expired")
    return int(fields["id"])


class ExternalSignInService:
    """Sign-in by an identity another platform vouched for (WeCom OAuth, Telegram widget)."""

    def __init__(self, telegram_token: str | None, max_age: timedelta = timedelta(days=1),
                 clock: Callable[[], datetime] = _now):
        self.telegram_token = telegram_token or ""
        self.max_age = max_age
        self.clock = clock

    async def wecom_member(self, user_id: str | None) -> Person:
        """The person bound to a WeCom member (NotFound "websignin.wecom_unknown")."""
        person = await person_for_identity("wecom", user_id or "")
        if person is None:
            raise NotFound("websignin.wecom_unknown")
        return person

    async def telegram_login(self, data: Mapping[str, str]) -> Person:
        """The person bound to the Telegram account of genuine, fresh widget data; each
        signed data set works once (a replayed URL is refused)."""
        telegram_id = check_telegram_login(data, self.telegram_token, self.clock(), self.max_age)
        seconds = int(self.max_age.total_seconds()) + 600
        if not await attempts.hit("telegram_login", data["hash"].lower()[:128], 1,
                                  timedelta(seconds=seconds), now=self.clock()):
            raise ServiceError("websignin.telegram_used")
        person = await person_for_identity("telegram", str(telegram_id))
        if person is None:
            raise NotFound("websignin.telegram_unknown")
        return person

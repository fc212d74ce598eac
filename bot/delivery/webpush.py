"""Web Push on the database side: the VAPID key pair, people's browser subscriptions, and the
notifications mirrored from messages queued for the web chat (one outbox row per subscription,
platform "webpush", so a failed push never resends the chat message)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from bot.core.errors import PermissionDenied
from bot.core.i18n import Translator
from bot.core.types import Address, Reply
from bot.core.webpush import (
    PUSH_SERVICE_HOSTS,
    SubscriptionInfo,
    b64url,
    encode_notification,
    notification,
    validate_subscription,
)
from bot.delivery.outbox import Outgoing, now_utc
from models.people import Identity, Person
from models.webpush import VapidKey, WebPushSubscription

log = logging.getLogger(__name__)

PLATFORM = "webpush"
MIRRORED = ("web",)
URGENT_PRIORITY = 2  # bot.delivery.notifier.PRIORITY_EMERGENCY (emergency alerts)
MAX_PER_PERSON = 10  # browsers per person; the oldest goes when an 11th subscribes
MAX_FAILURES = 20  # failed sends in a row (a few messages' every retry): the browser is gone
CHUNK = 500
KEY_ID = 1


@dataclass(frozen=True)
class VapidPair:
    """The server's VAPID keys: the private key (PEM) and the public key the page subscribes
    with (uncompressed P-256 point, base64url)."""

    private_pem: str
    public_key: str


def public_key_of(vapid: Vapid) -> str:
    """The applicationServerKey of a VAPID key pair."""
    raw = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return b64url(raw)


async def vapid_keys() -> VapidPair:
    """The stored VAPID key pair, generated at first use (two servers starting at once agree
    on the one that was written first)."""
    row = await VapidKey.get_or_none(id=KEY_ID)
    if row is None:
        vapid = Vapid()
        vapid.generate_keys()
        pem = vapid.private_pem().decode()
        try:
            row = await VapidKey.create(id=KEY_ID, private_pem=pem, public_key=public_key_of(vapid))
            log.info("web push: generated the VAPID key pair")
        except IntegrityError:
            row = await VapidKey.get(id=KEY_ID)
    return VapidPair(row.private_pem, row.public_key)


def outbox_key(key: str | None, sub_id: int) -> str | None:
    """The once-only key of a mirrored push, derived from the chat message's key."""
    if key is None:
        return None
    derived = f"{key}:wp{sub_id}"
    if len(derived) <= 128:
        return derived
    return "wp:" + hashlib.sha256(derived.encode()).hexdigest()


class WebPushStore:
    """People's push subscriptions and the pushes mirrored from their web chat messages."""

    def __init__(
        self,
        translator: Translator,
        allowed_hosts: Sequence[str] = PUSH_SERVICE_HOSTS,
        max_per_person: int = MAX_PER_PERSON,
    ):
        self.translator = translator
        self.allowed_hosts = tuple(allowed_hosts)
        self.max_per_person = max_per_person
        self._keys: VapidPair | None = None

    # --- keys ----------------------------------------------------------------------------------

    async def keys(self) -> VapidPair:
        """The VAPID key pair (read once, then kept in memory)."""
        if self._keys is None:
            self._keys = await vapid_keys()
        return self._keys

    async def public_key(self) -> str:
        """The applicationServerKey the page subscribes with."""
        return (await self.keys()).public_key

    async def private_pem(self) -> str:
        """The VAPID private key the push adapter signs with."""
        return (await self.keys()).private_pem

    # --- subscriptions -------------------------------------------------------------------------

    async def subscribe(self, person_id: int, data: object) -> int:
        """Store (or refresh) a browser's subscription for an active person; BadSubscription
        when it is not valid, PermissionDenied for an unknown or inactive person. A browser's
        endpoint is its own secret: subscribing it again moves it to whoever is signed in."""
        info: SubscriptionInfo = validate_subscription(data, self.allowed_hosts)
        person = await Person.get_or_none(id=person_id)
        if person is None or not person.active:
            raise PermissionDenied()
        row = await WebPushSubscription.get_or_none(endpoint=info.endpoint)
        if row is None:
            try:
                row = await WebPushSubscription.create(
                    person_id=person_id, endpoint=info.endpoint, p256dh=info.p256dh,
                    auth=info.auth,
                )
            except IntegrityError:  # the same browser posted twice at once
                row = await WebPushSubscription.get(endpoint=info.endpoint)
        await WebPushSubscription.filter(id=row.id).update(
            person_id=person_id, p256dh=info.p256dh, auth=info.auth, failures=0
        )
        await self._trim(person_id)
        return row.id

    async def _trim(self, person_id: int) -> None:
        ids = await WebPushSubscription.filter(person_id=person_id).order_by("-id").values_list(
            "id", flat=True
        )
        if len(ids) > self.max_per_person:
            await WebPushSubscription.filter(id__in=list(ids[self.max_per_person :])).delete()

    async def unsubscribe(self, person_id: int, endpoint: object) -> bool:
        """Forget one of the person's own subscriptions; False when there was none."""
        if not isinstance(endpoint, str) or not endpoint:
            return False
        deleted = await WebPushSubscription.filter(person_id=person_id, endpoint=endpoint).delete()
        return bool(deleted)

    # --- delivery callbacks (the push adapter's) ------------------------------------------------

    async def target(self, chat_id: str) -> dict | None:
        """The pywebpush subscription_info of an outbox row's subscription (None: removed)."""
        row = await WebPushSubscription.get_or_none(id=_sub_id(chat_id))
        if row is None:
            return None
        return SubscriptionInfo(row.endpoint, row.p256dh, row.auth).as_pywebpush()

    async def gone(self, chat_id: str) -> None:
        """The push service said the subscription is gone (404/410): delete it."""
        await WebPushSubscription.filter(id=_sub_id(chat_id)).delete()

    async def delivered(self, chat_id: str) -> None:
        """A push was accepted: remember when, reset the failure count."""
        await WebPushSubscription.filter(id=_sub_id(chat_id)).update(
            last_ok_at=now_utc(), failures=0
        )

    async def failed(self, chat_id: str) -> None:
        """A push failed in a way worth retrying: count it; a subscription that failed
        MAX_FAILURES times in a row (no success between) is given up."""
        sub_id = _sub_id(chat_id)
        await WebPushSubscription.filter(id=sub_id).update(failures=F("failures") + 1)
        await WebPushSubscription.filter(id=sub_id, failures__gte=MAX_FAILURES).delete()

    # --- mirroring -----------------------------------------------------------------------------

    async def mirror(self, items: Sequence[Outgoing]) -> list[Outgoing]:
        """One push row per subscription of the person behind each web chat message (edits of
        a message shown in the open page are not news and are not pushed)."""
        web = [
            i for i in items
            if i.address.platform in MIRRORED and i.reply.text and not i.reply.edit_message_id
        ]
        out: list[Outgoing] = []
        for start in range(0, len(web), CHUNK):
            chunk = web[start : start + CHUNK]
            chats = list({i.address.chat_id for i in chunk})
            idents = await Identity.filter(platform="web", chat_id__in=chats).values(
                "chat_id", "person_id"
            )
            person_of = {row["chat_id"]: row["person_id"] for row in idents}
            if not person_of:
                continue
            people = list(set(person_of.values()))
            subs: dict[int, list[int]] = {}
            for row in await WebPushSubscription.filter(person_id__in=people).order_by(
                "id"
            ).values("id", "person_id"):
                subs.setdefault(row["person_id"], []).append(row["id"])
            if not subs:
                continue
            locales = dict(
                await Person.filter(id__in=list(subs)).values_list("id", "locale")
            )
            for item in chunk:
                person_id = person_of.get(item.address.chat_id)
                for sub_id in subs.get(person_id, []) if person_id is not None else []:
                    out.append(self._push_of(item, sub_id, locales.get(person_id)))
        return out

    def _push_of(self, item: Outgoing, sub_id: int, locale: str | None) -> Outgoing:
        urgent = item.priority == URGENT_PRIORITY
        title = self.translator(locale, "webpush.title")
        note = notification(title, item.reply.text, urgent=urgent)
        return Outgoing(
            Address(PLATFORM, str(sub_id)),
            Reply(text=encode_notification(note)),
            item.priority,
            outbox_key(item.idempotency_key, sub_id),
        )


def _sub_id(chat_id: str) -> int:
    try:
        return int(chat_id)
    except ValueError:
        return -1

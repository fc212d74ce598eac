"""Web Push, the parts every side shares: what a valid browser subscription is, and the
notification a pushed message becomes (the JSON the service worker shows)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from bot.core.errors import ServiceError

MAX_ENDPOINT_CHARS = 1024
BODY_MAX_CHARS = 120
TAG_URGENT = "houqin-alert"
TAG_DEFAULT = "houqin"
# the browsers' push services; an endpoint elsewhere is refused, so a subscription cannot make
# the server POST to an address of the attacker's choosing (HOUQIN_WEBPUSH_HOSTS adds more)
PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)


class BadSubscription(ServiceError):
    """The browser's push subscription is not one we can send to."""

    def __init__(self, key: str = "webpush.bad_subscription", **fields: Any):
        super().__init__(key, **fields)


@dataclass(frozen=True)
class SubscriptionInfo:
    """A validated push subscription: the endpoint and the browser's two keys (base64url)."""

    endpoint: str
    p256dh: str
    auth: str

    def as_pywebpush(self) -> dict[str, Any]:
        """The `subscription_info` shape pywebpush takes."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; ValueError when it is not base64url."""
    if not isinstance(text, str) or not text or any(c in text for c in "+/ \n"):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """True when `host` is one of `allowed` or a subdomain of one ("*" allows any host)."""
    host = host.lower().rstrip(".")
    return any(a == "*" or host == a or host.endswith("." + a) for a in allowed)


def validate_subscription(
    data: Any, allowed_hosts: tuple[str, ...] = PUSH_SERVICE_HOSTS
) -> SubscriptionInfo:
    """The subscription a page posted (PushSubscription.toJSON()), checked: an https endpoint
    of a known push service, a P-256 public key (65 bytes) and a 16-byte auth secret."""
    if not isinstance(data, dict):
        raise BadSubscription()
    endpoint, keys = data.get("endpoint"), data.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise BadSubscription()
    if len(endpoint) > MAX_ENDPOINT_CHARS:
        raise BadSubscription()
    try:
        url = urlsplit(endpoint)
        port = url.port
    except ValueError as exc:
        raise BadSubscription() from exc
    host = url.hostname or ""
    if url.scheme != "https" or not host or url.username or url.password or port == 0:
        raise BadSubscription("webpush.bad_endpoint")
    if not host_allowed(host, allowed_hosts):
        raise BadSubscription("webpush.unknown_push_service")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    try:
        point, secret = b64url_decode(p256dh), b64url_decode(auth)
        if len(point) != 65 or len(secret) != 16:
            raise ValueError("wrong key length")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, TypeError) as exc:
        raise BadSubscription("webpush.bad_keys") from exc
    return SubscriptionInfo(endpoint, b64url(point), b64url(secret))


def summary(text: str, limit: int = BODY_MAX_CHARS) -> str:
    """The first line(s) of a message, at most `limit` characters (cut with an ellipsis)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    body = ""
    for line in lines:
        joined = f"{body}\n{line}" if body else line
        if len(joined) > limit:
            if not body:
                body = line[: limit - 1].rstrip() + "…"
            break
        body = joined
    return body


def notification(title: str, text: str, *, urgent: bool, url: str = "/") -> dict[str, Any]:
    """What the service worker shows: urgent ones (emergency alerts) stay until acted on and
    carry their own tag, so an ordinary message never replaces them."""
    return {
        "title": title,
        "body": summary(text),
        "tag": TAG_URGENT if urgent else TAG_DEFAULT,
        "requireInteraction": urgent,
        "url": url,
    }


def encode_notification(note: dict[str, Any]) -> str:
    """The push payload (compact JSON, the page's service worker parses it)."""
    return json.dumps(note, ensure_ascii=False, separators=(",", ":"))

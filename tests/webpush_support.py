"""Test world for Web Push: a fake push service on https://127.0.0.1 (its own self-signed
certificate), browser-side subscription keys, and the checks a real push service and browser
make (VAPID JWT, aes128gcm decryption)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import http_ece
from aiohttp import web
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID
from multidict import CIMultiDict


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def tls_pair(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: the server's context and a client context
    that trusts exactly that certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake push service")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_file, key_file = tmp_path / "push-cert.pem", tmp_path / "push-key.pem"
    cert_file.write_bytes(cert_pem)
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return server, client


@dataclass
class BrowserKeys:
    """What a browser keeps for one subscription: its ECDH key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        """The public key as PushSubscription.toJSON() gives it."""
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    def subscription(self, endpoint: str) -> dict:
        """The JSON a page posts."""
        return {"endpoint": endpoint, "expirationTime": None,
                "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        """The notification a push carried (aes128gcm, as the browser decrypts it)."""
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth,
                                 version="aes128gcm")
        return json.loads(plain)


@dataclass
class PushRequest:
    """One request the fake push service received."""

    path: str
    headers: CIMultiDict[str]
    body: bytes


class FakePushService:
    """A push service on https://127.0.0.1: records requests, answers with queued statuses
    (201 when none is queued)."""

    def __init__(self, server_ssl: ssl.SSLContext):
        self.server_ssl = server_ssl
        self.requests: list[PushRequest] = []
        self.statuses: list[int] = []
        self.arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.origin = ""

    async def start(self) -> None:
        """Listen on a free port."""
        app = web.Application()
        app.router.add_post("/push/{token}", self._push)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.server_ssl)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.origin = f"https://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    def endpoint(self, token: str) -> str:
        """A subscription endpoint at this service."""
        return f"{self.origin}/push/{token}"

    async def _push(self, request: web.Request) -> web.Response:
        body = await request.read()
        async with self.arrived:
            self.requests.append(PushRequest(request.path, CIMultiDict(request.headers), body))
            self.arrived.notify_all()
        status = self.statuses.pop(0) if self.statuses else 201
        return web.Response(status=status, text="gone" if status in (404, 410) else "")

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[PushRequest]:
        """The requests, once at least `count` arrived."""
        async with self.arrived:
            await asyncio.wait_for(
                self.arrived.wait_for(lambda: len(self.requests) >= count), timeout
            )
        return list(self.requests)


def verify_vapid(request: PushRequest, public_key: str, origin: str) -> dict:
    """Check the request's VAPID authorization the way a push service does (RFC 8292): the
    key is ours, the JWT is ES256-signed by it, `aud` is the service's origin, `exp` is in the
    future (at most 24 h); returns the JWT's claims."""
    scheme, _, params = request.headers["Authorization"].partition(" ")
    assert scheme.lower() == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == public_key
    head, payload, signature = fields["t"].split(".")
    header = json.loads(unb64url(head))
    assert header["alg"] == "ES256"
    raw = unb64url(signature)
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    try:
        key.verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:  # pragma: no cover - the assertion message is the point
        raise AssertionError("VAPID JWT signature does not verify") from exc
    claims = json.loads(unb64url(payload))
    assert claims["aud"] == origin
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"]
    return claims

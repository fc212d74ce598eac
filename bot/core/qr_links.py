"""QR payloads: the `/start` parameter of a place (`p_<code>`) or an asset (`a_<code>`), and the
link a label carries for Telegram, WeCom or the web chat.

Telegram allows only A-Z, a-z, 0-9, `_` and `-` (64 at most) in a start parameter, so any other
character of a code is written as `_XX` (the hex of each UTF-8 byte): `3-402` stays `p_3-402`,
`AC_01` becomes `a_AC_5F01`. Invite codes never contain `_`, so the two cannot collide."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from bot.config import Settings

PREFIXES = {"place": "p_", "asset": "a_"}
MAX_PARAM = 64
_PLAIN = set(string.ascii_letters + string.digits + "-")
_ESCAPE = re.compile(r"_([0-9A-Fa-f]{2})")
LINK_TARGETS = ("telegram", "wecom", "web")
SCAN_PATH = "/wecom/scan"
# a one-time invite code (bot.services.people: 8 of A-Z and 2-9 without O and I)
INVITE_CODE = re.compile(r"[A-HJ-NP-Z2-9]{8}")


class PayloadTooLong(ValueError):
    """The code does not fit Telegram's 64-character start parameter."""


@dataclass(frozen=True)
class ScanParam:
    """A decoded start parameter: what was scanned (place or asset) and its code."""

    kind: str
    code: str


def encode_param(kind: str, code: str) -> str:
    """The start parameter for a place or asset code."""
    body = "".join(ch if ch in _PLAIN else "".join(f"_{b:02X}" for b in ch.encode())
                   for ch in code)
    param = PREFIXES[kind] + body
    if len(param) > MAX_PARAM:
        raise PayloadTooLong(f"{kind} code {code!r} is too long for a QR start link "
                             f"({len(param)} > {MAX_PARAM} characters once encoded)")
    return param


def decode_param(param: str) -> ScanParam | None:
    """The place/asset a start parameter names; None when it is not a QR parameter (e.g. an
    invite code) or is malformed."""
    for kind, prefix in PREFIXES.items():
        if param.lower().startswith(prefix) and len(param) > len(prefix):
            body = param[len(prefix):]
            if any(ch not in _PLAIN and ch != "_" for ch in body):
                return None
            raw = _ESCAPE.sub(lambda m: "\x00" + m.group(1), body)
            if "_" in raw:
                return None
            try:
                code = _unescape(raw)
            except UnicodeDecodeError:
                return None
            return ScanParam(kind, code) if code.strip() else None
    return None


def _unescape(raw: str) -> str:
    out = bytearray()
    parts = raw.split("\x00")
    out += parts[0].encode()
    for part in parts[1:]:
        out.append(int(part[:2], 16))
        out += part[2:].encode()
    return out.decode()


def is_invite_code(text: str) -> bool:
    """True when `text` has the shape of an invite code (a WeCom invitation link's state)."""
    return INVITE_CODE.fullmatch(text or "") is not None


def is_scan_param(args: list[str]) -> bool:
    """True when `/start` arguments carry a QR parameter rather than an invite code."""
    return bool(args) and decode_param(args[0]) is not None


def web_base(settings: Settings) -> str:
    """The public base URL of the bot's HTTP server (HOUQIN_PUBLIC_URL, else host:port)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    return f"http://{settings.http_host}:{settings.http_port}"


def default_target(settings: Settings) -> str:
    """Telegram when its bot username is known, else WeCom when configured, else the web chat."""
    if settings.telegram_bot_username:
        return "telegram"
    if settings.wecom_enabled and settings.wecom_corp_id and settings.public_url:
        return "wecom"
    return "web"


def scan_url(settings: Settings, param: str, target: str | None = None) -> str:
    """The link a label's QR code carries for `param`.

    telegram: https://t.me/<bot>?start=<param>
    wecom: WeCom's OAuth2 authorize URL; WeCom opens it inside the app, identifies the member
           (snsapi_base, no prompt) and sends them to <public url>/wecom/scan with state=<param>;
           that page starts the report in the member's chat with the app.
    web: <public url>/?start=<param> (the web chat sends it as `/start <param>`).
    """
    target = target or default_target(settings)
    if target == "telegram":
        if not settings.telegram_bot_username:
            raise ValueError("set HOUQIN_TELEGRAM_BOT_USERNAME for Telegram links")
        return f"https://t.me/{settings.telegram_bot_username.lstrip('@')}?start={param}"
    if target == "wecom":
        if not settings.wecom_corp_id:
            raise ValueError("set the HOUQIN_WECOM_* settings for WeCom links")
        query = urlencode({
            "appid": settings.wecom_corp_id,
            "redirect_uri": web_base(settings) + SCAN_PATH,
            "response_type": "code", "scope": "snsapi_base", "state": param,
            "agentid": settings.wecom_agent_id or "",
        }, quote_via=quote)
        return f"https://open.weixin.qq.com/connect/oauth2/authorize?{query}#wechat_redirect"
    if target == "web":
        return f"{web_base(settings)}/?start={param}"
    raise ValueError(f"unknown link target {target!r}; choose from {', '.join(LINK_TARGETS)}")

"""What the web chat serves besides its JSON API: the page, its assets, uploads, UI strings."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from aiohttp import web

from bot.adapters.web.store import Upload
from bot.core.i18n import SUPPORTED, Translator, normalize_locale

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"app.js": "text/javascript", "style.css": "text/css",
                "signin_methods.js": "text/javascript"}
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def page_response() -> web.Response:
    """The chat page (read on each request, so edits show up without a restart)."""
    return web.Response(
        body=(STATIC_DIR / "index.html").read_bytes(),
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": PAGE_CSP,
                 "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"},
    )


def static_response(name: str) -> web.Response:
    """One of the page's allow-listed assets; 404 for anything else."""
    if name not in STATIC_FILES:
        raise web.HTTPNotFound()
    return web.Response(
        body=(STATIC_DIR / name).read_bytes(),
        content_type=STATIC_FILES[name],
        charset="utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def upload_response(upload: Upload) -> web.Response:
    """A user's own upload, shown inline only when it is an image and never as a live page."""
    disposition = "inline" if upload.mime.startswith("image/") else "attachment"
    return web.Response(
        body=upload.data,
        content_type=upload.mime,
        headers={
            "Content-Disposition": disposition,
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )


def ui_strings(translator: Translator, hint: str | None) -> tuple[str, dict[str, str]]:
    """The page locale for a hint and every `webchat.*` text in it (default locale filling gaps)."""
    locale = normalize_locale(hint) or translator.default
    if locale not in SUPPORTED:
        locale = translator.default
    merged = {**translator.catalogues[translator.default], **translator.catalogues[locale]}
    prefix = "webchat."
    return locale, {k.removeprefix(prefix): v for k, v in merged.items() if k.startswith(prefix)}


def is_loopback(host: str) -> bool:
    """True when `host` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

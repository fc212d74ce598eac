"""What the HTTP APIs for other systems share: bearer-token checks and JSON error answers."""

from __future__ import annotations

import hmac

from aiohttp import web


def error(status: int, reason: str, **headers: str) -> web.Response:
    """A JSON error answer: {"ok": false, "error": reason}."""
    return web.json_response({"ok": False, "error": reason}, status=status, headers=headers)


def bearer_refusal(request: web.Request, token: str | None, api: str,
                   setting: str) -> str | None:
    """None when the request carries `Authorization: Bearer <token>`, else why not (the `api`
    is off while its token `setting` is unset)."""
    if not token:
        return f"the {api} API is disabled: {setting} is not set"
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return "missing bearer token (Authorization: Bearer <token>)"
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return "invalid token"
    return None


def unauthorized(reason: str) -> web.Response:
    """The 401 answer, with the challenge header."""
    return error(401, reason, **{"WWW-Authenticate": 'Bearer realm="houqin"'})

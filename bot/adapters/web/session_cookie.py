"""The web session cookie: one opaque token, HttpOnly, SameSite=Lax, Secure behind https."""

from __future__ import annotations

from aiohttp import web

COOKIE_NAME = "houqin_session"
MAX_TOKEN_CHARS = 128


def set_session_cookie(
    response: web.StreamResponse, token: str, *, secure: bool, max_age_days: int
) -> None:
    """Put the session token on `response` (renewed for `max_age_days`)."""
    response.set_cookie(
        COOKIE_NAME, token, max_age=max_age_days * 86400, path="/", httponly=True,
        secure=secure, samesite="Lax",
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    """Remove the session cookie from the browser."""
    response.del_cookie(COOKIE_NAME, path="/")


def read_session_token(request: web.Request) -> str | None:
    """The raw session token the browser sent, or None (missing or implausible)."""
    token = request.cookies.get(COOKIE_NAME)
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return token

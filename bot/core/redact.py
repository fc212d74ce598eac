"""Keeping personal data and secrets out of the logs: a masked form for values that must be
referred to, and library loggers that would print SQL parameters, API payloads (message texts,
phone numbers, codes) or tokens in URLs held above DEBUG."""

from __future__ import annotations

import logging

# Library loggers that print request/response bodies, SQL parameters or URLs with tokens at
# DEBUG (httpx: INFO): they stay at the level given here even when the root logger is at DEBUG.
QUIET_LOGGERS: dict[str, int] = {
    "tortoise": logging.INFO,  # "<sql>: [values]" for every query
    "aiosqlite": logging.INFO,  # the partial of every call, SQL parameters included
    "asyncpg": logging.INFO,
    "telegram": logging.INFO,  # Bot API calls with their parameters and returned updates
    "httpx": logging.WARNING,  # "HTTP Request: POST https://…/bot<TOKEN>/…" at INFO
    "httpcore": logging.INFO,
    "wechatpy": logging.INFO,
    "apscheduler.executors.default": logging.WARNING,
}


def quiet_libraries() -> None:
    """Hold the chatty library loggers at their QUIET_LOGGERS level (never lower)."""
    for name, level in QUIET_LOGGERS.items():
        logger = logging.getLogger(name)
        if logger.level < level:
            logger.setLevel(level)


def mask(value: object, keep: int = 2) -> str:
    """A loggable stand-in for a secret or personal value: its length and last `keep` chars."""
    text = "" if value is None else str(value)
    if len(text) <= keep * 3:
        return f"<{len(text)} chars>"
    return f"…{text[-keep:]} <{len(text)} chars>"

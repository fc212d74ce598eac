"""Keeping personal data and secrets out of the logs: a masked form for values that must be
referred to, and library loggers that would print SQL parameters, API payloads (message texts,
phone numbers, codes) or tokens in URLs held above DEBUG."""

from __future__ import annotations

import logging
import re

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


# PostgreSQL puts the offending value into unique-violation errors: "DETAIL:  Key (phone)=(…)"
_KEY_DETAIL = re.compile(r"(Key \(([^)]*)\)=\()(.*?)(\) (?:already exists|is not present))")


_QUERY = re.compile(r"\?[^\s'\"<>]*")


def without_query(text: str) -> str:
    """`text` with the query part of any URL in it dropped (tokens, secrets and codes
    travel there: `?access_token=…`, `?corpsecret=…`)."""
    return _QUERY.sub("?…", text)


def scrub(text: str) -> str:
    """`text` with the values of database constraint details masked."""
    return _KEY_DETAIL.sub(lambda m: f"{m.group(1)}{mask(m.group(3))}{m.group(4)}", text)


class ScrubFilter(logging.Filter):
    """A handler filter: tracebacks and messages lose the values database errors quote."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask quoted values in the record's message and traceback; never drops a record."""
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def scrub_handlers(logger: logging.Logger | None = None) -> None:
    """Put a ScrubFilter on every handler of `logger` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, ScrubFilter) for f in handler.filters):
            handler.addFilter(ScrubFilter())

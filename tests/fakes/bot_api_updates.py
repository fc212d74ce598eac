"""Bot API JSON builders and request parsing shared by the fake Telegram server."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from typing import Any

# Parameters Telegram documents as strings: never JSON-decode them (a text "123" stays "123").
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "url",
        "secret_token",
        "callback_query_id",
        "file_id",
        "parse_mode",
        "language_code",
        "action",
        "description",
        "short_description",
        "name",
        "photo",
        "document",
        "inline_message_id",
        "certificate",
        "ip_address",
    }
)

DEFAULT_ERRORS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """A Bot API failure answered as {"ok": false, ...} with the same HTTP status."""

    def __init__(self, code: int, description: str, retry_after: float | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": max(1, math.ceil(self.retry_after))}
        return body


def make_error(code: int, retry_after: float = 1, description: str | None = None) -> ApiError:
    """Build the ApiError `fail_next` injects, with Telegram's usual wording."""
    if code == 429:
        seconds = max(1, math.ceil(retry_after))
        return ApiError(code, description or f"Too Many Requests: retry after {seconds}", seconds)
    return ApiError(code, description or DEFAULT_ERRORS.get(code, f"Error {code}"))


def decode_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Turn form/multipart values into Python values the way Telegram reads them."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key not in STRING_PARAMS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        else:
            params[key] = value
    return params


def now() -> int:
    """Unix time as Telegram stamps messages."""
    return int(time.time())


def user_dict(user_id: int, first_name: str = "Test", language_code: str | None = None) -> dict:
    """A Telegram User object for a human."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def chat_dict(chat_id: int | str, user: dict | None = None) -> dict:
    """A Chat object: private when it is the user's own chat, else a group."""
    if user is not None and chat_id == user["id"]:
        return {"id": chat_id, "type": "private", "first_name": user["first_name"]}
    if isinstance(chat_id, int) and chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Chat"}
    return {"id": chat_id, "type": "group", "title": "Test group"}


def command_entities(text: str | None) -> list[dict]:
    """The bot_command entity Telegram adds when a text starts with /command."""
    if not text or not text.startswith("/") or len(text) < 2:
        return []
    length = len(text.split()[0])
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(text[:length])}]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def photo_sizes(entries: list[tuple[str, str, int]], dims: list[tuple[int, int]]) -> list[dict]:
    """PhotoSize objects (ascending) from (file_id, file_unique_id, size) and (w, h) pairs."""
    return [
        {"file_id": fid, "file_unique_id": uid, "file_size": size, "width": w, "height": h}
        for (fid, uid, size), (w, h) in zip(entries, dims, strict=True)
    ]


PHOTO_DIMS = [(90, 68), (320, 240), (1280, 960)]


def inline_markup(markup: Any) -> dict | None:
    """The reply_markup Telegram echoes in a Message (inline keyboards only)."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


def validate_markup(markup: Any) -> None:
    """Reject keyboards Telegram would reject (callback_data must be 1-64 bytes)."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )


def validate_text(text: Any, limit: int = 4096, caption: bool = False) -> None:
    """Reject empty or over-long texts the way Telegram does."""
    if caption:
        if text is not None and utf16_len(str(text)) > limit:
            raise ApiError(400, "Bad Request: message caption is too long")
        return
    if text is None or not str(text).strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(str(text)) > limit:
        raise ApiError(400, "Bad Request: message is too long")


def update_kind(update: Mapping[str, Any]) -> str | None:
    """The update type ("message", "callback_query", ...) of an update dict."""
    return next((key for key in update if key != "update_id"), None)


def as_chat_id(value: Any) -> int | str:
    """A chat_id parameter as Telegram would resolve it (numeric ids become int)."""
    if isinstance(value, int):
        return value
    text = str(value)
    try:
        return int(text)
    except ValueError:
        return text

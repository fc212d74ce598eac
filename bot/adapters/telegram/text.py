"""Telegram text sizes: lengths in UTF-16 units (as the Bot API counts them), long texts cut into
messages, and the pieces sent in order with the buttons on the last one."""

from __future__ import annotations

from typing import Any

from telegram import Bot, InlineKeyboardMarkup

from bot.adapters.telegram.transport import call

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
Markup = InlineKeyboardMarkup | None
Keyboard = dict[str, Any] | None  # an inline keyboard as the Bot API takes it


def keyboard_of(markup: Markup) -> Keyboard:
    """A PTB markup as the Bot API's JSON."""
    return markup.to_dict() if markup is not None else None


async def send_chunks(bot: Bot, chat_id: int | str, chunks: list[str], keyboard: Keyboard) -> None:
    """Send texts in order, the buttons on the last one."""
    for index, chunk in enumerate(chunks):
        values: dict[str, Any] = {"chat_id": chat_id, "text": chunk}
        if keyboard is not None and index == len(chunks) - 1:
            values["reply_markup"] = keyboard
        await call(bot, "sendMessage", values)


def utf16_len(text: str) -> int:
    """The text's length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a text into pieces of at most `limit` UTF-16 units, preferring line then word breaks."""
    chunks: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _fit(rest, limit)
        for separator in ("\n", " "):
            position = rest.rfind(separator, 0, cut)
            if position > cut // 2:
                chunks.append(rest[:position])
                rest = rest[position + 1 :]
                break
        else:
            chunks.append(rest[:cut])
            rest = rest[cut:]
    chunks.append(rest)
    return [chunk for chunk in chunks if chunk.strip()] or [text]


def _fit(text: str, limit: int) -> int:
    """How many leading characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)

"""Telegram text sizes: lengths in UTF-16 units (as the Bot API counts them), long texts cut into
messages, and the pieces sent in order with the buttons on the last one."""

from __future__ import annotations

from telegram import Bot, InlineKeyboardMarkup

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
Markup = InlineKeyboardMarkup | None


async def send_chunks(bot: Bot, chat_id: int | str, chunks: list[str], markup: Markup) -> None:
    """Send texts in order, the buttons on the last one."""
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await bot.send_message(chat_id, chunk, reply_markup=markup if last else None)


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

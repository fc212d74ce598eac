"""Reply -> WeCom message bodies: text / markdown / textcard, template cards for buttons, and
numbered text ("回复 1/2/3") wherever a card cannot carry the buttons."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.core.i18n import Translator
from bot.core.types import Button, Reply

TEXT_LIMIT = 2048  # bytes of text/markdown content WeCom keeps (the rest is cut off)
TEXTCARD_TITLE_LIMIT = 128  # bytes
TEXTCARD_DESCRIPTION_LIMIT = 512  # bytes
CARD_BUTTONS = 6  # button_interaction cards hold at most six buttons
CARD_KEY_LIMIT = 1024  # bytes of a button key (our payloads stay far below)
# Display widths (a CJK character counts 2) WeCom shows in full on a phone.
CARD_TITLE_WIDTH = 72
CARD_SUBTITLE_WIDTH = 320
CARD_LABEL_WIDTH = 20
STYLES = ("text", "markdown", "textcard")
# WeCom has no escape character for its markup: characters that would start markup in user
# text (markdown's **, #, `, >, [x](url), <font>; a textcard description's <div>/<br>; a text
# message's <a href>) become their full-width look-alikes, which WeCom shows as plain text.
MARKDOWN_NEUTRAL = str.maketrans(
    {"<": "＜", ">": "＞", "[": "［", "]": "］", "*": "＊", "`": "ˋ", "#": "＃"}
)
CARD_NEUTRAL = str.maketrans({"<": "＜", ">": "＞", "&": "＆"})
TEXT_NEUTRAL = str.maketrans({"<": "＜", ">": "＞"})


def neutral_markdown(text: str) -> str:
    """`text` with nothing WeCom markdown would render as formatting, links or tags."""
    return text.translate(MARKDOWN_NEUTRAL)


def neutral_card(text: str) -> str:
    """`text` with no tag or entity a textcard's title or description would interpret."""
    return text.translate(CARD_NEUTRAL)


def neutral_text(text: str) -> str:
    """`text` with no <a href> (or other tag) a WeCom text message would turn into a link."""
    return text.translate(TEXT_NEUTRAL)


@dataclass
class Rendered:
    """What to send for one reply: message bodies in order, plus what the adapter remembers."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)  # payload of answer "1", "2", …
    card_labels: dict[str, str] = field(default_factory=dict)  # template card key -> label


def width(text: str) -> int:
    """Display width: wide (CJK, most emoji) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def byte_len(text: str) -> int:
    """UTF-8 length, the unit of WeCom's text limits."""
    return len(text.encode("utf-8"))


def split_bytes(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a text into pieces of at most `limit` UTF-8 bytes, preferring line breaks."""
    chunks: list[str] = []
    rest = text
    while byte_len(rest) > limit:
        cut = len(rest.encode("utf-8")[:limit].decode("utf-8", errors="ignore"))
        position = rest.rfind("\n", 0, cut)
        if position > cut // 2:
            chunks.append(rest[:position])
            rest = rest[position + 1 :]
        else:
            chunks.append(rest[:cut])
            rest = rest[cut:]
    chunks.append(rest)
    return [chunk for chunk in chunks if chunk.strip()] or [text]


def new_task_id() -> str:
    """A unique template card task id (letters, digits and "_" only, as WeCom requires)."""
    return f"hq_{uuid.uuid4().hex}"


class Renderer:
    """Turns a Reply into WeCom message bodies in the configured style."""

    def __init__(
        self,
        translator: Translator,
        *,
        cards: bool = True,
        style: str = "text",
        textcard_url: str | None = None,
    ):
        if style not in STYLES:
            raise ValueError(f"unknown WeCom text style {style!r}; choose from {STYLES}")
        if style == "textcard" and not textcard_url:
            raise ValueError("the textcard style needs a URL for the card's link")
        self.translator = translator
        self.cards = cards
        self.style = style
        self.textcard_url = textcard_url

    def render(self, reply: Reply, locale: str | None) -> Rendered:
        """The bodies for the reply's text and buttons (its image is sent by the adapter)."""
        buttons = [button for row in reply.buttons for button in row]
        if buttons and self.cards:
            card = self.template_card(reply.text, buttons, locale)
            if card is not None:
                labels = {b.payload: b.label for b in buttons}
                return Rendered([card], [], labels)
        text = reply.text
        if buttons:
            lines = [f"{number}. {b.label}" for number, b in enumerate(buttons, 1)]
            hint = self.translator(locale, "wecom.choose_hint")
            text = f"{text}\n\n{hint}\n" + "\n".join(lines)
        return Rendered(self.plain(text, locale), [b.payload for b in buttons])

    def plain(self, text: str, locale: str | None) -> list[dict[str, Any]]:
        """Text in the configured style; a textcard that does not fit degrades to text."""
        if self.style == "textcard":
            card = self.textcard(text, locale)
            if card is not None:
                return [card]
        if self.style == "markdown":
            return [{"msgtype": "markdown", "markdown": {"content": chunk}}
                    for chunk in split_bytes(markdown(text))]
        return [{"msgtype": "text", "text": {"content": chunk}}
                for chunk in split_bytes(neutral_text(text))]

    def template_card(
        self, text: str, buttons: list[Button], locale: str | None
    ) -> dict[str, Any] | None:
        """A button_interaction card, or None when the buttons or text do not fit one."""
        keys = [b.payload for b in buttons]
        if (
            len(buttons) > CARD_BUTTONS
            or len(set(keys)) != len(keys)
            or any(byte_len(k) > CARD_KEY_LIMIT or not k for k in keys)
            or any(width(b.label) > CARD_LABEL_WIDTH or not b.label.strip() for b in buttons)
        ):
            return None
        first, _, rest = text.strip().partition("\n")
        if first and width(first) <= CARD_TITLE_WIDTH:
            title, subtitle = first, rest.strip()
        else:
            title, subtitle = self.translator(locale, "wecom.card_title"), text.strip()
        if width(subtitle) > CARD_SUBTITLE_WIDTH:
            return None
        card: dict[str, Any] = {
            "card_type": "button_interaction",
            "main_title": {"title": title},
            "task_id": new_task_id(),
            "button_list": [{"text": b.label, "key": b.payload} for b in buttons],
        }
        if subtitle:
            card["sub_title_text"] = subtitle
        return {"msgtype": "template_card", "template_card": card}

    def textcard(self, text: str, locale: str | None) -> dict[str, Any] | None:
        """A textcard (title, description, a "details" link), or None when it does not fit."""
        first, _, rest = neutral_card(text).strip().partition("\n")
        description = rest.strip() or first
        if byte_len(first) > TEXTCARD_TITLE_LIMIT or byte_len(description) > (
            TEXTCARD_DESCRIPTION_LIMIT
        ):
            return None
        return {
            "msgtype": "textcard",
            "textcard": {
                "title": first,
                "description": description,
                "url": self.textcard_url,
                "btntxt": self.translator(locale, "wecom.details"),
            },
        }


def markdown(text: str) -> str:
    """WeCom markdown: the first line bold, the rest as written (WeCom keeps line breaks);
    whatever the text holds is shown literally, never as markup."""
    first, sep, rest = neutral_markdown(text).partition("\n")
    if not first.strip():
        return first + sep + rest
    return f"**{first.strip()}**{sep}{rest}"

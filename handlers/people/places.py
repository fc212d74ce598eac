"""Places from the field: a manager teaches the bot a name it did not know,
`记住：'二餐' 是 第二食堂` / `remember: 'canteen 2' is Second Canteen`."""

from __future__ import annotations

import re

from bot.core.context import Context
from bot.core.router import Router

router = Router()

_QUOTES = "'\"‘’“”「」『』"
ALIAS_PATTERN = re.compile(
    rf"^\s*(?:记住|記住|记一下|remember)\s*[:：,，]?\s*[{_QUOTES}](?P<alias>[^{_QUOTES}]{{1,60}})"
    rf"[{_QUOTES}]\s*(?:就是|是|=|is|means)\s*(?P<target>.{{1,100}}?)[\s。.!！]*$",
    re.IGNORECASE,
)


def parse_alias(text: str) -> tuple[str, str] | None:
    """(alias, the place's name) from a "remember: 'X' is Y" message, or None."""
    match = ALIAS_PATTERN.match(text or "")
    if match is None:
        return None
    target = match.group("target").strip().strip(_QUOTES).strip()
    return (match.group("alias").strip(), target) if target else None


async def _is_alias_message(ctx: Context) -> bool:
    return parse_alias(ctx.incoming.text or "") is not None


@router.on_text_if(_is_alias_message, priority=20)
async def remember_alias(ctx: Context) -> None:
    """Add the alias (the service refuses anyone but managers, and a name another place has)."""
    parsed = parse_alias(ctx.incoming.text or "")
    assert parsed is not None
    alias, target = parsed
    place = await ctx.services.places.add_alias(ctx.person, alias, target)
    await ctx.say("places.alias_added", alias=alias, place=place.display(ctx.locale),
                  code=place.code)

"""Pushes about tickets and jobs, rendered in each recipient's own language.

Field values may be `Text` (a catalogue text), a `Place` (its name in the reader's language)
or a datetime (local time); everything else is shown as is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.types import Address, Button, Reply
from bot.delivery.notifier import PRIORITY_DEFAULT, PRIORITY_OFFER
from models.people import Identity, Person
from models.places import Place

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier



@dataclass(frozen=True)
class Text:
    """A catalogue text rendered in each recipient's locale."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict)


def text(key: str, **fields: Any) -> Text:
    """Shorthand for Text(key, fields)."""
    return Text(key, fields)


ButtonSpec = tuple[Text, str]
Translate = Callable[..., str]
CardRenderer = Callable[[Translate, str | None], tuple[str, list[list[Button]]]]


class Announcer:
    """Renders and pushes messages through the notifier (outbox first)."""

    def __init__(self, notifier: Notifier, timezone: str):
        self.notifier = notifier
        self.tz = ZoneInfo(timezone)

    def render(self, locale: str | None, value: Any) -> Any:
        """One field value as the reader should see it."""
        if isinstance(value, Text):
            fields = {k: self.render(locale, v) for k, v in value.fields.items()}
            return self.notifier.translator(locale, value.key, **fields)
        if isinstance(value, Place) or callable(getattr(value, "display", None)):
            return value.display(locale)  # places, assets: their name in the reader's language
        if isinstance(value, datetime):
            return self.local(value)
        return value

    def buttons(self, locale: str | None, rows: list[list[ButtonSpec]] | None
                ) -> list[list[Button]]:
        """Button rows with labels in the reader's language."""
        return [[Button(self.render(locale, label), payload) for label, payload in row]
                for row in rows or []]

    async def tell(
        self,
        person: Person,
        key: str,
        buttons: list[list[ButtonSpec]] | None = None,
        priority: int = PRIORITY_DEFAULT,
        **fields: Any,
    ) -> int:
        """Push one localized message to every identity of `person`."""
        rendered = {k: self.render(person.locale, v) for k, v in fields.items()}
        return await self.notifier.push(
            person, key, self.buttons(person.locale, buttons), priority, **rendered
        )

    async def tell_all(
        self,
        people: Iterable[Person],
        key: str,
        buttons: list[list[ButtonSpec]] | None = None,
        priority: int = PRIORITY_DEFAULT,
        skip: Iterable[int] = (),
        **fields: Any,
    ) -> int:
        """`tell` each person once (people whose id is in `skip` are left out)."""
        seen = set(skip)
        sent = 0
        for person in people:
            if person.id in seen:
                continue
            seen.add(person.id)
            sent += await self.tell(person, key, buttons, priority, **fields)
        return sent

    def translate_for(self, locale: str | None) -> Translate:
        """A `t(key, **fields)` for one locale."""
        return lambda key, **fields: self.notifier.translator(locale, key, **fields)

    def local(self, moment: datetime) -> str:
        """A timestamp in the deployment's time zone, e.g. 11-23 14:05."""
        return moment.astimezone(self.tz).strftime("%m-%d %H:%M")

    async def card(self, person: Person, render: CardRenderer,
                   priority: int = PRIORITY_OFFER) -> int:
        """Send a message rendered by `render(t, locale)` (text and buttons) to every identity
        of `person`, in their language."""
        body, buttons = render(self.translate_for(person.locale), person.locale)
        identities = await Identity.filter(person_id=person.id)
        for ident in identities:
            reply = Reply(text=body, buttons=buttons)
            await self.notifier.send(Address(ident.platform, ident.chat_id), reply, priority)
        return len(identities)

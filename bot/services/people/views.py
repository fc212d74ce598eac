"""People presentation: the payload of the language buttons."""

from __future__ import annotations

from typing import ClassVar

from bot.core.payloads import Payload, payload


@payload("lang")
class LanguageTap(Payload):
    """A language button, `lang:<locale>` (an empty or unknown locale is answered as such)."""

    locale: str = ""
    longest: ClassVar = ("x" * 16,)


@payload("ppl")
class PeopleTap(Payload):
    """A /people button: `ppl:csv` sends the CSV of the people not yet bound."""

    verb: str = "csv"
    longest: ClassVar = ("csv",)

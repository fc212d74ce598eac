"""Typed button payloads: one small class per action, packed to `prefix:field:…` and parsed back
in one place, with a registry that refuses a second class of the same prefix and any packed
payload longer than Telegram's 64 bytes (UTF-8).

    @payload("jb")
    class JobTap(Payload):
        verb: str
        job_id: int
        longest: ClassVar = ("np", 2_147_483_647)   # the largest realistic values


    JobTap("a", 12).pack()            # "jb:a:12"
    JobTap.parse(ctx.action_args)     # JobTap(verb="a", job_id=12)

Fields are `str`, `int` or `bool` (packed as 1/0), in declaration order; a field with a default
may be left out at the end of the payload (older buttons still parse). A `str` field must not
contain `:`, except the last one, which takes the rest of the payload. Every class declares
`longest`, its largest realistic field values: registration packs them, so a payload that could
outgrow 64 bytes fails at import, not in front of a user.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Self, TypeVar

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit; WeCom's card keys are held to it too
SEPARATOR = ":"

P = TypeVar("P", bound="Payload")


class PayloadError(ValueError):
    """A payload class is malformed, a prefix is taken twice, or a packed payload is too long."""


class BadPayload(ValueError):
    """A button's payload does not parse as its action's payload (stale or forged)."""


REGISTRY: dict[str, type[Payload]] = {}


class Payload:
    """Base of every action payload; subclasses are frozen dataclasses made by `@payload`."""

    prefix: ClassVar[str] = ""
    longest: ClassVar[tuple[Any, ...]] = ()

    def pack(self) -> str:
        """The payload as a button carries it; raises PayloadError over 64 bytes."""
        parts = [self.prefix]
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        for i, field in enumerate(fields):
            value = getattr(self, field.name)
            text = str(int(value)) if isinstance(value, bool) else str(value)
            if SEPARATOR in text and i < len(fields) - 1:
                raise PayloadError(f"{self.prefix}.{field.name}: {text!r} contains {SEPARATOR!r}")
            parts.append(text)
        packed = SEPARATOR.join(parts)
        size = len(packed.encode("utf-8"))
        if size > MAX_PAYLOAD_BYTES:
            raise PayloadError(f"{packed!r} is {size} bytes, over {MAX_PAYLOAD_BYTES}")
        return packed

    @classmethod
    def parse(cls, data: str | Sequence[str]) -> Self:
        """Read a packed payload (the whole string, or the parts after the prefix as the
        dispatcher gives them in `ctx.action_args`); raises BadPayload."""
        if isinstance(data, str):
            head, _, rest = data.partition(SEPARATOR)
            if head != cls.prefix:
                raise BadPayload(f"{data!r} is not a {cls.prefix!r} payload")
            args = rest.split(SEPARATOR) if rest else []
        else:
            args = list(data)
        fields, required = _schema(cls)
        if fields and len(args) > len(fields):  # the last field takes the rest
            args = [*args[: len(fields) - 1], SEPARATOR.join(args[len(fields) - 1 :])]
        if not required <= len(args) <= len(fields):
            raise BadPayload(f"{cls.prefix}: {len(args)} fields, expected {len(fields)}")
        values: dict[str, Any] = {}
        for (name, kind), text in zip(fields, args, strict=False):
            values[name] = _convert(cls.prefix, name, kind, text)
        return cls(**values)


_SCHEMAS: dict[type, tuple[tuple[tuple[str, Any], ...], int]] = {}


def _schema(cls: type[Payload]) -> tuple[tuple[tuple[str, Any], ...], int]:
    """A payload class's (field name, type) pairs and how many are required, worked out once
    per class (`typing.get_type_hints` on every button tap was a visible share of an update)."""
    known = _SCHEMAS.get(cls)
    if known is None:
        hints = typing.get_type_hints(cls)
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        required = sum(
            1 for f in fields
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )
        known = _SCHEMAS[cls] = (tuple((f.name, hints[f.name]) for f in fields), required)
    return known


def _convert(prefix: str, name: str, kind: Any, text: str) -> Any:
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise BadPayload(f"{prefix}.{name}: {text!r} is not a number") from None
    if kind is bool:
        if text not in ("0", "1"):
            raise BadPayload(f"{prefix}.{name}: {text!r} is not 0 or 1")
        return text == "1"
    return text


def payload(prefix: str) -> Callable[[type[P]], type[P]]:
    """Class decorator: make a frozen dataclass of `cls` and register it under `prefix`."""

    def register(cls: type[P]) -> type[P]:
        if not prefix or SEPARATOR in prefix:
            raise PayloadError(f"bad prefix {prefix!r}")
        taken = REGISTRY.get(prefix)
        same = taken is not None and (taken.__module__, taken.__qualname__) == (
            cls.__module__, cls.__qualname__)  # the same class imported again
        if taken is not None and not same:
            raise PayloadError(
                f"prefix {prefix!r} is taken by {taken.__module__}.{taken.__qualname__}; "
                f"{cls.__module__}.{cls.__qualname__} cannot have it too"
            )
        made = dataclasses.dataclass(frozen=True)(cls)
        made.prefix = prefix
        for field in dataclasses.fields(made):
            if typing.get_type_hints(made)[field.name] not in (str, int, bool):
                raise PayloadError(f"{prefix}.{field.name}: only str, int and bool fields")
        if not cls.__dict__.get("longest"):
            raise PayloadError(f"{prefix}: declare `longest`, the largest realistic values")
        made(*cls.__dict__["longest"]).pack()  # raises when it could outgrow 64 bytes
        REGISTRY[prefix] = made
        return made

    return register


def registered() -> dict[str, type[Payload]]:
    """Every registered payload class by prefix."""
    return dict(REGISTRY)


@payload("f")
class FlowChoice(Payload):
    """A button of the current flow: its conversation token and the choice (any text)."""

    token: str
    choice: str
    longest: ClassVar = ("ffffff", "x" * 48)

"""Typed button payloads: packing, parsing, the registry's refusals, and every registered
payload's largest realistic values within Telegram's 64 bytes."""

from __future__ import annotations

import importlib
import pkgutil
from typing import ClassVar

import pytest

import bot.services
import handlers
from bot.core.payloads import (
    MAX_PAYLOAD_BYTES,
    REGISTRY,
    BadPayload,
    FlowChoice,
    Payload,
    PayloadError,
    payload,
)

pytestmark = pytest.mark.service


@pytest.fixture
def scratch_registry():
    """Register test payloads without leaving them behind."""
    saved = dict(REGISTRY)
    yield
    REGISTRY.clear()
    REGISTRY.update(saved)


def test_pack_and_parse_round_trip(scratch_registry):
    @payload("zt")
    class Tap(Payload):
        verb: str
        item: int
        urgent: bool = False
        longest: ClassVar = ("np", 2_147_483_647, True)

    tap = Tap("a", 12, True)
    assert tap.pack() == "zt:a:12:1"
    assert Tap.parse("zt:a:12:1") == tap
    assert Tap.parse(["a", "12"]) == Tap("a", 12)  # the default may be left out
    for bad in ("zt:a:x", "zt:a", "zt:a:1:2:3", "xx:a:1", "zt:a:1:yes"):
        with pytest.raises(BadPayload):
            Tap.parse(bad)


def test_the_last_text_field_takes_the_rest():
    assert FlowChoice.parse("f:ab12cd:bed:3:1") == FlowChoice("ab12cd", "bed:3:1")
    assert FlowChoice("ab12cd", "bed:3:1").pack() == "f:ab12cd:bed:3:1"


def test_the_registry_refuses_a_taken_prefix(scratch_registry):
    @payload("zu")
    class One(Payload):
        n: int
        longest: ClassVar = (1,)

    with pytest.raises(PayloadError, match="taken"):
        @payload("zu")
        class Other(Payload):
            n: int
            longest: ClassVar = (1,)


def test_the_registry_refuses_what_could_outgrow_64_bytes(scratch_registry):
    with pytest.raises(PayloadError, match="over 64"):
        @payload("zv")
        class Long(Payload):
            text: str
            longest: ClassVar = ("测" * 21,)  # 63 bytes of text + "zv:"
    with pytest.raises(PayloadError, match="longest"):
        @payload("zw")
        class Unsized(Payload):
            n: int
    with pytest.raises(PayloadError, match="contains"):
        @payload("zx")
        class Colon(Payload):
            a: str
            b: str
            longest: ClassVar = ("a:b", "c")


def all_modules(package) -> None:
    """Import every module of a package, so that every payload class is registered."""
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)


def test_every_registered_payload_fits_with_its_largest_values():
    all_modules(bot.services)
    all_modules(handlers)
    assert "f" in REGISTRY
    for prefix, cls in REGISTRY.items():
        packed = cls(*cls.longest).pack()
        assert len(packed.encode("utf-8")) <= MAX_PAYLOAD_BYTES, prefix
        assert cls.parse(packed) == cls(*cls.longest), prefix

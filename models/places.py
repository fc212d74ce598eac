"""The place tree: buildings, floors, rooms and named areas, each with a short code."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from tortoise import fields
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.signals import post_delete, post_save

PLACE_KINDS = ("building", "floor", "room", "area")
_BATCHED: ContextVar[bool] = ContextVar("places_batched", default=False)


class Place(Model):
    """A building (code "3"), a room ("3-402") or a named area, with zh and en names."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    kind = fields.CharField(max_length=16, default="room")
    name_zh = fields.CharField(max_length=100)
    name_en = fields.CharField(max_length=100)
    aliases = fields.JSONField(default=list)
    zone = fields.CharField(max_length=64, null=True)
    parent: fields.ForeignKeyNullableRelation[Place] = fields.ForeignKeyField(
        "models.Place", related_name="children", null=True, on_delete=fields.SET_NULL
    )
    active = fields.BooleanField(default=True)
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)

    class Meta:
        table = "place"

    def display(self, locale: str | None) -> str:
        """The place's name in the given locale."""
        return self.name_en if locale == "en" else self.name_zh


class Zone(Model):
    """A campus zone's names (片区): places and people carry its code, readers see a name."""

    code = fields.CharField(max_length=64, primary_key=True)
    name_zh = fields.CharField(max_length=100)
    name_en = fields.CharField(max_length=100)

    class Meta:
        table = "zone"

    def display(self, locale: str | None) -> str:
        """The zone's name in the given locale."""
        return self.name_en if locale == "en" else self.name_zh


class PlaceIndexVersion(Model):
    """One row: bumped by every change of a place, so each process knows when its in-memory
    name index is stale (`token` tells one database from another)."""

    id = fields.IntField(primary_key=True)
    token = fields.CharField(max_length=32)
    version = fields.BigIntField(default=0)

    class Meta:
        table = "place_index_version"

    @classmethod
    async def stamp(cls) -> tuple[str, int]:
        """(token, version) as stored now; creates the row on first use."""
        row = await cls.get_or_none(id=1)
        if row is None:
            row, _ = await cls.get_or_create(id=1, defaults={"token": uuid.uuid4().hex})
        return row.token, row.version

    @classmethod
    async def bump(cls, using_db: Any = None) -> None:
        """Record that the places changed."""
        query = cls.filter(id=1)
        if using_db is not None:
            query = query.using_db(using_db)
        if not await query.update(version=F("version") + 1):
            await cls.get_or_create(id=1, defaults={"token": uuid.uuid4().hex, "version": 1},
                                    using_db=using_db)


@asynccontextmanager
async def one_bump() -> AsyncIterator[None]:
    """Many place writes (an import) bump the version once, at the end."""
    token = _BATCHED.set(True)
    try:
        yield
    finally:
        _BATCHED.reset(token)
    await PlaceIndexVersion.bump()


@post_save(Place)
async def _place_saved(sender: type[Place], instance: Place, created: bool, using_db: Any,
                       update_fields: Any) -> None:
    if not _BATCHED.get():
        await PlaceIndexVersion.bump(using_db)


@post_delete(Place)
async def _place_deleted(sender: type[Place], instance: Place, using_db: Any) -> None:
    if not _BATCHED.get():
        await PlaceIndexVersion.bump(using_db)

"""The place tree: buildings, floors, rooms and named areas, each with a short code."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from tortoise import connections, fields
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.signals import post_delete, post_save
from tortoise.transactions import in_transaction

PLACE_KINDS = ("building", "floor", "room", "area")
_BATCH: ContextVar[set[int] | None] = ContextVar("places_batch", default=None)
PATCH_LIMIT = 500  # more changed places than this at once: a full rebuild is as cheap
CHANGES_KEPT = 10_000  # logged place changes kept; an instance further behind rebuilds in full
PRUNE_EVERY = 100


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
    """One row, read by primary key on every look-up: `version` counts the changes of places
    (each one logged in PlaceChange), `token` is the index generation (new on every bulk
    write and on a new database, so every instance rebuilds its index in full)."""

    id = fields.IntField(primary_key=True)
    token = fields.CharField(max_length=32)
    version = fields.BigIntField(default=0)

    class Meta:
        table = "place_index_version"

    @classmethod
    async def stamp(cls) -> tuple[str, int]:
        """(token, version) as stored now; creates the row on first use."""
        # every place look-up asks: one hand-written statement, not the ORM's query building
        rows = await connections.get("default").execute_query_dict(
            f"SELECT token, version FROM {cls._meta.db_table} WHERE id = 1"
        )
        if rows:
            return rows[0]["token"], rows[0]["version"]
        row, _ = await cls.get_or_create(id=1, defaults={"token": uuid.uuid4().hex})
        return row.token, row.version

    @classmethod
    async def bump(cls, using_db: Any = None) -> None:
        """Record that many places changed at once (an import, a bulk write): a new
        generation, so every instance rebuilds its index in full."""
        query = cls.filter(id=1)
        if using_db is not None:
            query = query.using_db(using_db)
        fresh = uuid.uuid4().hex
        if not await query.update(token=fresh, version=F("version") + 1):
            await cls.get_or_create(id=1, defaults={"token": fresh, "version": 1},
                                    using_db=using_db)

    @classmethod
    async def changed(cls, place_ids: Iterable[int], using_db: Any = None) -> None:
        """Log that these places changed (saved or deleted): instances re-read only them."""
        ids = list(place_ids)
        if not ids:
            return
        if isinstance(using_db, TransactionalDBClient):
            await cls._log(ids, using_db)
        else:  # an autocommit write: the versions and their log rows commit together
            async with in_transaction() as conn:
                await cls._log(ids, conn)

    @classmethod
    async def _log(cls, ids: list[int], conn: Any) -> None:
        # the version row is updated first: its row lock orders the writers, so versions
        # become visible in order and a reader that sees version v sees every change up to v
        if not await cls.filter(id=1).using_db(conn).update(version=F("version") + len(ids)):
            await cls.get_or_create(id=1, defaults={"token": uuid.uuid4().hex,
                                                    "version": len(ids)}, using_db=conn)
        last = (await cls.get(id=1).using_db(conn)).version
        first = last - len(ids) + 1
        await PlaceChange.bulk_create(
            [PlaceChange(version=first + i, place_id=pid) for i, pid in enumerate(ids)],
            using_db=conn)
        if last // PRUNE_EVERY != (first - 1) // PRUNE_EVERY:
            await PlaceChange.filter(version__lte=last - CHANGES_KEPT).using_db(conn).delete()


class PlaceChange(Model):
    """One logged change of a place, by version: instances patch their index with the
    places changed since their version (a full rebuild when the log was pruned past it)."""

    version = fields.BigIntField(primary_key=True, generated=False)
    place_id = fields.IntField()

    class Meta:
        table = "place_change"


@asynccontextmanager
async def one_bump() -> AsyncIterator[None]:
    """Many place writes (an import) are logged once, at the end: the places changed when
    they are at most PATCH_LIMIT (instances patch their index), else a new index generation
    (instances rebuild in full)."""
    changed: set[int] = set()
    token = _BATCH.set(changed)
    try:
        yield
    finally:
        _BATCH.reset(token)
    if len(changed) > PATCH_LIMIT:
        await PlaceIndexVersion.bump()
    else:
        await PlaceIndexVersion.changed(sorted(changed))


async def _log_change(instance: Place, using_db: Any) -> None:
    batch = _BATCH.get()
    if batch is None:
        await PlaceIndexVersion.changed([instance.id], using_db)
    else:
        batch.add(instance.id)


@post_save(Place)
async def _place_saved(sender: type[Place], instance: Place, created: bool, using_db: Any,
                       update_fields: Any) -> None:
    await _log_change(instance, using_db)


@post_delete(Place)
async def _place_deleted(sender: type[Place], instance: Place, using_db: Any) -> None:
    await _log_change(instance, using_db)

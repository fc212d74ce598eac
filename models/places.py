"""The place tree: buildings, floors, rooms and named areas, each with a short code."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

PLACE_KINDS = ("building", "floor", "room", "area")


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

"""Fixed assets (固定资产): the register, each asset's lifecycle history, repeat-failure flags."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

ASSET_STATUSES = ("in_use", "under_repair", "idle", "disposed")
ASSET_EVENTS = ("created", "moved", "repair_opened", "repaired", "status", "disposed", "edited")


class Asset(Model):
    """A piece of equipment with a unique code (e.g. AC-3-402-01): where it is, who keeps it."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name_zh = fields.CharField(max_length=100)
    name_en = fields.CharField(max_length=100)
    category = fields.CharField(max_length=32, default="")
    place: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Place", related_name="assets", on_delete=fields.RESTRICT
    )
    responsible: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="assets_kept", null=True, on_delete=fields.SET_NULL
    )
    purchase_date = fields.DateField(null=True)
    warranty_end = fields.DateField(null=True)
    status = fields.CharField(max_length=16, default="in_use", db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "asset"

    def display(self, locale: str | None) -> str:
        """The asset's name in the given locale."""
        return self.name_en if locale == "en" else self.name_zh


class AssetEvent(Model):
    """One lifecycle entry: created, moved, repair opened/finished, status changed, disposed."""

    id = fields.IntField(primary_key=True)
    asset: fields.ForeignKeyRelation[Asset] = fields.ForeignKeyField(
        "models.Asset", related_name="events", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="asset_events", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharField(max_length=16)
    from_status = fields.CharField(max_length=16, null=True)
    to_status = fields.CharField(max_length=16, null=True)
    from_place: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Place", related_name="asset_moves_out", null=True, on_delete=fields.SET_NULL
    )
    to_place: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Place", related_name="asset_moves_in", null=True, on_delete=fields.SET_NULL
    )
    ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="asset_events", null=True, on_delete=fields.SET_NULL
    )
    note = fields.TextField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "asset_event"


class AssetRepeatFailure(Model):
    """A ticket whose asset was repaired too often lately (a candidate for replacement)."""

    id = fields.IntField(primary_key=True)
    ticket: fields.OneToOneRelation = fields.OneToOneField(
        "models.Ticket", related_name="asset_repeat_failure", on_delete=fields.CASCADE
    )
    asset: fields.ForeignKeyRelation[Asset] = fields.ForeignKeyField(
        "models.Asset", related_name="repeat_failures", on_delete=fields.CASCADE
    )
    count = fields.IntField()
    window_days = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "asset_repeat_failure"

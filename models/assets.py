"""Fixed assets (固定资产): the register, each asset's lifecycle history, repeat-failure flags,
and the monthly asset check (资产回访): its rounds, each keeper's list and each asset's answer."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

ASSET_STATUSES = ("in_use", "under_repair", "idle", "disposed", "missing", "damaged")
ASSET_EVENTS = ("created", "moved", "repair_opened", "repaired", "status", "disposed", "edited",
                "missing", "damaged", "found")
CHECK_ANSWERS = ("in_place", "missing", "damaged")


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


class AssetCheckRound(Model):
    """One asset check (资产回访): the monthly one or an ad-hoc one for a place or department.

    The monthly round's key is m:YYYY-MM (unique), so whichever instance starts it, a month has
    one."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=48, unique=True)
    kind = fields.CharField(max_length=8, default="monthly")  # monthly | adhoc
    place: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Place", related_name="asset_checks", null=True, on_delete=fields.SET_NULL
    )
    department = fields.CharField(max_length=100, null=True)
    started_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="asset_checks_started", null=True,
        on_delete=fields.SET_NULL
    )
    started_at = fields.DatetimeField()
    orphans_told_at = fields.DatetimeField(null=True)
    summary_sent_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "asset_check_round"


class AssetCheckList(Model):
    """The assets one keeper is asked to confirm in a round, and how far the asking got.

    A list without a reachable keeper (none, left, no chat) is an orphan, shown to the managers."""

    id = fields.IntField(primary_key=True)
    round: fields.ForeignKeyRelation[AssetCheckRound] = fields.ForeignKeyField(
        "models.AssetCheckRound", related_name="lists", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="asset_check_lists", null=True, on_delete=fields.SET_NULL
    )
    orphan = fields.BooleanField(default=False)
    sent_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)
    reported_at = fields.DatetimeField(null=True)
    done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "asset_check_list"
        unique_together = (("round", "person"),)


class AssetCheckItem(Model):
    """One asset of a round: in place, missing or damaged (with the note and the repair ticket)."""

    id = fields.IntField(primary_key=True)
    round: fields.ForeignKeyRelation[AssetCheckRound] = fields.ForeignKeyField(
        "models.AssetCheckRound", related_name="items", on_delete=fields.CASCADE
    )
    sheet: fields.ForeignKeyRelation[AssetCheckList] = fields.ForeignKeyField(
        "models.AssetCheckList", related_name="items", on_delete=fields.CASCADE
    )
    asset: fields.ForeignKeyRelation[Asset] = fields.ForeignKeyField(
        "models.Asset", related_name="check_items", on_delete=fields.CASCADE
    )
    department = fields.CharField(max_length=100, default="")
    answer = fields.CharField(max_length=16, null=True)
    note = fields.TextField(null=True)
    ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="asset_check_items", null=True, on_delete=fields.SET_NULL
    )
    answered_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="asset_check_answers", null=True,
        on_delete=fields.SET_NULL
    )
    answered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "asset_check_item"
        unique_together = (("round", "asset"),)

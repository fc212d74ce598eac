"""Stock (物资): items, stores, per-store levels, the movement ledger and requisitions.

A level's `on_hand` is always the sum of its ledger rows, `reserved` the quantities approved
on requisitions not yet collected, and `available` = on_hand - reserved (kept in the same
UPDATE, so a conditional `WHERE available >= qty` is enough to never go below zero).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

MOVE_KINDS = ("in", "out", "requisition", "repair", "adjust", "transfer")
REQ_STATUSES = ("pending", "approved", "rejected", "collected", "cancelled", "expired")
REQ_OPEN = ("pending", "approved")


class Warehouse(Model):
    """A store room: where to collect, when it is open, the zone it serves, its keeper."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name_zh = fields.CharField(max_length=100)
    name_en = fields.CharField(max_length=100)
    location_zh = fields.CharField(max_length=200, default="")
    location_en = fields.CharField(max_length=200, default="")
    hours_zh = fields.CharField(max_length=100, default="")
    hours_en = fields.CharField(max_length=100, default="")
    zone = fields.CharField(max_length=64, null=True)
    keeper: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="kept_stores", null=True, on_delete=fields.SET_NULL
    )
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stock_warehouse"

    def display(self, locale: str | None) -> str:
        """The store's name in the given locale."""
        return self.name_en if locale == "en" else self.name_zh

    def location(self, locale: str | None) -> str:
        """Where to collect, in the given locale (falls back to the other language)."""
        en, zh = self.location_en or self.location_zh, self.location_zh or self.location_en
        return en if locale == "en" else zh

    def hours(self, locale: str | None) -> str:
        """Opening hours, in the given locale (falls back to the other language)."""
        en, zh = self.hours_en or self.hours_zh, self.hours_zh or self.hours_en
        return en if locale == "en" else zh


class StoreAssignment(Model):
    """The store a worker draws repair materials from (overrides the zone's store)."""

    id = fields.IntField(primary_key=True)
    person: fields.OneToOneRelation = fields.OneToOneField(
        "models.Person", related_name="store_assignment", on_delete=fields.CASCADE
    )
    warehouse: fields.ForeignKeyRelation[Warehouse] = fields.ForeignKeyField(
        "models.Warehouse", related_name="assignments", on_delete=fields.CASCADE
    )

    class Meta:
        table = "stock_store_assignment"


class Item(Model):
    """A stocked material with zh and en names, aliases, unit, category and spec."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name_zh = fields.CharField(max_length=100)
    name_en = fields.CharField(max_length=100)
    aliases = fields.JSONField(default=list)
    unit_zh = fields.CharField(max_length=16, default="个")
    unit_en = fields.CharField(max_length=16, default="pcs")
    category = fields.CharField(max_length=32, default="")
    spec = fields.CharField(max_length=200, default="")
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stock_item"

    def display(self, locale: str | None) -> str:
        """The item's name in the given locale."""
        return self.name_en if locale == "en" else self.name_zh

    def unit(self, locale: str | None) -> str:
        """The item's unit in the given locale."""
        return self.unit_en if locale == "en" else self.unit_zh



class ItemTerm(Model):
    """One search term of an active item, looked up by index instead of scanning items.

    Terms are names, words, Chinese characters and pairs, English trigrams (stock/index.py)."""

    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Item", related_name="terms", on_delete=fields.CASCADE
    )
    term = fields.CharField(max_length=24, db_index=True)

    class Meta:
        table = "stock_item_term"


class StockLevel(Model):
    """One item in one store: quantities, minimum and reorder quantity, low-stock alert state.

    Alert state: `alert_armed` is cleared when an alert is sent and set again only once the
    available quantity is back at or above the minimum. `snoozed_until` silences the level
    until then, after which one reminder is sent if it is still low.
    """

    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField(
        "models.Item", related_name="levels", on_delete=fields.RESTRICT
    )
    warehouse: fields.ForeignKeyRelation[Warehouse] = fields.ForeignKeyField(
        "models.Warehouse", related_name="levels", on_delete=fields.RESTRICT
    )
    on_hand = fields.IntField(default=0)
    reserved = fields.IntField(default=0)
    available = fields.IntField(default=0)
    min_level = fields.IntField(default=0)
    reorder_qty = fields.IntField(default=0)
    alert_armed = fields.BooleanField(default=True)
    last_alerted_at = fields.DatetimeField(null=True)
    snoozed_until = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "stock_level"
        unique_together = (("item", "warehouse"),)

    @property
    def status(self) -> str:
        """The status: "out" (nothing available), "low" (below the minimum) or "ok"."""
        if self.available <= 0:
            return "out"
        return "low" if self.available < self.min_level else "ok"


class StockMove(Model):
    """One ledger row: a signed change of a level's on-hand quantity, with who, when and why."""

    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField(
        "models.Item", related_name="moves", on_delete=fields.RESTRICT
    )
    warehouse: fields.ForeignKeyRelation[Warehouse] = fields.ForeignKeyField(
        "models.Warehouse", related_name="moves", on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=16)
    qty = fields.IntField()
    balance = fields.IntField()
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="stock_moves", null=True, on_delete=fields.SET_NULL
    )
    reason = fields.CharField(max_length=300, default="")
    requisition: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Requisition", related_name="moves", null=True, on_delete=fields.SET_NULL
    )
    ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="stock_moves", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "stock_move"
        indexes = (("item_id", "warehouse_id", "created_at"),)


class Requisition(Model):
    """A request (申领) for materials from one store, for a purpose or a repair ticket."""

    id = fields.IntField(primary_key=True)
    requester: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="requisitions", on_delete=fields.RESTRICT
    )
    warehouse: fields.ForeignKeyRelation[Warehouse] = fields.ForeignKeyField(
        "models.Warehouse", related_name="requisitions", on_delete=fields.RESTRICT
    )
    purpose = fields.CharField(max_length=300, default="")
    ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="requisitions", null=True, on_delete=fields.SET_NULL
    )
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    decided_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="decided_requisitions", null=True,
        on_delete=fields.SET_NULL,
    )
    decided_at = fields.DatetimeField(null=True)
    reject_reason = fields.CharField(max_length=300, default="")
    collect_by = fields.DatetimeField(null=True)
    collected_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stock_requisition"


class RequisitionLine(Model):
    """One item of a requisition: how many were asked for and how many were approved."""

    id = fields.IntField(primary_key=True)
    requisition: fields.ForeignKeyRelation[Requisition] = fields.ForeignKeyField(
        "models.Requisition", related_name="lines", on_delete=fields.CASCADE
    )
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField(
        "models.Item", related_name="requisition_lines", on_delete=fields.RESTRICT
    )
    qty_requested = fields.IntField()
    qty_approved = fields.IntField(default=0)

    class Meta:
        table = "stock_requisition_line"
        unique_together = (("requisition", "item"),)


class StockDigestRun(Model):
    """The local day a low-stock digest went out (so two instances never both send it)."""

    day = fields.CharField(max_length=10, primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stock_digest_run"

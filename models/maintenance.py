"""Preventive maintenance (预防性维护): recurring plans per asset or asset category, the work
orders they generated (one per plan, asset and due date), and warranty-expiry reminders."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class MaintenancePlan(Model):
    """Service an asset (or every asset of a category) every N days or N months, a work order
    is generated lead_days before each due date; or an asset every N units of its meter, a work
    order lead_units before the meter gets there."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    asset: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Asset", related_name="maintenance_plans", null=True, on_delete=fields.CASCADE
    )
    asset_category = fields.CharField(max_length=32, null=True)
    repair_category = fields.CharField(max_length=32, default="other")
    every_days = fields.IntField(null=True)
    every_months = fields.IntField(null=True)
    lead_days = fields.IntField(default=7)
    first_due = fields.DateField()
    period = fields.IntField(default=0)  # due dates handled so far; next due = first + period×N
    next_due = fields.DateField(db_index=True)
    active = fields.BooleanField(default=True)
    created_by: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="maintenance_plans", on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    # by meter reading (every_units set; days/months unset): a work order when the asset's meter
    # has advanced by carry + every_units − lead_units since the baseline reading
    meter: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Meter", related_name="maintenance_plans", null=True, on_delete=fields.CASCADE
    )
    every_units = fields.FloatField(null=True)
    lead_units = fields.FloatField(null=True)
    meter_baseline = fields.FloatField(null=True)  # register value at the last work order
    meter_baseline_at = fields.DatetimeField(null=True)  # ... and that reading's moment
    meter_carry = fields.FloatField(default=0.0)  # units from the baseline to the due point

    class Meta:
        table = "maintenance_plan"


class MaintenanceRun(Model):
    """The work order one plan generated for one asset and due date (never twice)."""

    id = fields.IntField(primary_key=True)
    plan: fields.ForeignKeyRelation[MaintenancePlan] = fields.ForeignKeyField(
        "models.MaintenancePlan", related_name="runs", on_delete=fields.CASCADE
    )
    asset: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Asset", related_name="maintenance_runs", on_delete=fields.CASCADE
    )
    due_date = fields.DateField()
    ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="maintenance_runs", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField()
    meter_value = fields.FloatField(null=True)  # meter plans: the register value that triggered it

    class Meta:
        table = "maintenance_run"
        unique_together = (("plan", "asset", "due_date"),)


class WarrantyReminder(Model):
    """A warranty-expiry reminder sent to the managers (once per asset and end date)."""

    id = fields.IntField(primary_key=True)
    asset: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Asset", related_name="warranty_reminders", on_delete=fields.CASCADE
    )
    warranty_end = fields.DateField()
    sent_at = fields.DatetimeField()

    class Meta:
        table = "warranty_reminder"
        unique_together = (("asset", "warranty_end"),)

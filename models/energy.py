"""Energy metering (水电): meters on places, their readings, and the anomalies found in them.

A reading's `value` is the meter's cumulative register (the total it shows, as real meters
report it), not the consumption of an interval; hourly consumption is derived from successive
readings (bot/services/energy/series.py), so a re-sent or late reading changes nothing twice.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

METER_KINDS = ("water", "electricity")
ANOMALY_KINDS = ("leak", "spike")
ANOMALY_STATES = ("open", "ticket", "false_alarm")


class Meter(Model):
    """A water or electricity meter installed at a place, with who answers for it."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    kind = fields.CharField(max_length=16)
    unit = fields.CharField(max_length=16)
    place: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Place", related_name="meters", on_delete=fields.RESTRICT
    )
    responsible: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="meters", null=True, on_delete=fields.SET_NULL
    )
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # the equipment it measures (a pump, an air conditioner): meter-reading maintenance plans
    asset: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Asset", related_name="meters", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "meter"


class Reading(Model):
    """One cumulative register value of a meter at a moment (UTC), one per meter and moment."""

    id = fields.BigIntField(primary_key=True)
    meter: fields.ForeignKeyRelation[Meter] = fields.ForeignKeyField(
        "models.Meter", related_name="readings", on_delete=fields.CASCADE
    )
    ts = fields.DatetimeField()
    value = fields.FloatField()
    source = fields.CharField(max_length=8, default="api")
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "meter_reading"
        unique_together = (("meter", "ts"),)


class Anomaly(Model):
    """A probable leak or illegal load on one meter on one local day, and what was decided.

    `details` holds the figures the alert showed (hour, value, median, MAD, threshold…);
    `notified` the ids of the people it was sent to (they may decide on it)."""

    id = fields.IntField(primary_key=True)
    meter: fields.ForeignKeyRelation[Meter] = fields.ForeignKeyField(
        "models.Meter", related_name="anomalies", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    kind = fields.CharField(max_length=8)
    details = fields.JSONField(default=dict)
    observed_at = fields.DatetimeField()
    state = fields.CharField(max_length=12, default="open", db_index=True)
    ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="energy_anomalies", null=True, on_delete=fields.SET_NULL
    )
    notified = fields.JSONField(default=list)
    notified_at = fields.DatetimeField(null=True)
    decided_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="energy_decisions", null=True, on_delete=fields.SET_NULL
    )
    decided_at = fields.DatetimeField(null=True)
    detected_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "energy_anomaly"
        unique_together = (("meter", "day", "kind"),)

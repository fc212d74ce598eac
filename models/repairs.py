"""Repair tickets, their history, followers and attachments."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

URGENCIES = ("urgent", "normal", "low")
# The repair categories are per deployment: bot/categories.toml or HOUQIN_CATEGORIES_FILE
# (bot.services.repairs.categories); a ticket stores the category's code.
OPEN_STATUSES = (
    "submitted", "assigned", "accepted", "on_the_way", "arrived", "in_progress", "reopened"
)
STATUSES = (*OPEN_STATUSES, "done", "closed", "cancelled")


class Ticket(Model):
    """One repair request with a human-friendly number like R-20261122-0007."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=24, unique=True)
    reporter: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="tickets", on_delete=fields.RESTRICT
    )
    place: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Place", related_name="tickets", on_delete=fields.RESTRICT
    )
    category = fields.CharField(max_length=32)
    description = fields.TextField()
    urgency = fields.CharField(max_length=16, default="normal")
    status = fields.CharField(max_length=16, default="submitted", db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    asset: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Asset", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "ticket"
        # the digest's: new tickets by category and place in a span, open backlog by age
        indexes = (("place_id", "category", "status"), ("created_at", "category", "place_id"),
                   ("status", "created_at"))


class TicketEvent(Model):
    """One entry of a ticket's history: status changes, notes, follows."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="events", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="ticket_events", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharField(max_length=32)
    from_status = fields.CharField(max_length=16, null=True)
    to_status = fields.CharField(max_length=16, null=True)
    note = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ticket_event"
        indexes = (("to_status", "created_at", "ticket_id"),)  # the digest's closed tickets


class TicketFollower(Model):
    """Someone who said "me too" (+1) on a ticket and gets its updates."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="followers", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="followed", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ticket_follower"
        unique_together = (("ticket", "person"),)


class TicketCounter(Model):
    """The last ticket sequence number issued on one day (for R-YYYYMMDD-NNNN)."""

    day = fields.CharField(max_length=8, primary_key=True)
    last_seq = fields.IntField(default=0)

    class Meta:
        table = "ticket_counter"


class Attachment(Model):
    """A stored file (original bytes on disk) belonging to a draft or a ticket."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="attachments", null=True, on_delete=fields.CASCADE
    )
    owner: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="attachments", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16, default="photo")
    path = fields.CharField(max_length=255)
    sha256 = fields.CharField(max_length=64)
    size = fields.IntField()
    mime = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "attachment"

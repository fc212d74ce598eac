"""People, their roles and their platform identities; one-time invite codes."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

ROLES = ("reporter", "worker", "storekeeper", "dorm_admin", "manager", "admin")


class Person(Model):
    """Someone the bot knows: roles, language, contact."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    phone = fields.CharField(max_length=32, null=True, db_index=True)
    roles = fields.JSONField(default=list)
    locale = fields.CharField(max_length=10, null=True)
    skills = fields.JSONField(default=list)
    zone = fields.CharField(max_length=64, null=True)
    # The roster id (student or staff number) a campus knows the person by.
    external_id = fields.CharField(max_length=64, null=True, unique=True)
    department = fields.CharField(max_length=100, null=True, db_index=True)
    building = fields.CharField(max_length=64, null=True)
    room = fields.CharField(max_length=32, null=True)
    active = fields.BooleanField(default=True)
    deactivated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "person"

    def has_role(self, *roles: str) -> bool:
        """True when the person holds any of `roles` (admin holds every role)."""
        held = set(self.roles or [])
        return "admin" in held or bool(held & set(roles))


class Identity(Model):
    """One platform account (Telegram user, WeCom user, web chat visitor) of a person."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="identities", on_delete=fields.CASCADE
    )
    platform = fields.CharField(max_length=16)
    user_id = fields.CharField(max_length=64)
    chat_id = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "identity"
        unique_together = (("platform", "user_id"),)


class InviteCode(Model):
    """A one-time code that binds whoever sends `/start CODE` to a prepared person."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="invites", on_delete=fields.CASCADE
    )
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invite_code"

"""People, their roles and their platform identities; one-time invite codes."""

from __future__ import annotations

import unicodedata

from tortoise import fields
from tortoise.models import Model

ROLES = ("reporter", "worker", "storekeeper", "dorm_admin", "manager", "admin")


def normalize_name(name: str | None) -> str:
    """A name as searches compare it: NFKC, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", name or "").lower().split())[:100]


class Person(Model):
    """Someone the bot knows: roles, language, contact."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    # NFKC, lower case, single spaces: exact and prefix name look-ups use its index
    name_norm = fields.CharField(max_length=100, default="", db_index=True)
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

    async def save(self, *args, **kwargs) -> None:  # type: ignore[override]
        """Save, keeping the indexed normalized name in step with the name."""
        self.name_norm = normalize_name(self.name)
        fields_given = kwargs.get("update_fields")
        if fields_given is not None and "name" in fields_given and "name_norm" not in fields_given:
            kwargs["update_fields"] = [*fields_given, "name_norm"]
        await super().save(*args, **kwargs)

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

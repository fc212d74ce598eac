"""People, their roles and their platform identities; one-time invite codes."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

ROLES = ("reporter", "worker", "storekeeper", "dorm_admin", "manager", "admin")
TAG_KINDS = ("role", "skill", "zone")
TAG_FIELDS = frozenset({"roles", "skills", "zone"})  # the Person fields person_tag mirrors
TAG_BATCH = 500


def normalize_name(name: str | None) -> str:
    """A name as searches compare it: NFKC, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", name or "").lower().split())[:100]


def normalize_zone(zone: str | None) -> str:
    """A zone (or place code) as audiences compare it: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", zone or "").strip().lower()


def tags_of(roles: Iterable[str] | None, skills: Iterable[str] | None,
            zone: str | None) -> set[tuple[str, str]]:
    """The (kind, value) rows person_tag holds for these roles, skills and zone."""
    tags = {("role", str(r)[:64]) for r in roles or () if r}
    tags |= {("skill", str(s)[:64]) for s in skills or () if s}
    if normalize_zone(zone):
        tags.add(("zone", normalize_zone(zone)[:64]))
    return tags


async def write_tags(people: Sequence[Person], using_db: BaseDBAsyncClient | None = None
                     ) -> None:
    """Rewrite the person_tag rows of `people` (saved, with ids) from their roles, skills and
    zone: the one writer of the table, used by Person.save and by every bulk write."""
    for start in range(0, len(people), TAG_BATCH):
        chunk = people[start:start + TAG_BATCH]
        await PersonTag.filter(person_id__in=[p.id for p in chunk]).using_db(using_db).delete()
        await PersonTag.bulk_create(
            [PersonTag(person_id=p.id, kind=kind, value=value)
             for p in chunk for kind, value in sorted(tags_of(p.roles, p.skills, p.zone))],
            batch_size=TAG_BATCH, using_db=using_db)


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
    zone = fields.CharField(max_length=64, null=True, db_index=True)
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
        """Save, keeping the indexed normalized name in step with the name and the person_tag
        rows in step with roles, skills and zone."""
        self.name_norm = normalize_name(self.name)
        fields_given = kwargs.get("update_fields")
        if fields_given is not None and "name" in fields_given and "name_norm" not in fields_given:
            kwargs["update_fields"] = [*fields_given, "name_norm"]
        await super().save(*args, **kwargs)
        if fields_given is None or TAG_FIELDS & set(fields_given):
            await write_tags([self], using_db=kwargs.get("using_db"))

    def has_role(self, *roles: str) -> bool:
        """True when the person holds any of `roles` (admin holds every role)."""
        held = set(self.roles or [])
        return "admin" in held or bool(held & set(roles))


class PersonTag(Model):
    """One role, skill or normalized zone of a person, indexed on (kind, value): who holds a
    role is a look-up, not a read of everyone (Person.roles and .skills stay the JSON copy)."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="tags", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=8)
    value = fields.CharField(max_length=64)

    class Meta:
        table = "person_tag"
        unique_together = (("kind", "value", "person"),)
        indexes = (("person_id",),)


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

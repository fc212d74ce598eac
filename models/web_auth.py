"""Web sign-in: server-side sessions, one-time sign-in links, passwords, attempt counters."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

SESSION_METHODS = ("link", "code", "password", "chat_code", "wecom", "telegram", "demo")


class WebSession(Model):
    """One signed-in browser: the cookie holds a random token, the row only its sha256."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="web_sessions", on_delete=fields.CASCADE
    )
    method = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    ip = fields.CharField(max_length=64, null=True)
    user_agent = fields.CharField(max_length=255, null=True)

    class Meta:
        table = "web_session"


class SignInLink(Model):
    """A one-time web sign-in link (`/auth/link/<token>`), only the token's sha256 is kept."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="sign_in_links", on_delete=fields.CASCADE
    )
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sign_in_link"


class WebPassword(Model):
    """A person's web password (argon2id hash), one per person."""

    id = fields.IntField(primary_key=True)
    person: fields.OneToOneRelation = fields.OneToOneField(
        "models.Person", related_name="web_password", on_delete=fields.CASCADE
    )
    password_hash = fields.CharField(max_length=255)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "web_password"


class AttemptCounter(Model):
    """Attempts of one kind (`scope`) by one account or client (`key`) in the current window."""

    id = fields.IntField(primary_key=True)
    scope = fields.CharField(max_length=32)
    key = fields.CharField(max_length=128)
    window_start = fields.BigIntField()  # epoch seconds: compared in one raw upsert
    count = fields.IntField(default=0)

    class Meta:
        table = "attempt_counter"
        unique_together = (("scope", "key"),)


class ChatSignInCode(Model):
    """A 6-digit web sign-in code sent to a person's Telegram or WeCom chat (only its hash)."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="chat_sign_in_codes", on_delete=fields.CASCADE
    )
    code_hash = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "chat_sign_in_code"
        indexes = (("person_id", "used_at"),)

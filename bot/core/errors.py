"""Service errors carry a catalogue key, so every refusal reaches the user localized."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A rule said no; `key` names the catalogue text that explains why."""

    def __init__(self, key: str, **fields: Any):
        super().__init__(key)
        self.key = key
        self.fields = fields


class PermissionDenied(ServiceError):
    """The person lacks the role (or the relation) the action needs."""

    def __init__(self, key: str = "errors.not_allowed", **fields: Any):
        super().__init__(key, **fields)


class NotFound(ServiceError):
    """The thing named does not exist (or is not visible to this person)."""


class InvalidState(ServiceError):
    """The thing exists but is not in a state that allows this action."""


def require_role(person: Any, *roles: str) -> None:
    """Raise PermissionDenied unless `person` holds one of `roles`."""
    if person is None or not person.has_role(*roles):
        raise PermissionDenied()

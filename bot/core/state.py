"""The conversation state store: one row per chat, so a half-filled flow survives a restart."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from models.conversation import ConversationState


@dataclass
class Conversation:
    """Where a chat is: flow, step, a token tying buttons to this flow, and draft data."""

    key: str
    flow: str | None = None
    step: str | None = None
    token: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    stored: bool = False  # a row exists (so saving is one UPDATE)

    @property
    def active(self) -> bool:
        """True when the chat is in the middle of a flow."""
        return self.flow is not None


class StateStore:
    """Loads and saves conversations in the database."""

    async def load(self, key: str) -> Conversation:
        """The chat's conversation (an empty one when there is none)."""
        row = await ConversationState.get_or_none(key=key)
        if row is None:
            return Conversation(key=key)
        return Conversation(key, row.flow, row.step, row.token, dict(row.data or {}), True)

    async def save(self, conv: Conversation) -> None:
        """Persist the conversation as it is now (one statement: UPDATE, or INSERT when the
        chat has no row yet)."""
        values = {"flow": conv.flow, "step": conv.step, "token": conv.token, "data": conv.data}
        if conv.stored and await self._update(conv.key, values):
            return
        try:
            await ConversationState.create(key=conv.key, **values)
        except IntegrityError:  # written meanwhile (another instance): ours is newer
            await self._update(conv.key, values)
        conv.stored = True

    @staticmethod
    async def _update(key: str, values: dict[str, Any]) -> int:
        return await ConversationState.filter(key=key).update(
            **values, updated_at=datetime.now(UTC)
        )

    async def begin(self, conv: Conversation, flow: str, step: str, **data: Any) -> None:
        """Start a new flow (fresh token: buttons of an older flow become stale)."""
        conv.flow, conv.step, conv.token = flow, step, secrets.token_hex(3)
        conv.data = dict(data)
        await self.save(conv)

    async def clear(self, conv: Conversation) -> None:
        """End the flow and drop its draft."""
        conv.flow, conv.step, conv.token, conv.data = None, None, "", {}
        if conv.stored:
            await ConversationState.filter(key=conv.key).delete()
            conv.stored = False

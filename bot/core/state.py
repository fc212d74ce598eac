"""The conversation state store: one row per chat, so a half-filled flow survives a restart.

A handler's changes to the conversation are kept in memory (`Conversation.dirty`) and written
once, with the update's next reply (in the reply's outbox transaction, see Context.reply) or at
the end of the update: a step that updates the draft and moves on is one statement, not two.
The statements every update runs are written by hand (bot.db.fetch/execute): building them
through the ORM cost more CPU than running them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from bot.db import execute, fetch
from models.conversation import ConversationState

_DATA = ConversationState._meta.fields_map["data"]
STATE_COLUMNS = ("flow", "step", "token", "data")  # what from_row reads
LOAD_SQL = f'SELECT {", ".join(STATE_COLUMNS)} FROM conversation_state WHERE "key" = ?'
UPDATE_SQL = ('UPDATE conversation_state SET flow = ?, step = ?, token = ?, data = ?, '
              'updated_at = ? WHERE "key" = ?')
INSERT_SQL = ('INSERT INTO conversation_state (flow, step, token, data, updated_at, "key") '
              'VALUES (?, ?, ?, ?, ?, ?)')
DELETE_SQL = 'DELETE FROM conversation_state WHERE "key" = ?'


@dataclass
class Conversation:
    """Where a chat is: flow, step, a token tying buttons to this flow, and draft data."""

    key: str
    flow: str | None = None
    step: str | None = None
    token: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    stored: bool = False  # a row exists (so saving is one UPDATE)
    dirty: bool = False  # changed since it was read or written

    @property
    def active(self) -> bool:
        """True when the chat is in the middle of a flow."""
        return self.flow is not None


class StateStore:
    """Loads and saves conversations in the database."""

    @staticmethod
    def from_row(key: str, row: dict[str, Any] | None) -> Conversation:
        """The conversation of a `conversation_state` row (flow, step, token, data columns;
        None or a NULL flow: no row)."""
        if row is None or row.get("token") is None:
            return Conversation(key=key)
        data = _DATA.to_python_value(row["data"]) or {}
        return Conversation(key, row["flow"], row["step"], row["token"], dict(data), True)

    async def load(self, key: str) -> Conversation:
        """The chat's conversation (an empty one when there is none)."""
        rows = await fetch(LOAD_SQL, [key])
        return self.from_row(key, rows[0] if rows else None)

    async def save(self, conv: Conversation) -> None:
        """Persist the conversation as it is now (one statement: UPDATE, or INSERT when the
        chat has no row yet)."""
        values = [conv.flow, conv.step, conv.token, _DATA.to_db_value(conv.data, None),
                  datetime.now(UTC), conv.key]
        conv.dirty = False
        if conv.stored and await execute(UPDATE_SQL, values):
            return
        try:
            await execute(INSERT_SQL, values)
        except IntegrityError:  # written meanwhile (another instance): ours is newer
            await execute(UPDATE_SQL, values)
        conv.stored = True

    async def write(self, conv: Conversation) -> None:
        """Persist the changes kept in memory: the flow saved, or its row deleted when it
        ended."""
        if conv.active:
            await self.save(conv)
        else:
            await self._delete(conv)

    @staticmethod
    def start(conv: Conversation, flow: str, step: str, **data: Any) -> None:
        """Start a new flow in memory (fresh token: buttons of an older flow become stale)."""
        conv.flow, conv.step, conv.token = flow, step, secrets.token_hex(3)
        conv.data = dict(data)
        conv.dirty = True

    @staticmethod
    def end(conv: Conversation) -> None:
        """End the flow and drop its draft, in memory."""
        conv.flow, conv.step, conv.token, conv.data = None, None, "", {}
        conv.dirty = True

    async def begin(self, conv: Conversation, flow: str, step: str, **data: Any) -> None:
        """Start a new flow and save it."""
        self.start(conv, flow, step, **data)
        await self.save(conv)

    async def clear(self, conv: Conversation) -> None:
        """End the flow and delete its row."""
        self.end(conv)
        await self._delete(conv)

    @staticmethod
    async def _delete(conv: Conversation) -> None:
        conv.dirty = False
        if conv.stored:
            await execute(DELETE_SQL, [conv.key])
            conv.stored = False

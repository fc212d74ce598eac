"""The conversation state store: one row per chat, so a half-filled flow survives a restart.

A handler's changes to the conversation are kept in memory (`Conversation.dirty`) and written
once, with the update's next reply (in the reply's outbox transaction, see Context.reply) or at
the end of the update: a step that updates the draft and moves on is one statement, not two.
The statements every update runs are written by hand (bot.db): building them
through the ORM cost more CPU than running them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.db import Statement, execute, fetch
from models.conversation import ConversationState

_DATA = ConversationState._meta.fields_map["data"]
STATE_COLUMNS = ("flow", "step", "token", "data")  # what from_row reads
LOAD_SQL = f'SELECT {", ".join(STATE_COLUMNS)} FROM conversation_state WHERE "key" = ?'
# one statement whether the chat has a row or not (and whatever another instance wrote meanwhile)
UPSERT_SQL = (
    'INSERT INTO conversation_state (flow, step, token, data, updated_at, "key") '
    'VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT ("key") DO UPDATE SET flow = excluded.flow, '
    "step = excluded.step, token = excluded.token, data = excluded.data, "
    "updated_at = excluded.updated_at"
)
DELETE_SQL = 'DELETE FROM conversation_state WHERE "key" = ?'


@dataclass
class Conversation:
    """Where a chat is: flow, step, a token tying buttons to this flow, and draft data."""

    key: str
    flow: str | None = None
    step: str | None = None
    token: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    stored: bool = False  # a row exists (so ending the flow deletes it)
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

    @staticmethod
    def writes(conv: Conversation) -> list[Statement]:
        """The statements that persist the conversation as it is now (its row upserted, or
        deleted when the flow ended), to run in a transaction of the caller's; `written`
        once committed."""
        if conv.active:
            data = _DATA.to_db_value(conv.data, None)
            return [(UPSERT_SQL, [conv.flow, conv.step, conv.token, data, datetime.now(UTC),
                                  conv.key])]
        return [(DELETE_SQL, [conv.key])] if conv.stored else []

    @staticmethod
    def written(conv: Conversation) -> None:
        """Note that the statements of `writes` were committed."""
        conv.dirty = False
        conv.stored = conv.active

    async def write(self, conv: Conversation) -> None:
        """Persist the changes kept in memory: the flow saved, or its row deleted when it
        ended."""
        for sql, values in self.writes(conv):
            await execute(sql, list(values))
        self.written(conv)

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
        await self.write(conv)

    async def clear(self, conv: Conversation) -> None:
        """End the flow and delete its row."""
        self.end(conv)
        await self.write(conv)

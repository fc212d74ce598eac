"""The conversation store's cheap save: an UPDATE when the chat has a row, an INSERT the first
time, and a row written meanwhile elsewhere is overwritten, not duplicated."""

from __future__ import annotations

from bot.core.state import StateStore
from models.conversation import ConversationState


async def test_save_inserts_once_then_updates_and_clear_deletes(db):
    store = StateStore()
    conv = await store.load("test:a")
    assert not conv.stored and not conv.active
    await store.begin(conv, "report", "place", category="plumbing")
    assert conv.stored and await ConversationState.filter(key="test:a").count() == 1
    conv.step = "describe"
    await store.write(conv)
    again = await store.load("test:a")
    assert (again.flow, again.step, again.data, again.stored) == (
        "report", "describe", {"category": "plumbing"}, True)
    await store.clear(again)
    assert not again.stored and await ConversationState.filter(key="test:a").count() == 0


async def test_a_row_written_meanwhile_is_overwritten_not_duplicated(db):
    store = StateStore()
    mine = await store.load("test:b")  # no row yet
    other = await store.load("test:b")
    await store.begin(other, "register", "name")  # e.g. another instance
    await store.begin(mine, "report", "place")
    rows = await ConversationState.filter(key="test:b")
    assert len(rows) == 1 and rows[0].flow == "report"


async def test_a_row_deleted_meanwhile_is_written_again(db):
    store = StateStore()
    conv = await store.load("test:c")
    await store.begin(conv, "report", "place")
    await ConversationState.filter(key="test:c").delete()  # retention, another instance
    await store.write(conv)
    assert (await ConversationState.get(key="test:c")).step == "place"

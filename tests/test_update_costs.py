"""One update's database work, made cheap without giving anything up: the person and the
conversation read in one query, the conversation written once and in the transaction of the
reply's outbox row, a poll's updates recorded in one INSERT."""

from __future__ import annotations

from tortoise import connections

from bot.core.types import Incoming
from models.conversation import ConversationState, ProcessedUpdate
from models.outbox import OutboxMessage
from models.people import Identity, Person

SQLITE_TRIGGER = (
    "CREATE TRIGGER outbox_full BEFORE INSERT ON outbox_message "
    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
)
PG_TRIGGER = (
    "CREATE FUNCTION outbox_full() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'database or disk is full'; END $$ LANGUAGE plpgsql; "
    "CREATE TRIGGER outbox_full BEFORE INSERT ON outbox_message "
    "FOR EACH ROW EXECUTE FUNCTION outbox_full()"
)


async def _outbox_fails(failing: bool) -> None:
    """Make every outbox INSERT fail in the database itself (a trigger), or work again."""
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    if failing:
        await conn.execute_script(PG_TRIGGER if postgres else SQLITE_TRIGGER)
    else:
        drop = "DROP TRIGGER outbox_full ON outbox_message; DROP FUNCTION outbox_full()" \
            if postgres else "DROP TRIGGER outbox_full"
        await conn.execute_script(drop)


async def test_a_failed_outbox_insert_leaves_no_half_saved_state(harness):
    h = harness
    await h.send("student", "/report")
    await h.press("student", "水管")
    before = await ConversationState.get(key="test:student")
    assert before.step == "place"
    queued = await OutboxMessage.all().count()
    await _outbox_fails(True)
    assert await h.send("student", "3号楼402") == []  # the question could not be queued
    after = await ConversationState.get(key="test:student")
    # neither the new step nor the place: the chat is where its last answer left it
    assert (after.step, after.data) == (before.step, before.data)
    assert await OutboxMessage.all().count() == queued
    await _outbox_fails(False)
    replies = await h.send("student", "3号楼402")  # the same answer again now works
    assert "什么问题" in replies[-1].text
    assert (await ConversationState.get(key="test:student")).step == "description"


async def test_a_step_writes_the_conversation_once_with_its_reply(harness):
    h = harness
    await h.send("student", "/report")
    await h.press("student", "水管")
    statements: list[str] = []
    raw = connections.get("default")
    if raw.capabilities.dialect != "sqlite":
        return  # the statements are counted by SQLite's trace hook
    await raw._connection.set_trace_callback(statements.append)
    try:
        await h.send("student", "3号楼402")  # the place step: draft updated and moved on
    finally:
        await raw._connection.set_trace_callback(None)
    writes = [s for s in statements if "conversation_state" in s and not s.startswith("SELECT")]
    assert len(writes) == 1 and writes[0].startswith("INSERT INTO conversation_state")
    assert "ON CONFLICT" in writes[0]  # an upsert: one statement whether the row exists or not
    at = statements.index(writes[0])
    assert statements[at - 1] == "BEGIN" and "outbox_message" in statements[at + 1]
    assert "COMMIT" in statements[at + 2:at + 4]
    reads = [s for s in statements if s.startswith("SELECT") and "conversation_state" in s]
    assert len(reads) == 1  # the conversation is read once, never re-read after the write


async def test_the_lookup_finds_only_an_active_bound_person_and_the_chat_conversation(harness):
    people = harness.app.services.people
    person, conv = await people.resolve_chat("test", "student", "test:student")
    assert person is not None and person.has_role("reporter") and conv is None
    await harness.send("student", "/report")
    person, conv = await people.resolve_chat("test", "student", "test:student")
    assert conv is not None and conv["flow"] == "report" and conv["token"]
    assert (await people.resolve_chat("telegram", "student", "test:student"))[0] is None
    await Person.filter(id=person.id).update(active=False)
    assert (await people.resolve_chat("test", "student", "test:student"))[0] is None
    stranger, conv = await people.resolve_chat("test", "nobody", "test:nobody")
    assert stranger is None and conv is None


async def test_a_role_or_language_change_counts_from_the_next_update(harness):
    h = harness
    student = await Identity.get(platform="test", user_id="student").prefetch_related("person")
    replies = await h.send("student", "/report")
    assert "新建报修" in replies[0].text
    await Person.filter(id=student.person_id).update(locale="en")  # e.g. another instance
    replies = await h.send("student", "/cancel")
    assert "Cancelled" in replies[-1].text  # nothing cached: read again for every update


def _incoming(update_id: str | None, accepted: bool = False) -> Incoming:
    return Incoming(platform="telegram", chat_id="1", user_id="1", text="hi",
                    update_id=update_id, accepted=accepted)


async def test_a_batch_is_recorded_at_once_and_redeliveries_are_dropped(harness):
    dispatcher = harness.app.dispatcher
    assert await dispatcher.accept_many([_incoming("1"), _incoming("2")]) == [True, True]
    again = [_incoming("2"), _incoming("3"), _incoming(None), _incoming("4", accepted=True)]
    assert await dispatcher.accept_many(again) == [False, True, True, True]
    assert [i.accepted for i in again] == [False, True, False, True]
    stored = await ProcessedUpdate.filter(platform="telegram").values_list("update_id", flat=True)
    assert sorted(stored) == ["1", "2", "3"]  # "4" was recorded before it came here
    assert await dispatcher.accept(_incoming("3")) is False  # and the one-by-one path agrees

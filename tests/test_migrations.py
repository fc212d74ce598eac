"""The versioned migrations build the schema on an empty database and match the models."""

from __future__ import annotations

import sqlite3

from bot.db import close_db, init_db, pending_model_changes


async def test_migrations_apply_to_empty_sqlite(tmp_path):
    url = f"sqlite://{tmp_path}/m.sqlite3"
    await init_db(url)
    await close_db()
    with sqlite3.connect(tmp_path / "m.sqlite3") as conn:
        tables = {
            row[0] for row in conn.execute("select name from sqlite_master where type='table'")
        }
    assert {"ticket", "person", "place", "outbox_message", "conversation_state"} <= tables


async def test_models_have_no_unmigrated_changes(tmp_path):
    url = f"sqlite://{tmp_path}/m.sqlite3"
    await init_db(url)
    await close_db()
    assert await pending_model_changes(url) == [], "run: python -m bot.makemigrations NAME"

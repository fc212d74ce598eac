"""The versioned migrations build the schema on an empty database and match the models."""

from __future__ import annotations

from tortoise import Tortoise

from bot.db import close_db, init_db, pending_model_changes
from tests.support import database_url


async def test_migrations_build_every_table_and_match_the_models(tmp_path):
    url = database_url(tmp_path, empty=True)
    await init_db(url)  # migrate mode: the production path
    try:
        for model in Tortoise.apps["models"].values():
            assert await model.all().count() == 0, model.__name__
    finally:
        await close_db()
    assert await pending_model_changes(url) == [], "run: python -m bot.makemigrations NAME"

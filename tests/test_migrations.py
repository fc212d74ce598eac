"""The versioned migrations build the schema on an empty database and match the models."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

from bot.db import close_db, ensure_database, init_db, pending_model_changes, tortoise_config
from models.people import PersonTag
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


async def test_0023_backfills_person_tag_and_creates_the_missing_person_indexes(tmp_path):
    url = database_url(tmp_path, empty=True)
    await ensure_database(url)
    await run_migrations(config=tortoise_config(url), target="models.0022_search_indexes")
    await Tortoise.close_connections()
    await init_db(url, schema="none")
    try:
        client = Tortoise.get_connection("default")
        marks = "$1, $2, $3, $4" if url.startswith("postgres") else "?, ?, ?, ?"
        insert = ('INSERT INTO "person" ("id", "roles", "skills", "zone", "name", "name_norm", '
                  f'"active", "created_at") VALUES ({marks}, \'x\', \'x\', TRUE, '
                  'CURRENT_TIMESTAMP)')
        for row in ((1, '["reporter", "worker"]', '["plumbing", "hvac"]', " North "),
                    (2, '["reporter", "admin"]', "[]", None),
                    (3, '["reporter"]', "[]", "")):
            await client.execute_query(insert, list(row))
    finally:
        await close_db()
    await init_db(url)  # migrates 0023
    try:
        tags = set(await PersonTag.all().values_list("person_id", "kind", "value"))
        assert tags == {(1, "role", "reporter"), (1, "role", "worker"), (1, "skill", "plumbing"),
                        (1, "skill", "hvac"), (1, "zone", "north"), (2, "role", "reporter"),
                        (2, "role", "admin"), (3, "role", "reporter")}
        client = Tortoise.get_connection("default")
        if url.startswith("postgres"):
            _, rows = await client.execute_query(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'person'")
            _, collation = await client.execute_query(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_name = 'person' AND column_name = 'name_norm'")
            assert collation[0]["collation_name"] == "C"
        else:
            _, rows = await client.execute_query(
                "SELECT sql AS indexdef FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'person' AND sql IS NOT NULL")
        indexed = " ".join(row["indexdef"] for row in rows)
        for column in ("phone", "department", "name_norm", "zone"):
            assert f'("{column}")' in indexed or f"({column})" in indexed, column
    finally:
        await close_db()


_SQLITE_INDEXES = """
SELECT m.name AS tbl, il.name AS idx, il."unique" AS uniq, ii.seqno AS seq, ii.name AS col
FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii
WHERE m.type = 'table' AND il.origin != 'pk'
"""
_PG_INDEXES = """
SELECT t.relname AS tbl, i.relname AS idx, x.indisunique AS uniq, k.n AS seq, a.attname AS col
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace ns ON ns.oid = t.relnamespace
CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE ns.nspname = 'public' AND NOT x.indisprimary
"""


async def _indexes(url: str, schema: str) -> set[tuple[str, tuple[str, ...], bool]]:
    """Every secondary index of the database built with `schema`: (table, columns, unique)."""
    await init_db(url, schema=schema)
    try:
        client = Tortoise.get_connection("default")
        query = _PG_INDEXES if url.startswith("postgres") else _SQLITE_INDEXES
        _, rows = await client.execute_query(query)
    finally:
        await close_db()
    columns: dict[tuple[str, str, bool], list[tuple[int, str]]] = {}
    for row in rows:
        key = (row["tbl"], row["idx"], bool(row["uniq"]))
        columns.setdefault(key, []).append((row["seq"], row["col"]))
    return {(table, tuple(c for _, c in sorted(cols)), unique)
            for (table, _name, unique), cols in columns.items()}


async def test_a_migrated_database_has_every_index_the_models_declare(tmp_path):
    # Tortoise's AddField/AlterField steps drop db_index=True silently; a migrated production
    # database then scans where the models promise an index
    migrated = await _indexes(database_url(tmp_path / "m", empty=True), "migrate")
    generated = await _indexes(database_url(tmp_path / "g", empty=True), "generate")
    assert generated - migrated == set()

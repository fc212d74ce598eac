import json
import unicodedata

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

# Columns declared db_index=True by AddField/AlterField: Tortoise's migrations add or alter the
# column but never create its index (generate_schemas does), so the people look-ups by phone
# and normalized name read the whole table. Named as generate_schemas names them.
MISSING_INDEXES = [("person", "phone"), ("person", "department"), ("person", "name_norm"),
                   ("person", "zone"), ("outbox_message", "lease")]
BATCH = 500


async def create_missing_indexes(apps, editor):
    """CREATE INDEX IF NOT EXISTS for each column above (SQLite and PostgreSQL alike)."""
    for table, column in MISSING_INDEXES:
        name = editor._generate_index_name_for_table("idx", table, [column])
        await editor._run_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')


async def name_norm_by_code_point(apps, editor):
    """On PostgreSQL, person.name_norm compares by code point (COLLATE "C", as SQLite's
    BINARY does), so the prefix range [key, key || U+10FFFF) and ORDER BY name_norm use its
    index whatever the database's collation."""
    if editor.DIALECT == "postgres":
        await editor._run_sql(
            'ALTER TABLE "person" ALTER COLUMN "name_norm" TYPE VARCHAR(100) COLLATE "C"')


def _zone(text):
    return unicodedata.normalize("NFKC", text or "").strip().lower()[:64]


def _values(raw):
    if isinstance(raw, str):
        raw = json.loads(raw or "[]")
    return [str(v)[:64] for v in raw or [] if v]


async def backfill_person_tags(apps, editor):
    """One person_tag row per role, skill and (normalized) zone held in the JSON columns."""
    client = editor.client
    mark = "$1, $2, $3" if editor.DIALECT == "postgres" else "?, ?, ?"
    insert = f'INSERT INTO "person_tag" ("person_id", "kind", "value") VALUES ({mark})'
    last = 0
    while True:
        _, rows = await client.execute_query(
            f'SELECT "id", "roles", "skills", "zone" FROM "person" WHERE "id" > {int(last)} '
            f'ORDER BY "id" LIMIT {BATCH}')
        if not rows:
            return
        tags = set()
        for row in rows:
            tags |= {(row["id"], "role", r) for r in _values(row["roles"])}
            tags |= {(row["id"], "skill", s) for s in _values(row["skills"])}
            if _zone(row["zone"]):
                tags.add((row["id"], "zone", _zone(row["zone"])))
        if tags:
            await client.execute_many(insert, [list(t) for t in sorted(tags)])
        last = rows[-1]["id"]


class Migration(migrations.Migration):
    dependencies = [('models', '0022_search_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PersonTag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='tags', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=8)),
                ('value', fields.CharField(max_length=64)),
            ],
            options={'table': 'person_tag', 'app': 'models', 'unique_together': (('kind', 'value', 'person'),), 'indexes': [Index(fields=['person_id'])], 'pk_attr': 'id', 'table_description': 'One role, skill or normalized zone of a person, indexed on (kind, value): who holds a'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Person',
            name='zone',
            field=fields.CharField(null=True, db_index=True, max_length=64),
        ),
        ops.RunPython(create_missing_indexes),
        ops.RunPython(name_norm_by_code_point),
        ops.RunPython(backfill_person_tags),
    ]

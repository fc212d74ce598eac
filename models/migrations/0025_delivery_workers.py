from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# AlterField/AddField never create a db_index=True column's index, and on SQLite altering a
# column rebuilds the table without the indexes it had: every indexed outbox column is
# (re)created here, named as generate_schemas names them.
OUTBOX_INDEXED = ("status", "next_attempt_at", "lease", "sent_at")


async def create_outbox_indexes(apps, editor):
    """CREATE INDEX IF NOT EXISTS for each indexed outbox column (SQLite and PostgreSQL)."""
    for column in OUTBOX_INDEXED:
        name = editor._generate_index_name_for_table("idx", "outbox_message", [column])
        await editor._run_sql(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "outbox_message" ("{column}")')


class Migration(migrations.Migration):
    dependencies = [('models', '0024_place_changes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeliveryWorker',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'delivery_worker', 'app': 'models', 'pk_attr': 'id', 'table_description': "A running delivery worker (an app instance): the live ones share the rate limits."},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='OutboxMessage',
            name='sent_at',
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='worker',
            field=fields.CharField(null=True, max_length=40),
        ),
        ops.RunPython(create_outbox_indexes),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_pm_meter')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AlertRequestKey',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=128)),
                ('alert', fields.ForeignKeyField('models.Alert', source_field='alert_id', null=True, db_constraint=True, to_field='id', related_name='request_keys', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'alert_request_key', 'app': 'models', 'pk_attr': 'key', 'table_description': 'An idempotency key of `POST /api/alerts` (24 h): the alert its first request raised, so a'},
            bases=['Model'],
        ),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_place_coordinates')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DigestSubscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.OneToOneField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='digest_subscription', on_delete=OnDelete.CASCADE)),
                ('enabled', fields.BooleanField(default=True)),
                ('hour', fields.IntField(default=8)),
                ('minute', fields.IntField(default=0)),
                ('sections', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('last_sent_on', fields.DateField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'digest_subscription', 'app': 'models', 'pk_attr': 'id', 'table_description': 'When a manager gets the daily digest and which sections it shows.'},
            bases=['Model'],
        ),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_inspections')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Meter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('kind', fields.CharField(max_length=16)),
                ('unit', fields.CharField(max_length=16)),
                ('place', fields.ForeignKeyField('models.Place', source_field='place_id', db_constraint=True, to_field='id', related_name='meters', on_delete=OnDelete.RESTRICT)),
                ('responsible', fields.ForeignKeyField('models.Person', source_field='responsible_id', null=True, db_constraint=True, to_field='id', related_name='meters', on_delete=OnDelete.SET_NULL)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'meter', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A water or electricity meter installed at a place, with who answers for it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Anomaly',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('meter', fields.ForeignKeyField('models.Meter', source_field='meter_id', db_constraint=True, to_field='id', related_name='anomalies', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('kind', fields.CharField(max_length=8)),
                ('details', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('observed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('state', fields.CharField(default='open', db_index=True, max_length=12)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='energy_anomalies', on_delete=OnDelete.SET_NULL)),
                ('notified', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('notified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by', fields.ForeignKeyField('models.Person', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='energy_decisions', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('detected_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'energy_anomaly', 'app': 'models', 'unique_together': (('meter', 'day', 'kind'),), 'pk_attr': 'id', 'table_description': 'A probable leak or illegal load on one meter on one local day, and what was decided.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reading',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('meter', fields.ForeignKeyField('models.Meter', source_field='meter_id', db_constraint=True, to_field='id', related_name='readings', on_delete=OnDelete.CASCADE)),
                ('ts', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('value', fields.FloatField()),
                ('source', fields.CharField(default='api', max_length=8)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'meter_reading', 'app': 'models', 'unique_together': (('meter', 'ts'),), 'pk_attr': 'id', 'table_description': 'One cumulative register value of a meter at a moment (UTC), one per meter and moment.'},
            bases=['Model'],
        ),
    ]

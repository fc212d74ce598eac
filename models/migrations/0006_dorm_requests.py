from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_surveys')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DormNightDuty',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('building', fields.ForeignKeyField('models.Place', source_field='building_id', unique=True, db_constraint=True, to_field='id', related_name='night_duty', on_delete=OnDelete.CASCADE)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='night_duties', on_delete=OnDelete.CASCADE)),
                ('set_by', fields.ForeignKeyField('models.Person', source_field='set_by_id', null=True, db_constraint=True, to_field='id', related_name='night_duties_set', on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'dorm_night_duty', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Who is on night duty (夜间值班) in a dorm building until the dorm admin changes it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DormRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(db_index=True, max_length=16)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='dorm_requests', on_delete=OnDelete.CASCADE)),
                ('assignment', fields.ForeignKeyField('models.DormAssignment', source_field='assignment_id', db_constraint=True, to_field='id', related_name='requests', on_delete=OnDelete.CASCADE)),
                ('building', fields.ForeignKeyField('models.Place', source_field='building_id', db_constraint=True, to_field='id', related_name='dorm_requests', on_delete=OnDelete.CASCADE)),
                ('state', fields.CharField(default='pending', db_index=True, max_length=16)),
                ('reason', fields.CharField(default='', max_length=300)),
                ('expected_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('date_from', fields.DateField(null=True)),
                ('date_to', fields.DateField(null=True)),
                ('where', fields.CharField(default='', max_length=200)),
                ('contact', fields.CharField(default='', max_length=32)),
                ('pref_building', fields.ForeignKeyField('models.Place', source_field='pref_building_id', null=True, db_constraint=True, to_field='id', related_name='dorm_requests_preferred', on_delete=OnDelete.SET_NULL)),
                ('pref_room', fields.ForeignKeyField('models.Place', source_field='pref_room_id', null=True, db_constraint=True, to_field='id', related_name='dorm_requests_room_preferred', on_delete=OnDelete.SET_NULL)),
                ('new_bed', fields.ForeignKeyField('models.DormBed', source_field='new_bed_id', null=True, db_constraint=True, to_field='id', related_name='requests', on_delete=OnDelete.SET_NULL)),
                ('decided_by', fields.ForeignKeyField('models.Person', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='decided_dorm_requests', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_reason', fields.CharField(default='', max_length=300)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'dorm_request', 'app': 'models', 'indexes': [Index(fields=['building_id', 'state'])], 'pk_attr': 'id', 'table_description': "One student request with its per-kind fields and the dorm admin's decision."},
            bases=['Model'],
        ),
    ]

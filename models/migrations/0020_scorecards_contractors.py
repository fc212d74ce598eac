from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0019_asset_checks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DepartmentScorer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('department', fields.CharField(unique=True, max_length=100)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='scorer_for', on_delete=OnDelete.CASCADE)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'department_scorer', 'app': 'models', 'pk_attr': 'id', 'table_description': "The person who fills in a department's scoring cards (one per department)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScorecardRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('month', fields.CharField(unique=True, max_length=7)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cards', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'scorecard_run', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The delivery of one month\'s scorecards (`month` "YYYY-MM"): claimed with `lease_until`'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScoringRound',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('month', fields.CharField(unique=True, max_length=7)),
                ('opened_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closes_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('fanout_done', fields.BooleanField(default=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('results_sent', fields.BooleanField(default=False)),
            ],
            options={'table': 'scoring_round', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One month\'s scoring (`month` "YYYY-MM" is the month scored). Opened on the 1st of the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceUnit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=100)),
                ('scope', fields.TextField(default='', unique=False)),
                ('contacts', fields.TextField(default='', unique=False)),
                ('departments', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('criteria', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'service_unit', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An outsourced service (物业公司, 保洁, 食堂承包方): name, scope, contact people, the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContractorWarning',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('unit', fields.ForeignKeyField('models.ServiceUnit', source_field='unit_id', db_constraint=True, to_field='id', related_name='warnings', on_delete=OnDelete.CASCADE)),
                ('month', fields.CharField(max_length=7)),
                ('satisfaction', fields.FloatField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'contractor_warning', 'app': 'models', 'unique_together': (('unit', 'month'),), 'pk_attr': 'id', 'table_description': 'A unit below the target two months running, told to the managers once (per month).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScoringCard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('models.ScoringRound', source_field='round_id', db_constraint=True, to_field='id', related_name='cards', on_delete=OnDelete.CASCADE)),
                ('unit', fields.ForeignKeyField('models.ServiceUnit', source_field='unit_id', db_constraint=True, to_field='id', related_name='cards', on_delete=OnDelete.CASCADE)),
                ('department', fields.CharField(max_length=100)),
                ('scorer', fields.ForeignKeyField('models.Person', source_field='scorer_id', null=True, db_constraint=True, to_field='id', related_name='scoring_cards', on_delete=OnDelete.SET_NULL)),
                ('criteria', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('comment', fields.TextField(null=True, unique=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'scoring_card', 'app': 'models', 'unique_together': (('round', 'unit', 'department'),), 'pk_attr': 'id', 'table_description': "One department's card for one unit in one round, with the criteria as they were when it"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScoringAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('card', fields.ForeignKeyField('models.ScoringCard', source_field='card_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('criterion', fields.CharField(max_length=64)),
                ('score', fields.IntField()),
            ],
            options={'table': 'scoring_answer', 'app': 'models', 'unique_together': (('card', 'position'),), 'pk_attr': 'id', 'table_description': "One criterion's score 1–5 on one card."},
            bases=['Model'],
        ),
    ]

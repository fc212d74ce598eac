from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0018_people_roster')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AssetCheckRound',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=48)),
                ('kind', fields.CharField(default='monthly', max_length=8)),
                ('place', fields.ForeignKeyField('models.Place', source_field='place_id', null=True, db_constraint=True, to_field='id', related_name='asset_checks', on_delete=OnDelete.SET_NULL)),
                ('department', fields.CharField(null=True, max_length=100)),
                ('started_by', fields.ForeignKeyField('models.Person', source_field='started_by_id', null=True, db_constraint=True, to_field='id', related_name='asset_checks_started', on_delete=OnDelete.SET_NULL)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('orphans_told_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('summary_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'asset_check_round', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One asset check (资产回访): the monthly one or an ad-hoc one for a place or department.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AssetCheckList',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('models.AssetCheckRound', source_field='round_id', db_constraint=True, to_field='id', related_name='lists', on_delete=OnDelete.CASCADE)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='asset_check_lists', on_delete=OnDelete.SET_NULL)),
                ('orphan', fields.BooleanField(default=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reported_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'asset_check_list', 'app': 'models', 'unique_together': (('round', 'person'),), 'pk_attr': 'id', 'table_description': 'The assets one keeper is asked to confirm in a round, and how far the asking got.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AssetCheckItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('models.AssetCheckRound', source_field='round_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('sheet', fields.ForeignKeyField('models.AssetCheckList', source_field='sheet_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('asset', fields.ForeignKeyField('models.Asset', source_field='asset_id', db_constraint=True, to_field='id', related_name='check_items', on_delete=OnDelete.CASCADE)),
                ('department', fields.CharField(default='', max_length=100)),
                ('answer', fields.CharField(null=True, max_length=16)),
                ('note', fields.TextField(null=True, unique=False)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='asset_check_items', on_delete=OnDelete.SET_NULL)),
                ('answered_by', fields.ForeignKeyField('models.Person', source_field='answered_by_id', null=True, db_constraint=True, to_field='id', related_name='asset_check_answers', on_delete=OnDelete.SET_NULL)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'asset_check_item', 'app': 'models', 'unique_together': (('round', 'asset'),), 'pk_attr': 'id', 'table_description': 'One asset of a round: in place, missing or damaged (with the note and the repair ticket).'},
            bases=['Model'],
        ),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_dorm_requests')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InspectionTemplate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name_zh', fields.CharField(max_length=100)),
                ('name_en', fields.CharField(max_length=100)),
                ('zone', fields.CharField(null=True, max_length=64)),
                ('place', fields.ForeignKeyField('models.Place', source_field='place_id', null=True, db_constraint=True, to_field='id', related_name='inspection_templates', on_delete=OnDelete.SET_NULL)),
                ('category', fields.CharField(null=True, max_length=64)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'inspection_template', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A named checklist (消防通道, 配电房…) for a zone, a place or a free-text asset category.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InspectionItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('template', fields.ForeignKeyField('models.InspectionTemplate', source_field='template_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('text_zh', fields.CharField(max_length=200)),
                ('text_en', fields.CharField(max_length=200)),
                ('kind', fields.CharField(default='check', max_length=8)),
                ('unit', fields.CharField(null=True, max_length=16)),
                ('min_value', fields.FloatField(null=True)),
                ('max_value', fields.FloatField(null=True)),
                ('photo_required', fields.BooleanField(default=False)),
                ('safety', fields.BooleanField(default=False)),
                ('repair_category', fields.CharField(default='other', max_length=32)),
                ('active', fields.BooleanField(default=True)),
            ],
            options={'table': 'inspection_item', 'app': 'models', 'unique_together': (('template', 'position'),), 'pk_attr': 'id', 'table_description': 'One line of a checklist: a yes/no check or a reading with its allowed range.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InspectionSchedule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=160)),
                ('template', fields.ForeignKeyField('models.InspectionTemplate', source_field='template_id', db_constraint=True, to_field='id', related_name='schedules', on_delete=OnDelete.CASCADE)),
                ('place', fields.ForeignKeyField('models.Place', source_field='place_id', null=True, db_constraint=True, to_field='id', related_name='inspection_schedules', on_delete=OnDelete.SET_NULL)),
                ('zone', fields.CharField(null=True, max_length=64)),
                ('worker', fields.ForeignKeyField('models.Person', source_field='worker_id', null=True, db_constraint=True, to_field='id', related_name='inspection_schedules', on_delete=OnDelete.SET_NULL)),
                ('rule', fields.CharField(max_length=100)),
                ('paused', fields.BooleanField(default=False)),
                ('next_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'inspection_schedule', 'app': 'models', 'pk_attr': 'id', 'table_description': 'When a template is walked, where, and by whom (a worker, or whoever covers the zone).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InspectionRound',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('schedule', fields.ForeignKeyField('models.InspectionSchedule', source_field='schedule_id', db_constraint=True, to_field='id', related_name='rounds', on_delete=OnDelete.CASCADE)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('worker', fields.ForeignKeyField('models.Person', source_field='worker_id', null=True, db_constraint=True, to_field='id', related_name='inspection_rounds', on_delete=OnDelete.SET_NULL)),
                ('state', fields.CharField(default='pending', db_index=True, max_length=12)),
                ('pushed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('lead_told_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'inspection_round', 'app': 'models', 'unique_together': (('schedule', 'due_at'),), 'pk_attr': 'id', 'table_description': "One due walk of a schedule's checklist, unique per (schedule, due_at): restarts and"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InspectionAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('models.InspectionRound', source_field='round_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('item', fields.ForeignKeyField('models.InspectionItem', source_field='item_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('ok', fields.BooleanField()),
                ('value', fields.FloatField(null=True)),
                ('note', fields.TextField(null=True, unique=False)),
                ('photo_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='inspection_answers', on_delete=OnDelete.SET_NULL)),
                ('actor', fields.ForeignKeyField('models.Person', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='inspection_answers', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'inspection_answer', 'app': 'models', 'unique_together': (('round', 'item'),), 'pk_attr': 'id', 'table_description': 'One answered item of a round (stored at once, so a round resumes after a restart).'},
            bases=['Model'],
        ),
    ]

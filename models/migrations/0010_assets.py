from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0009_digest_periods')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Asset',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name_zh', fields.CharField(max_length=100)),
                ('name_en', fields.CharField(max_length=100)),
                ('category', fields.CharField(default='', max_length=32)),
                ('place', fields.ForeignKeyField('models.Place', source_field='place_id', db_constraint=True, to_field='id', related_name='assets', on_delete=OnDelete.RESTRICT)),
                ('responsible', fields.ForeignKeyField('models.Person', source_field='responsible_id', null=True, db_constraint=True, to_field='id', related_name='assets_kept', on_delete=OnDelete.SET_NULL)),
                ('purchase_date', fields.DateField(null=True)),
                ('warranty_end', fields.DateField(null=True)),
                ('status', fields.CharField(default='in_use', db_index=True, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'asset', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A piece of equipment with a unique code (e.g. AC-3-402-01): where it is, who keeps it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AssetEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('asset', fields.ForeignKeyField('models.Asset', source_field='asset_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Person', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='asset_events', on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharField(max_length=16)),
                ('from_status', fields.CharField(null=True, max_length=16)),
                ('to_status', fields.CharField(null=True, max_length=16)),
                ('from_place', fields.ForeignKeyField('models.Place', source_field='from_place_id', null=True, db_constraint=True, to_field='id', related_name='asset_moves_out', on_delete=OnDelete.SET_NULL)),
                ('to_place', fields.ForeignKeyField('models.Place', source_field='to_place_id', null=True, db_constraint=True, to_field='id', related_name='asset_moves_in', on_delete=OnDelete.SET_NULL)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='asset_events', on_delete=OnDelete.SET_NULL)),
                ('note', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'asset_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One lifecycle entry: created, moved, repair opened/finished, status changed, disposed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AssetRepeatFailure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.OneToOneField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='asset_repeat_failure', on_delete=OnDelete.CASCADE)),
                ('asset', fields.ForeignKeyField('models.Asset', source_field='asset_id', db_constraint=True, to_field='id', related_name='repeat_failures', on_delete=OnDelete.CASCADE)),
                ('count', fields.IntField()),
                ('window_days', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'asset_repeat_failure', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A ticket whose asset was repaired too often lately (a candidate for replacement).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MaintenancePlan',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('asset', fields.ForeignKeyField('models.Asset', source_field='asset_id', null=True, db_constraint=True, to_field='id', related_name='maintenance_plans', on_delete=OnDelete.CASCADE)),
                ('asset_category', fields.CharField(null=True, max_length=32)),
                ('repair_category', fields.CharField(default='other', max_length=32)),
                ('every_days', fields.IntField(null=True)),
                ('every_months', fields.IntField(null=True)),
                ('lead_days', fields.IntField(default=7)),
                ('first_due', fields.DateField()),
                ('period', fields.IntField(default=0)),
                ('next_due', fields.DateField(db_index=True)),
                ('active', fields.BooleanField(default=True)),
                ('created_by', fields.ForeignKeyField('models.Person', source_field='created_by_id', db_constraint=True, to_field='id', related_name='maintenance_plans', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'maintenance_plan', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Service an asset (or every asset of a category) every N days or N months, a work order'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MaintenanceRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('plan', fields.ForeignKeyField('models.MaintenancePlan', source_field='plan_id', db_constraint=True, to_field='id', related_name='runs', on_delete=OnDelete.CASCADE)),
                ('asset', fields.ForeignKeyField('models.Asset', source_field='asset_id', db_constraint=True, to_field='id', related_name='maintenance_runs', on_delete=OnDelete.CASCADE)),
                ('due_date', fields.DateField()),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='maintenance_runs', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'maintenance_run', 'app': 'models', 'unique_together': (('plan', 'asset', 'due_date'),), 'pk_attr': 'id', 'table_description': 'The work order one plan generated for one asset and due date (never twice).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WarrantyReminder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('asset', fields.ForeignKeyField('models.Asset', source_field='asset_id', db_constraint=True, to_field='id', related_name='warranty_reminders', on_delete=OnDelete.CASCADE)),
                ('warranty_end', fields.DateField()),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'warranty_reminder', 'app': 'models', 'unique_together': (('asset', 'warranty_end'),), 'pk_attr': 'id', 'table_description': 'A warranty-expiry reminder sent to the managers (once per asset and end date).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Ticket',
            name='asset',
            field=fields.ForeignKeyField('models.Asset', source_field='asset_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.SET_NULL),
        ),
    ]

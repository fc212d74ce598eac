from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_assets')]

    initial = False

    operations = [
        ops.AddField(
            model_name='MaintenancePlan',
            name='every_units',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='MaintenancePlan',
            name='lead_units',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='MaintenancePlan',
            name='meter',
            field=fields.ForeignKeyField('models.Meter', source_field='meter_id', null=True, db_constraint=True, to_field='id', related_name='maintenance_plans', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='MaintenancePlan',
            name='meter_baseline',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='MaintenancePlan',
            name='meter_baseline_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='MaintenancePlan',
            name='meter_carry',
            field=fields.FloatField(default=0.0),
        ),
        ops.AddField(
            model_name='MaintenanceRun',
            name='meter_value',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Meter',
            name='asset',
            field=fields.ForeignKeyField('models.Asset', source_field='asset_id', null=True, db_constraint=True, to_field='id', related_name='meters', on_delete=OnDelete.SET_NULL),
        ),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0017_due_task_lease')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Person',
            name='phone',
            field=fields.CharField(null=True, db_index=True, max_length=32),
        ),
        ops.AddField(
            model_name='Person',
            name='department',
            field=fields.CharField(null=True, db_index=True, max_length=100),
        ),
        ops.AddField(
            model_name='Person',
            name='building',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Person',
            name='room',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='Person',
            name='deactivated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]

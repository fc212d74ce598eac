from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_dispatch_stock_dorms_alerts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Place',
            name='latitude',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Place',
            name='longitude',
            field=fields.FloatField(null=True),
        ),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_digest')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='DigestSubscription',
            options={'table': 'digest_subscription', 'app': 'models', 'pk_attr': 'id', 'table_description': 'When a manager gets the daily, weekly and monthly digests and which sections they show.'},
        ),
        ops.AddField(
            model_name='DigestSubscription',
            name='last_month_sent_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='DigestSubscription',
            name='last_week_sent_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='DigestSubscription',
            name='monthly',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='DigestSubscription',
            name='weekly',
            field=fields.BooleanField(default=False),
        ),
    ]

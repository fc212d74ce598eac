from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0022_search_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeliveryWorker',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'delivery_worker', 'app': 'models', 'pk_attr': 'id', 'table_description': "A running delivery worker (an app instance): the live ones share the rate limits."},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='OutboxMessage',
            name='sent_at',
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='worker',
            field=fields.CharField(null=True, max_length=40),
        ),
    ]

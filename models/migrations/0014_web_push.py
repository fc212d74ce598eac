from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_web_auth')]

    initial = False

    operations = [
        ops.CreateModel(
            name='VapidKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('private_pem', fields.TextField(unique=False)),
                ('public_key', fields.CharField(max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'vapid_key', 'app': 'models', 'pk_attr': 'id', 'table_description': "The server's VAPID key pair (one row, id 1), generated at first start and kept."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebPushSubscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='web_push_subscriptions', on_delete=OnDelete.CASCADE)),
                ('endpoint', fields.CharField(unique=True, max_length=1024)),
                ('p256dh', fields.CharField(max_length=128)),
                ('auth', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_ok_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('failures', fields.IntField(default=0)),
            ],
            options={'table': 'web_push_subscription', 'app': 'models', 'pk_attr': 'id', 'table_description': "One browser's push subscription for a person (the endpoint is the browser's secret)."},
            bases=['Model'],
        ),
    ]

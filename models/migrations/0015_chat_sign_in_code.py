from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0014_web_push')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ChatSignInCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='chat_sign_in_codes', on_delete=OnDelete.CASCADE)),
                ('code_hash', fields.CharField(max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'chat_sign_in_code', 'app': 'models', 'indexes': [Index(fields=['person_id', 'used_at'])], 'pk_attr': 'id', 'table_description': "A 6-digit web sign-in code sent to a person's Telegram or WeCom chat (only its hash)."},
            bases=['Model'],
        ),
    ]

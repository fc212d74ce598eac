from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0015_chat_sign_in_code')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Zone',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('name_zh', fields.CharField(max_length=100)),
                ('name_en', fields.CharField(max_length=100)),
            ],
            options={'table': 'zone', 'app': 'models', 'pk_attr': 'code', 'table_description': "A campus zone's names (片区): places and people carry its code, readers see a name."},
            bases=['Model'],
        ),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0005_assets')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='Asset',
            options={'table': 'asset', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A piece of equipment with a unique code (e.g. AC-3-402-01): where it is, who keeps it.'},
        ),
    ]

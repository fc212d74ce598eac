from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0023_person_roles')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PlaceChange',
            fields=[
                ('version', fields.BigIntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ('place_id', fields.IntField()),
            ],
            options={'table': 'place_change', 'app': 'models', 'pk_attr': 'version', 'table_description': 'One logged change of a place, by version: instances patch their index with the'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='PlaceIndexVersion',
            options={'table': 'place_index_version', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One row, read by primary key on every look-up: `version` counts the changes of places'},
        ),
    ]

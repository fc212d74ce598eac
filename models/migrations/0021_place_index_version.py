from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0020_scorecards_contractors')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PlaceIndexVersion',
            fields=[
                ('id', fields.IntField(primary_key=True, unique=True, db_index=True)),
                ('token', fields.CharField(max_length=32)),
                ('version', fields.BigIntField(default=0)),
            ],
            options={'table': 'place_index_version', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One row: bumped by every change of a place, so each process knows when its in-memory'},
            bases=['Model'],
        ),
    ]

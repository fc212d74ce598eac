from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0021_place_index_version')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Person',
            name='name_norm',
            field=fields.CharField(default='', db_index=True, max_length=100),
        ),
        ops.CreateModel(
            name='ItemTerm',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('models.Item', source_field='item_id', db_constraint=True, to_field='id', related_name='terms', on_delete=OnDelete.CASCADE)),
                ('term', fields.CharField(db_index=True, max_length=24)),
            ],
            options={'table': 'stock_item_term', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One search term of an active item, looked up by index instead of scanning items.'},
            bases=['Model'],
        ),
        # existing people: the normalized name (LOWER is what SQL has of NFKC + lower case)
        ops.RunSQL("UPDATE person SET name_norm = LOWER(TRIM(name))"),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_digest')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Survey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=100)),
                ('author', fields.ForeignKeyField('models.Person', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='surveys_authored', on_delete=OnDelete.SET_NULL)),
                ('audience_kind', fields.CharField(max_length=16)),
                ('audience_value', fields.TextField(default='', unique=False)),
                ('state', fields.CharField(default='scheduled', db_index=True, max_length=16)),
                ('send_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('opened_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('fanout_done', fields.BooleanField(default=False)),
                ('recipients_total', fields.IntField(default=0)),
                ('remind_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('reminder_sent', fields.BooleanField(default=False)),
                ('closes_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_by', fields.ForeignKeyField('models.Person', source_field='closed_by_id', null=True, db_constraint=True, to_field='id', related_name='surveys_closed', on_delete=OnDelete.SET_NULL)),
                ('repeat', fields.CharField(default='', max_length=16)),
                ('previous', fields.OneToOneField('models.Survey', source_field='previous_id', null=True, db_constraint=True, to_field='id', related_name='next_survey', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'survey', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A survey a manager scheduled: title, audience (as alerts store it), when it goes out,'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyQuestion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('models.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name='questions', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('kind', fields.CharField(max_length=8)),
                ('prompt', fields.TextField(unique=False)),
            ],
            options={'table': 'survey_question', 'app': 'models', 'unique_together': (('survey', 'position'),), 'pk_attr': 'id', 'table_description': 'One question: its place in the survey (1…5), a 1–5 rating or free text, the wording.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyRecipient',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('models.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name='recipients', on_delete=OnDelete.CASCADE)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='survey_receipts', on_delete=OnDelete.CASCADE)),
                ('pushed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'survey_recipient', 'app': 'models', 'unique_together': (('survey', 'person'),), 'pk_attr': 'id', 'table_description': 'A person a survey went to: when it was pushed, reminded, and completed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('recipient', fields.ForeignKeyField('models.SurveyRecipient', source_field='recipient_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('question', fields.ForeignKeyField('models.SurveyQuestion', source_field='question_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('rating', fields.IntField(null=True)),
                ('text', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'survey_answer', 'app': 'models', 'unique_together': (('recipient', 'question'),), 'pk_attr': 'id', 'table_description': "One recipient's answer to one question: a rating 1–5, a text, or neither (skipped)."},
            bases=['Model'],
        ),
    ]

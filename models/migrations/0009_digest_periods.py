from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_energy')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Alert',
            index=Index(fields=['created_at']),
        ),
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
        ops.AddIndex(
            model_name='FollowUp',
            index=Index(fields=['answered_at', 'score']),
        ),
        ops.AddIndex(
            model_name='Job',
            index=Index(fields=['status', 'finished_at', 'worker_id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['created_at', 'category', 'place_id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['status', 'created_at']),
        ),
        ops.AddIndex(
            model_name='TicketEvent',
            index=Index(fields=['to_status', 'created_at', 'ticket_id']),
        ),
        ops.AddIndex(
            model_name='TicketSla',
            index=Index(fields=['responded_at', 'response_due', 'started_at']),
        ),
        ops.AddIndex(
            model_name='TicketSla',
            index=Index(fields=['resolved_at', 'resolution_due', 'started_at']),
        ),
        ops.AddIndex(
            model_name='TicketSla',
            index=Index(fields=['response_due', 'responded_at']),
        ),
        ops.AddIndex(
            model_name='TicketSla',
            index=Index(fields=['resolution_due', 'resolved_at']),
        ),
    ]

"""Dispatch (派工): workers' duty state and shifts, job offers and assignments, stored deadlines
and the due work the periodic job picks up."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

JOB_ROLES = ("primary", "helper")
JOB_STATUSES = ("offered", "accepted", "declined", "withdrawn", "released", "escalated", "done")
LIVE_JOB_STATUSES = ("offered", "accepted")
STAGES = ("accepted", "on_the_way", "arrived", "in_progress")


class WorkerProfile(Model):
    """A worker's (or manager's) duty flag, zone-lead flag and dispatch bookkeeping."""

    id = fields.IntField(primary_key=True)
    person: fields.OneToOneRelation = fields.OneToOneField(
        "models.Person", related_name="worker_profile", on_delete=fields.CASCADE
    )
    on_duty = fields.BooleanField(default=False)
    zone_lead = fields.BooleanField(default=False)
    last_offered_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "worker_profile"


class DutyShift(Model):
    """One stretch on duty, from `/duty on` to `/duty off`."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="duty_shifts", on_delete=fields.CASCADE
    )
    started_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "duty_shift"


class Job(Model):
    """One worker's part in one ticket: first an offer, then the assignment (primary or helper).
    An unanswered offer stays acceptable after `expires_at` (others are asked too) until
    `valid_until`, so of several live offers the first Accept wins."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="jobs", on_delete=fields.CASCADE
    )
    worker: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="jobs", on_delete=fields.CASCADE
    )
    role = fields.CharField(max_length=8, default="primary")
    status = fields.CharField(max_length=12, default="offered", db_index=True)
    stage = fields.CharField(max_length=16, default="accepted")
    priority = fields.BooleanField(default=False)
    offered_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    valid_until = fields.DatetimeField()
    timed_out = fields.BooleanField(default=False)
    answered_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    reason = fields.TextField(null=True)
    offered_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="jobs_offered", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "dispatch_job"
        indexes = (("ticket_id", "status"), ("worker_id", "status"),
                   ("status", "finished_at", "worker_id"))  # the digest's jobs per worker


class TicketSla(Model):
    """A ticket's service-level deadlines: response (a worker accepted) and resolution (done).
    `version` changes whenever the deadlines are recomputed, so older due tasks lapse."""

    id = fields.IntField(primary_key=True)
    ticket: fields.OneToOneRelation = fields.OneToOneField(
        "models.Ticket", related_name="sla", on_delete=fields.CASCADE
    )
    version = fields.IntField(default=1)
    started_at = fields.DatetimeField()
    response_due = fields.DatetimeField(db_index=True)
    resolution_due = fields.DatetimeField(db_index=True)
    responded_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "ticket_sla"
        # cover the digest's SLA rates and medians over a span of response or resolution times
        indexes = (("responded_at", "response_due", "started_at"),
                   ("resolved_at", "resolution_due", "started_at"),
                   ("response_due", "responded_at"), ("resolution_due", "resolved_at"))


class DueTask(Model):
    """Work due at a time: offer time-outs, deferred dispatch, SLA reminders and escalations,
    closing an unanswered follow-up. Claimed with a lease (`lease_until`) and marked done
    after it ran, so a runner killed mid-task leaves it to the next one."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="due_tasks", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)
    due_at = fields.DatetimeField(db_index=True)
    job: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Job", related_name="due_tasks", null=True, on_delete=fields.CASCADE
    )
    ref_id = fields.IntField(null=True)
    version = fields.IntField(default=0)
    done_at = fields.DatetimeField(null=True, db_index=True)
    outcome = fields.CharField(max_length=32, null=True)
    # claimed until: a runner holds the task this long; done_at is set only after it ran
    lease_until = fields.DatetimeField(null=True)

    class Meta:
        table = "due_task"

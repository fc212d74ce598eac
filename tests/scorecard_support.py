"""A seeded November 2026 with known figures for the scorecard tests (Asia/Shanghai).

孙师傅 (zone north): 4 tickets as the main worker plus 1 as a helper, responses 30/90/20/40 min
against 60-min deadlines, resolutions 120/300/180/360 min against 240-min ones; ratings 5, 4, 2
and one "not fixed"; 2 offers declined; one repeat failure; rounds 3 done, 1 missed; PM work
orders 2, one on time. 李师傅 (zone north): one ticket, both deadlines met. 赵师傅: nothing.
Work just outside November (October, 1 December local) must not count."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from models.assets import Asset
from models.dispatch import Job, TicketSla
from models.followup import FollowUp, RepeatFailure
from models.inspections import InspectionRound, InspectionSchedule, InspectionTemplate
from models.maintenance import MaintenancePlan, MaintenanceRun
from models.people import Person
from models.places import Place
from models.repairs import Ticket

TZ = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def local(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    """A Shanghai wall-clock moment."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


async def ticket_with_sla(reporter: Person, place: Place, started: datetime, response: int,
                          resolution: int) -> Ticket:
    """A ticket whose SLA started at `started`, answered after `response` minutes and resolved
    after `resolution` minutes, against 60- and 240-minute deadlines."""
    ticket = await Ticket.create(number=f"R-T-{next(_seq):04d}", reporter=reporter, place=place,
                                 category="plumbing", description="漏水", status="closed")
    await TicketSla.create(ticket=ticket, started_at=started,
                           response_due=started + timedelta(minutes=60),
                           resolution_due=started + timedelta(minutes=240),
                           responded_at=started + timedelta(minutes=response),
                           resolved_at=started + timedelta(minutes=resolution))
    return ticket


async def job(ticket: Ticket, worker: Person, finished: datetime | None, status: str = "done",
              role: str = "primary") -> Job:
    """A job of `worker` on `ticket`, finished (or answered, for a decline) at `finished`."""
    offered = (finished or local(11, 1)) - timedelta(hours=3)
    return await Job.create(ticket=ticket, worker=worker, role=role, status=status,
                            offered_at=offered, expires_at=offered, valid_until=offered,
                            answered_at=finished,
                            finished_at=finished if status == "done" else None)


async def seed_november(manager: Person | None = None) -> dict[str, Person]:
    """The month described above; returns the three workers and the reporter."""
    place = await Place.create(code="SC-1", kind="room", name_zh="考核楼101", name_en="Room 101")
    reporter = await Person.create(name="报修人", roles=["reporter"])
    a = await Person.create(name="孙师傅", roles=["worker"], zone="north")
    b = await Person.create(name="李师傅", roles=["worker"], zone="north")
    c = await Person.create(name="赵师傅", roles=["worker"], zone="south")
    creator = manager or await Person.create(name="计划员", roles=["manager"])

    tickets = []
    for day, response, resolution in ((2, 30, 120), (5, 90, 300), (8, 20, 180), (5, 40, 360)):
        started = local(11, day)
        t = await ticket_with_sla(reporter, place, started, response, resolution)
        await job(t, a, started + timedelta(minutes=resolution))
        tickets.append(t)
    await job(tickets[0], b, local(11, 2, 12), role="helper")  # b helped: a job, not an SLA
    helper_ticket = await ticket_with_sla(reporter, place, local(11, 12), 45, 100)
    await job(helper_ticket, a, local(11, 12, 11, 40), role="helper")
    # the last local evening of November counts, the first minutes of December do not
    late = await ticket_with_sla(reporter, place, local(11, 30, 22), 10, 60)
    await job(late, b, local(11, 30, 23, 0))
    december = await ticket_with_sla(reporter, place, local(11, 30, 23, 30), 10, 40)
    await job(december, a, local(12, 1, 0, 10))
    october = await ticket_with_sla(reporter, place, local(10, 20), 10, 40)
    await job(october, a, local(10, 20, 10, 40))

    for score, answer in ((5, "fixed"), (4, "fixed"), (2, "fixed"), (None, "not_fixed")):
        await FollowUp.create(ticket=tickets[0], worker=a, asked_at=local(11, 20),
                              due_at=local(11, 23), answer=answer, answered_at=local(11, 21),
                              score=score)
    await FollowUp.create(ticket=october, worker=a, asked_at=local(10, 21), due_at=local(10, 24),
                          answer="fixed", answered_at=local(10, 22), score=1)
    for when in (local(11, 3), local(11, 15), local(10, 30)):
        await job(tickets[1], a, when, status="declined")
    await RepeatFailure.create(ticket=tickets[1], place=place, category="plumbing", count=3,
                               window_days=30, created_at=local(11, 5))

    template = await InspectionTemplate.create(code="FIRE", name_zh="消防", name_en="Fire")
    schedule = await InspectionSchedule.create(key="fire-a", template=template, worker=a,
                                               rule="daily 09:00")
    for day, state in ((3, "done"), (4, "done"), (5, "done"), (6, "missed"), (7, "pending")):
        await InspectionRound.create(schedule=schedule, due_at=local(11, day, 9), worker=a,
                                     state=state)
    await InspectionRound.create(schedule=schedule, due_at=local(10, 9, 9), worker=a,
                                 state="missed")

    asset = await Asset.create(code="PUMP-1", name_zh="水泵", name_en="Pump", place=place)
    plan = await MaintenancePlan.create(name="水泵保养", asset=asset, every_months=1,
                                        first_due=date(2026, 11, 5), next_due=date(2026, 12, 5),
                                        created_by=creator)
    # tickets[2] finished 11-08 13:00, due 11-10: on time; tickets[3] finished 11-05 16:00,
    # due 11-04: late
    for ticket, due in ((tickets[2], date(2026, 11, 10)), (tickets[3], date(2026, 11, 4))):
        await MaintenanceRun.create(plan=plan, asset=asset, due_date=due, ticket=ticket,
                                    created_at=local(11, 1))
    return {"a": a, "b": b, "c": c, "reporter": reporter}

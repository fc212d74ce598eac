"""Bounded storage: rows that only record the past are deleted after HOUQIN_RETENTION_DAYS,
everything younger (and pending work, tickets) is kept; the scheduler runs it every 6 hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.people import PeopleService, attempt_limiter
from bot.services.retention import prune
from models.conversation import ConversationState
from models.outbox import OutboxMessage
from models.web_auth import AttemptCounter, WebSession

pytestmark = pytest.mark.service
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=91)
RECENT = NOW - timedelta(days=10)


async def _outbox(status: str, when: datetime) -> int:
    row = await OutboxMessage.create(platform="test", chat_id="c", payload={"text": "x"},
                                     status=status, next_attempt_at=when)
    await OutboxMessage.filter(id=row.id).update(created_at=when)
    return row.id


async def test_old_records_go_recent_ones_and_pending_work_stay(db):
    old_sent, old_failed = await _outbox("sent", OLD), await _outbox("failed", OLD)
    old_pending, new_sent = await _outbox("pending", OLD), await _outbox("sent", RECENT)
    for key, when in (("test:old", OLD), ("test:new", RECENT)):
        state = await ConversationState.create(key=key, flow="report", step="place")
        await ConversationState.filter(id=state.id).update(updated_at=when)
    ann = await PeopleService().create("Ann", [])
    ended = await WebSession.create(token_hash="a" * 64, person=ann, method="link",
                                    last_seen_at=OLD, revoked_at=OLD)
    live = await WebSession.create(token_hash="b" * 64, person=ann, method="link",
                                   last_seen_at=RECENT)
    await attempt_limiter.hit("web_login_ip", "10.0.0.1", 5, timedelta(minutes=15),
                              now=NOW - timedelta(days=2))
    await attempt_limiter.hit("web_login_ip", "10.0.0.2", 5, timedelta(minutes=15),
                              now=NOW - timedelta(minutes=5))

    gone = await prune(90, NOW)
    assert gone["outbox"] == 2 and gone["conversations"] == 1 and gone["web_sessions"] == 1
    assert gone["attempts"] == 1
    left = set(await OutboxMessage.all().values_list("id", flat=True))
    assert left == {old_pending, new_sent} and not left & {old_sent, old_failed}
    assert await ConversationState.filter(key="test:new").exists()
    assert not await WebSession.filter(id=ended.id).exists()
    assert await WebSession.filter(id=live.id).exists()
    assert await AttemptCounter.filter(key="10.0.0.2").exists()
    assert await prune(90, NOW) == dict.fromkeys(gone, 0)  # nothing more to do


async def test_the_scheduler_prunes_every_six_hours(tmp_path):
    from bot.core.i18n import Translator
    from bot.delivery.notifier import Notifier
    from bot.services.container import Services
    from scheduler.leader import LeaderLease
    from scheduler.setup import build_scheduler
    from tests.support import make_settings

    settings = make_settings(tmp_path, retention_days=30)
    services = Services.build(settings, Notifier({}, Translator()))
    scheduler = build_scheduler(settings, services, LeaderLease())
    job = scheduler.get_job("prune_old_rows")
    assert job is not None and job.trigger.interval == timedelta(hours=6)

"""The alert service against real SQLite: roles, audiences, fan-out, acknowledgement, re-push
and escalation with a controlled clock, all-clear, and fan-outs interrupted by a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.core.i18n import Translator
from bot.delivery.notifier import Notifier
from bot.services.alerts.service import Audience
from bot.services.container import Services
from models.alerts import Alert, AlertRecipient
from models.dorms import DormAssignment, DormBed
from models.outbox import OutboxMessage
from models.people import Identity
from models.places import Place
from tests.support import RecordingAdapter, make_settings, seed_small_campus


@pytest.fixture
async def env(db, tmp_path):
    """Services, a notifier over two recording platforms (not started: deliver_due drives it)
    and the small campus. The student also uses the web chat; the worker lives in building 3."""
    settings = make_settings(tmp_path)
    test, web = RecordingAdapter(), RecordingAdapter(platform="web")
    notifier = Notifier({"test": test, "web": web}, Translator(settings.default_locale))
    services = Services.build(settings, notifier)
    people = await seed_small_campus()
    await services.people.bind(people["student"], "web", "w-student", "w-student")
    people["worker"].zone = "3"
    await people["worker"].save()
    return SimpleNamespace(
        alerts=services.alerts,
        services=services,
        notifier=notifier,
        test=test,
        web=web,
        people=people,
    )


def texts_to(env, chat: str, platform: str = "test") -> list[str]:
    """Texts a chat received."""
    adapter = env.test if platform == "test" else env.web
    return [r.text for a, r in adapter.sent if a.chat_id == chat]


def buttons_to(env, chat: str) -> list[str]:
    """Button payloads of the latest message to a chat."""
    reply = [r for a, r in env.test.sent if a.chat_id == chat][-1]
    return [b.payload for row in reply.buttons for b in row]


async def raise_alert(env, template="water", details="今晚停水", audience=None, **kw):
    """The manager raises an alert; everything queued is delivered."""
    alert, _ = await env.alerts.raise_alert(
        env.people["manager"],
        template,
        details,
        audience or Audience("everyone"),
        **kw,
    )
    await env.notifier.deliver_due(10_000)
    return alert


async def test_only_managers_may_send_follow_and_close(env):
    alerts = env.alerts
    manager_alert = await raise_alert(env)
    for who in ("student", "worker"):
        person = env.people[who]
        with pytest.raises(PermissionDenied):
            await alerts.raise_alert(person, "fire", "", Audience("everyone"))
        with pytest.raises(PermissionDenied):
            await alerts.preview(person, Audience("everyone"))
        with pytest.raises(PermissionDenied):
            await alerts.list_alerts(person)
        with pytest.raises(PermissionDenied):
            await alerts.get(manager_alert.id, person)
        with pytest.raises(PermissionDenied):
            await alerts.pending_by_place(manager_alert.id, person)
        with pytest.raises(PermissionDenied):
            await alerts.close(manager_alert.id, person, "over")
    with pytest.raises(PermissionDenied):  # no sender is only for systems (the HTTP API)
        await alerts.create(None, "fire", "", Audience("everyone"), source="chat")
    assert await Alert.all().count() == 1
    assert (await Alert.get()).status == "open"


async def test_everyone_gets_it_once_on_every_platform_in_their_language(env):
    alert = await raise_alert(env, "water", "22:00-6:00")
    zh = texts_to(env, "student")
    assert len(zh) == 1 and "停水通知" in zh[0] and "22:00-6:00" in zh[0] and "收到" in zh[0]
    assert texts_to(env, "w-student", "web") == zh
    en = texts_to(env, "student2")
    assert len(en) == 1 and "Water outage" in en[0]
    assert buttons_to(env, "student") == [f"al:ok:{alert.id}"]
    assert await AlertRecipient.filter(alert_id=alert.id).count() == 4
    # running the fan-out again (a resumed job) queues and sends nothing new
    assert await env.alerts.fan_out(alert) == 0
    await env.notifier.deliver_due()
    assert len(texts_to(env, "student")) == 1
    counts = await env.alerts.counts(alert)
    assert (counts.recipients, counts.sent, counts.delivered, counts.pending) == (4, 4, 4, 4)


async def test_audiences(env):
    alerts, manager = env.alerts, env.people["manager"]
    workers = await alerts.preview(manager, Audience("role", "worker"))
    assert workers.people == 1
    building = await alerts.preview(manager, Audience("place", "3号楼"))
    assert building.audience == Audience("place", "3") and building.people == 1  # the worker
    await Place.filter(code="3").update(zone="north")
    zone = await alerts.audience.place_audience("north")
    assert zone.value == "zone:north"
    assert (await alerts.preview(manager, zone)).people == 1  # zone "3" is in the north
    listed, missing = await alerts.audience.parse_list("张三, 13800000002\n无此人")
    assert missing == ["无此人"]
    assert (await alerts.preview(manager, listed)).people == 2
    with pytest.raises(ServiceError):
        await alerts.preview(manager, Audience("role", "pilot"))
    with pytest.raises(NotFound):
        await alerts.audience.place_audience("火星基地")
    with pytest.raises(InvalidState):
        await alerts.preview(manager, Audience("place", "3-402"))  # a room is not an area
    with pytest.raises(ServiceError):
        await alerts.create(manager, "custom", "   ", Audience("everyone"))
    with pytest.raises(ServiceError):
        await alerts.create(manager, "meteor", "", Audience("everyone"))


async def test_dorm_residents_audience(env):
    room = await Place.get(code="3-402")
    bed = await DormBed.create(room=room, label="A")
    now = datetime.now(UTC)
    await DormAssignment.create(
        person=env.people["student2"], bed=bed, window_start=now, window_end=now + timedelta(days=2)
    )
    preview = await env.alerts.preview(env.people["manager"], Audience("dorm", "3"))
    assert preview.people == 1
    alert = await raise_alert(env, "power", "", Audience("dorm", "3"))
    assert len(texts_to(env, "student2")) == 1 and texts_to(env, "student") == []
    rec = await AlertRecipient.get(alert_id=alert.id)
    assert rec.place == "3"
    with pytest.raises(InvalidState):
        await env.alerts.preview(env.people["manager"], Audience("dorm", "LIB"))


async def test_an_everyone_alert_files_dorm_residents_under_their_building(env):
    room = await Place.get(code="3-402")
    bed = await DormBed.create(room=room, label="A")
    now = datetime.now(UTC)
    await DormAssignment.create(
        person=env.people["student2"], bed=bed, window_start=now, window_end=now + timedelta(days=2)
    )
    alert = await raise_alert(env, "power", "", Audience("everyone"))
    places = dict(await AlertRecipient.filter(alert_id=alert.id).values_list("person_id", "place"))
    assert places[env.people["student2"].id] == "3"  # their dorm building, read for them only
    assert places[env.people["student"].id] == (env.people["student"].zone or "")
    assert await env.services.dorms.buildings_of([env.people["student"].id]) == {}


async def test_ack_repush_and_escalation_with_a_controlled_clock(env):
    alert = await raise_alert(env)
    t0 = alert.next_repush_at - timedelta(minutes=5)
    await env.alerts.respond(alert.id, env.people["student"], "received")
    assert await env.alerts.follow_up(t0 + timedelta(minutes=4)) == 0
    # three re-pushes, five minutes apart, only to those who have not answered
    for round_no, minutes in ((1, 5), (2, 10), (3, 15)):
        now = t0 + timedelta(minutes=minutes, seconds=1)
        queued = await env.alerts.follow_up(now)
        await env.notifier.deliver_due()
        expected = 3 if round_no == 1 else 2  # student2 answers after the first reminder
        assert queued == expected
        assert f"第 {round_no}/3 次提醒" in texts_to(env, "worker")[-1]
        if round_no == 1:
            assert "Reminder 1/3" in texts_to(env, "student2")[-1]
            await env.alerts.respond(alert.id, env.people["student2"], "received")
    assert len(texts_to(env, "student")) == 1  # answered at once: never reminded
    # one interval after the last reminder the sender gets the list, by building
    before = len(texts_to(env, "manager"))
    await env.alerts.follow_up(t0 + timedelta(minutes=20, seconds=1))
    escalation = texts_to(env, "manager")[before:]
    assert len(escalation) == 1
    assert "已提醒 3 次仍未回应" in escalation[0]
    assert "【3号楼】1 人" in escalation[0] and "王师傅" in escalation[0]
    assert "张三" not in escalation[0] and "李四" not in escalation[0]
    assert await env.alerts.follow_up(t0 + timedelta(hours=2)) == 0
    counts = await env.alerts.counts(await Alert.get(id=alert.id))
    assert (counts.acknowledged, counts.pending) == (2, 2)


async def test_help_reaches_managers_at_once_with_the_place(env):
    student = env.people["student"]
    student.zone = "3"
    await student.save()
    alert = await raise_alert(env, "fire", "2楼烟感报警", Audience("place", "3"))
    assert alert.evacuation
    assert buttons_to(env, "student") == [f"al:safe:{alert.id}", f"al:help:{alert.id}"]
    before = len(texts_to(env, "manager"))
    await env.alerts.respond(alert.id, student, "help")
    told = texts_to(env, "manager")[before:]
    assert len(told) == 1  # no deliver_due needed: sent at once
    assert "张三" in told[0] and "13800000001" in told[0] and "3号楼" in told[0]
    await env.alerts.help_note(alert.id, student, "3楼东侧楼梯间，腿受伤")
    assert "腿受伤" in texts_to(env, "manager")[-1]
    _, rec, changed = await env.alerts.respond(alert.id, student, "safe")
    assert changed and rec.status == "safe" and "现已平安" in texts_to(env, "manager")[-1]
    _, rec, changed = await env.alerts.respond(alert.id, student, "received")
    assert not changed and rec.status == "safe"  # no step back
    with pytest.raises(NotFound):  # student2 was not in building 3's audience
        await env.alerts.respond(alert.id, env.people["student2"], "safe")
    with pytest.raises(NotFound):
        await env.alerts.respond(999, student, "safe")


async def test_forged_evacuation_answer_on_a_plain_alert_counts_as_received(env):
    alert = await raise_alert(env, "typhoon")
    _, rec, _ = await env.alerts.respond(alert.id, env.people["student"], "help")
    assert rec.status == "received"


async def test_all_clear_closes_and_stops_follow_up(env):
    alert = await raise_alert(env, "gas", "")
    with pytest.raises(ServiceError):
        await env.alerts.close(alert.id, env.people["manager"], "长" * 1001)
    closed, queued = await env.alerts.close(alert.id, env.people["manager"], "")
    assert queued == 5 and closed.status == "closed"
    await env.notifier.deliver_due()
    last = texts_to(env, "student")[-1]
    assert "解除通知" in last and "险情已解除" in last
    assert "All clear" in texts_to(env, "student2")[-1]
    with pytest.raises(InvalidState):
        await env.alerts.close(alert.id, env.people["manager"], "")
    with pytest.raises(InvalidState):
        await env.alerts.respond(alert.id, env.people["student"], "safe")
    later = datetime.now(UTC) + timedelta(hours=1)
    assert await env.alerts.follow_up(later) == 0


async def test_a_fan_out_interrupted_by_a_restart_is_finished_once(env):
    manager = env.people["manager"]
    alert = await env.alerts.create(manager, "power", "检修", Audience("everyone"))
    people = [env.people["student"], env.people["worker"]]  # the part queued before the crash
    partial = await env.alerts.messages(env.notifier.translator, alert, people, "r0")
    await env.notifier.enqueue(partial)
    await env.notifier.deliver_due()
    queued = await env.alerts.resume_fan_outs()
    assert queued == 2  # student2's and the manager's: nobody twice
    await env.notifier.deliver_due()
    for chat in ("student", "student2", "worker", "manager"):
        assert len(texts_to(env, chat)) == 1, chat
    assert len(texts_to(env, "w-student", "web")) == 1
    assert (await Alert.get(id=alert.id)).fanout_done
    assert await env.alerts.resume_fan_outs() == 0
    idents = await Identity.all().count()
    assert (
        await OutboxMessage.filter(idempotency_key__startswith=f"alert:{alert.id}:").count()
        == idents
    )


async def test_a_system_alert_tells_the_managers(env):
    alert, queued = await env.alerts.raise_alert(
        None, "fire_drill", "", Audience("role", "worker"), source="api:bms"
    )
    assert queued == 1 and alert.created_by_id is None
    assert any("api:bms" in text for text in texts_to(env, "manager"))


async def test_when_everyone_answered_nobody_is_reminded_or_listed(env):
    alert = await raise_alert(env, "power", "", Audience("role", "worker"))
    await env.alerts.respond(alert.id, env.people["worker"], "received")
    before = len(env.test.sent)
    later = alert.next_repush_at + timedelta(seconds=1)
    assert await env.alerts.follow_up(later) == 0
    stored = await Alert.get(id=alert.id)
    assert stored.next_repush_at is None and stored.escalated_at is None
    assert len(env.test.sent) == before


def test_alert_buttons_pack_as_before():
    from bot.core.payloads import BadPayload
    from bot.services.alerts import AlertTap

    assert AlertTap("ok", 5).pack() == "al:ok:5"
    assert AlertTap.parse("al:nl:42") == AlertTap("nl", 42)
    for forged in (["v", "x"], ["v"], ["v", "1234567890"]):
        with pytest.raises(BadPayload):
            AlertTap.parse(forged)

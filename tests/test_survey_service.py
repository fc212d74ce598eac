"""The survey service against real SQLite with a controlled clock: roles, scheduling, delivery
once, the one reminder, answering (in order, once, bounded), results and the digest summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.core.i18n import Translator
from bot.delivery.notifier import Notifier
from bot.services.alerts.audience import Audience
from bot.services.container import Services
from bot.services.surveys.jobs import survey_tick
from models.outbox import OutboxMessage
from models.surveys import Survey, SurveyAnswer, SurveyRecipient
from tests.support import RecordingAdapter, make_settings, seed_small_campus

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
QUESTIONS = [("rating", "维修及时吗？"), ("text", "还有什么建议？")]


@pytest.fixture
async def env(db, tmp_path):
    """Services, a notifier over two recording platforms (deliver_due drives it), the campus;
    the student also uses the web chat."""
    settings = make_settings(tmp_path)
    test, web = RecordingAdapter(), RecordingAdapter(platform="web")
    notifier = Notifier({"test": test, "web": web}, Translator(settings.default_locale))
    services = Services.build(settings, notifier)
    people = await seed_small_campus()
    await services.people.bind(people["student"], "web", "w-student", "w-student")
    return SimpleNamespace(
        surveys=services.surveys, services=services, notifier=notifier, test=test, web=web,
        people=people,
    )


def texts_to(env, chat: str, platform: str = "test") -> list[str]:
    """Texts a chat received."""
    adapter = env.test if platform == "test" else env.web
    return [r.text for a, r in adapter.sent if a.chat_id == chat]


async def tick(env, now: datetime) -> int:
    """Run the survey job at `now` and deliver what it queued."""
    queued = await survey_tick(env.services, now)
    await env.notifier.deliver_due(10_000)
    return queued


async def schedule(env, send_at=T0, audience=None, questions=QUESTIONS, **kw) -> Survey:
    """The manager schedules a survey (created at T0)."""
    return await env.surveys.create(
        env.people["manager"], "宿舍维修满意度", questions, audience or Audience("everyone"),
        send_at, now=T0, **kw,
    )


async def test_only_managers_create_and_see_results(env):
    s, manager = env.surveys, env.people["manager"]
    survey = await schedule(env)
    for who in ("student", "worker"):
        person = env.people[who]
        with pytest.raises(PermissionDenied):
            await s.create(person, "x", QUESTIONS, Audience("everyone"), T0, now=T0)
        with pytest.raises(PermissionDenied):
            await s.preview(person, Audience("everyone"))
        with pytest.raises(PermissionDenied):
            await s.get(survey.id, person)
        with pytest.raises(PermissionDenied):
            await s.get(survey.id + 100, person)  # no hint whether it exists
        with pytest.raises(PermissionDenied):
            await s.list_surveys(person)
        with pytest.raises(PermissionDenied):
            await s.close(survey.id, person)
    assert [x.id for x in await s.list_surveys(manager)] == [survey.id]
    # the author keeps their own results after losing the manager role
    manager.roles = ["reporter"]
    await manager.save()
    assert (await s.get(survey.id, manager)).id == survey.id
    assert (await Survey.get(id=survey.id)).state == "scheduled"


async def test_validation(env):
    s, m = env.surveys, env.people["manager"]
    bad = [
        ("", QUESTIONS, "survey.title_empty"),
        ("x" * 101, QUESTIONS, "survey.title_too_long"),
        ("t", [], "survey.question_count"),
        ("t", [("rating", "q")] * 6, "survey.question_count"),
        ("t", [("stars", "q")], "survey.kind_unknown"),
        ("t", [("text", "   ")], "survey.prompt_empty"),
        ("t", [("text", "q" * 301)], "survey.prompt_too_long"),
    ]
    for title, questions, key in bad:
        with pytest.raises(ServiceError) as err:
            await s.create(m, title, questions, Audience("everyone"), T0, now=T0)
        assert err.value.key == key
    with pytest.raises(ServiceError) as err:
        await s.create(m, "t", QUESTIONS, Audience("everyone"), T0 - timedelta(hours=1), now=T0)
    assert err.value.key == "survey.when_past"
    with pytest.raises(ServiceError):
        await s.create(m, "t", QUESTIONS, Audience("role", "pilot"), T0, now=T0)
    assert await Survey.all().count() == 0


def test_parse_when_in_local_time(env):
    s = env.surveys  # T0 is 2026-12-01 10:00 in Shanghai
    assert s.parse_when("2026-12-03 14:30", T0) == datetime(2026, 12, 3, 6, 30, tzinfo=UTC)
    assert s.parse_when("12月3日 14:30", T0) == datetime(2026, 12, 3, 6, 30, tzinfo=UTC)
    assert s.parse_when("12-03 14：30", T0) == datetime(2026, 12, 3, 6, 30, tzinfo=UTC)
    assert s.parse_when("15:00", T0) == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # today
    assert s.parse_when("08:00", T0) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # tomorrow
    assert s.tomorrow_morning(T0) == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    for text, key in (("明天", "survey.when_unknown"), ("2026-02-30 10:00", "survey.when_unknown"),
                      ("2026-11-30 10:00", "survey.when_past"),
                      ("2027-06-01 10:00", "survey.when_too_far")):
        with pytest.raises(ServiceError) as err:
            s.parse_when(text, T0)
        assert err.value.key == key, text


async def test_sent_once_when_due_to_every_identity_in_their_language(env):
    survey = await schedule(env, send_at=T0 + timedelta(hours=2))
    assert await tick(env, T0 + timedelta(hours=1)) == 0
    assert texts_to(env, "student") == []
    assert await tick(env, T0 + timedelta(hours=2)) == 5  # 4 people, the student twice
    zh = texts_to(env, "student")
    assert len(zh) == 1 and "宿舍维修满意度" in zh[0] and "2 个问题" in zh[0]
    assert texts_to(env, "w-student", "web") == zh
    assert "survey" in texts_to(env, "student2")[0].lower()  # English
    invite = next(r for a, r in env.test.sent if a.chat_id == "student")
    assert [b.payload for row in invite.buttons for b in row] == [f"sva:go:{survey.id}"]
    assert any("已发给 4 人" in t for t in texts_to(env, "manager"))
    survey = await Survey.get(id=survey.id)
    assert survey.state == "open" and survey.recipients_total == 4
    assert survey.remind_at == T0 + timedelta(hours=2 + 24)
    assert await SurveyRecipient.filter(survey_id=survey.id, pushed_at__isnull=True).count() == 0
    # a second tick, and a re-run of the fan-out (a resumed job), send nothing again
    assert await tick(env, T0 + timedelta(hours=3)) == 0
    assert await env.surveys.fan_out(survey) == 0
    await env.notifier.deliver_due()
    assert len(texts_to(env, "student")) == 1


async def test_interrupted_fan_out_is_finished_by_the_next_tick(env):
    survey = await schedule(env)
    await Survey.filter(id=survey.id).update(state="open", opened_at=T0)  # claimed, then crash
    assert await tick(env, T0 + timedelta(minutes=1)) == 5
    assert (await Survey.get(id=survey.id)).fanout_done


async def test_answering_in_order_once_and_results(env):
    s = env.surveys
    survey = await schedule(env)
    await tick(env, T0)
    student, student2, worker = (env.people[k] for k in ("student", "student2", "worker"))
    q1, q2 = await s.questions(survey)
    p = await s.progress(survey.id, student)
    assert (p.question.id, p.answered, p.total) == (q1.id, 0, 2)
    with pytest.raises(InvalidState):  # not the next question
        await s.answer(survey.id, student, q2.id, text="早点修")
    for bad in (0, 6, None):
        with pytest.raises(ServiceError) as err:
            await s.answer(survey.id, student, q1.id, rating=bad)
        assert err.value.key == "survey.bad_rating"
    p = await s.answer(survey.id, student, q1.id, rating=4)
    assert p.question.id == q2.id
    with pytest.raises(InvalidState):  # answering twice
        await s.answer(survey.id, student, q1.id, rating=5)
    with pytest.raises(ServiceError) as err:
        await s.answer(survey.id, student, q2.id, text="长" * 501)
    assert err.value.key == "survey.answer_too_long"
    p = await s.answer(survey.id, student, q2.id, text=" 师傅很好 ", now=T0 + timedelta(hours=1))
    assert p.question is None
    rec = await SurveyRecipient.get(survey_id=survey.id, person_id=student.id)
    assert rec.completed_at == T0 + timedelta(hours=1)
    await s.answer(survey.id, student2, q1.id, rating=2)
    await s.answer(survey.id, student2, q2.id, text=None)  # skipped
    await s.answer(survey.id, worker, q1.id, rating=5)  # started, not finished
    with pytest.raises(NotFound):  # not a recipient of a survey that does not exist
        await s.progress(survey.id + 1, student)
    stats = await s.results.stats(survey)
    r = stats.responses
    assert (r.recipients, r.completed, r.partial, r.rate) == (4, 2, 1, 50)
    rating, text = stats.questions
    assert rating.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert (rating.answered, rating.average) == (3, round((2 + 4 + 5) / 3, 2))
    assert (text.answered, text.skipped, text.texts) == (1, 1, ["师傅很好"])
    assert await SurveyAnswer.all().count() == 5


async def test_one_reminder_after_the_delay_only_to_those_not_finished(env):
    s = env.surveys
    survey = await schedule(env)
    await tick(env, T0)
    q1, q2 = await s.questions(survey)
    student, worker = env.people["student"], env.people["worker"]
    await s.answer(survey.id, student, q1.id, rating=3)
    await s.answer(survey.id, student, q2.id, text="好")
    await s.answer(survey.id, worker, q1.id, rating=5)
    assert await tick(env, T0 + timedelta(hours=23, minutes=59)) == 0
    assert await tick(env, T0 + timedelta(hours=24)) == 3  # worker, student2, manager
    assert len(texts_to(env, "student")) == 1  # finished: no reminder
    reminder = texts_to(env, "worker")[-1]
    assert "提醒" in reminder and "1/2" in reminder
    assert "Reminder" in texts_to(env, "student2")[-1]
    assert (await Survey.get(id=survey.id)).reminder_sent
    # never twice: a later tick, or the reminder run again, sends nothing
    assert await tick(env, T0 + timedelta(hours=48)) == 0
    assert await s.send_reminder(survey, T0 + timedelta(hours=49)) == 0
    assert len(texts_to(env, "worker")) == 2
    keys = await OutboxMessage.filter(idempotency_key__contains=":rm:").count()
    assert keys == 3


async def test_a_recipient_claimed_by_another_instance_is_not_reminded_again(env):
    survey = await schedule(env)
    await tick(env, T0)
    worker = env.people["worker"]
    # another instance claimed the worker's reminder a moment ago
    await SurveyRecipient.filter(survey_id=survey.id, person_id=worker.id).update(
        reminded_at=T0 + timedelta(hours=24)
    )
    assert await tick(env, T0 + timedelta(hours=24)) == 4  # the other three (student: 2 chats)
    assert len(texts_to(env, "worker")) == 1


async def test_close_by_manager_and_at_closes_at(env):
    s, manager, student = env.surveys, env.people["manager"], env.people["student"]
    scheduled = await schedule(env, send_at=T0 + timedelta(days=1))
    await s.close(scheduled.id, manager, T0)
    await tick(env, T0 + timedelta(days=2))
    assert texts_to(env, "student") == []  # a closed scheduled survey is never sent
    with pytest.raises(InvalidState):
        await s.close(scheduled.id, manager)
    timed = await schedule(env, closes_at=T0 + timedelta(hours=30))
    await tick(env, T0)
    q1, _ = await s.questions(timed)
    await tick(env, T0 + timedelta(hours=30))
    assert (await Survey.get(id=timed.id)).state == "closed"
    with pytest.raises(InvalidState) as err:
        await s.answer(timed.id, student, q1.id, rating=5)
    assert err.value.key == "survey.closed"
    with pytest.raises(ServiceError):
        await schedule(env, closes_at=T0)


async def test_audience_and_summary_for_the_digest(env):
    s, manager = env.surveys, env.people["manager"]
    preview = await s.preview(manager, Audience("role", "worker"))
    assert (preview.people, preview.reachable) == (1, 1)
    pair = f"{env.people['student'].id},{env.people['student2'].id}"
    first = await schedule(env, audience=Audience("people", pair))
    second = await schedule(env, send_at=T0 + timedelta(days=2))
    await tick(env, T0)
    assert (await Survey.get(id=first.id)).recipients_total == 2
    q1, q2 = await s.questions(first)
    await s.answer(first.id, env.people["student"], q1.id, rating=1)
    await s.answer(first.id, env.people["student"], q2.id, text="x")
    await s.close(first.id, manager, T0 + timedelta(hours=5))
    await tick(env, T0 + timedelta(days=2))
    day1 = await s.survey_summary(T0 - timedelta(hours=1), T0 + timedelta(days=1))
    assert [(x.id, x.responses.recipients, x.responses.completed, x.responses.rate)
            for x in day1.sent] == [(first.id, 2, 1, 50)]
    assert [x.id for x in day1.closed] == [first.id]
    day3 = await s.survey_summary(T0 + timedelta(days=1), T0 + timedelta(days=3))
    assert [x.id for x in day3.sent] == [second.id] and day3.closed == []
    empty = await s.survey_summary(T0 + timedelta(days=5), T0 + timedelta(days=6))
    assert empty.sent == [] and empty.closed == []


async def test_monthly_survey_schedules_its_next_issue_once(env):
    s, manager = env.surveys, env.people["manager"]
    first = await schedule(env, repeat="monthly", closes_at=T0 + timedelta(days=3))
    with pytest.raises(ServiceError):
        await schedule(env, repeat="weekly")
    await tick(env, T0)
    second = await Survey.get(previous_id=first.id)
    assert second.state == "scheduled" and second.repeat == "monthly"
    assert second.send_at == datetime(2027, 1, 1, 2, 0, tzinfo=UTC)  # same local day and time
    assert second.closes_at == second.send_at + timedelta(days=3)
    assert [(q.kind, q.prompt) for q in await s.questions(second)] == QUESTIONS
    assert (await s.upcoming_issue(first)).id == second.id
    # a second run (another instance, a restart) schedules nothing more
    await Survey.filter(id=first.id).update(fanout_done=False)
    await s.fan_out(await Survey.get(id=first.id), T0)
    assert await Survey.filter(previous_id=first.id).count() == 1
    await Survey.filter(id=first.id).update(closes_at=None)  # still open a month later
    await tick(env, second.send_at)
    assert (await Survey.get(id=first.id)).state == "closed"  # the issue before it closes
    assert len(texts_to(env, "student")) == 2
    third = await Survey.get(previous_id=second.id)
    await s.close(third.id, manager, T0)  # closing the scheduled issue ends the series
    await tick(env, third.send_at + timedelta(days=40))
    assert await Survey.filter(previous_id=third.id).count() == 0
    assert await s.upcoming_issue(second) is None


def test_add_month_keeps_the_local_day_or_the_months_last():
    from zoneinfo import ZoneInfo

    from bot.services.surveys.rules import add_month

    tz = ZoneInfo("Asia/Shanghai")
    jan31 = datetime(2027, 1, 31, 1, 0, tzinfo=UTC)  # 09:00 local
    assert add_month(jan31, tz) == datetime(2027, 2, 28, 1, 0, tzinfo=UTC)
    late = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 2027-01-01 01:00 local
    assert add_month(late, tz) == datetime(2027, 1, 31, 17, 0, tzinfo=UTC)


def test_survey_buttons_pack_as_before():
    from bot.core.payloads import BadPayload
    from bot.services.surveys import SurveyAnswerTap, SurveyManageTap

    assert SurveyAnswerTap("go", 7).pack() == "sva:go:7"
    assert SurveyManageTap("rm", 12).pack() == "svm:rm:12"
    assert SurveyManageTap.parse(["cc", "12"]) == SurveyManageTap("cc", 12)
    for forged in (["v", "x"], ["v"], ["v", "1234567890"]):
        with pytest.raises(BadPayload):
            SurveyManageTap.parse(forged)

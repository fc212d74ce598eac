"""Self-verification by id (or phone) + name: clear answers, limited failures counted atomically,
no takeover of bound people, staff only when the deployment allows it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import InvalidState, PermissionDenied, ServiceError
from bot.services.people import SelfVerification, same_name
from models.dorms import DormVerifyAttempt
from models.people import Identity
from models.web_auth import AttemptCounter
from tests.test_dorm_support import small_dorm, window_around

NOW = datetime(2030, 9, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def roster(harness, tmp_path):
    """D1 with the bound student 张三; D2 with 王五 (2024999), on the roster but not bound."""
    start, end = window_around(datetime.now(UTC))
    made = await small_dorm(tmp_path, {"student": harness.people["student"]}, start, end)
    return harness, made


async def _try(h, user: str, student_id: str, name: str, now=NOW, current=None):
    verified = await h.app.services.verification.verify(
        "test", user, user, student_id, name, current=current, locale="zh_CN", now=now
    )
    return verified.person


def test_names_compare_loosely():
    assert same_name("Emily  chen", "Emily Chen")
    assert same_name("张 三", "张三") and same_name("ＡＢＣ", "abc")
    for spelling in ("阿卜杜·热合曼", "阿卜杜・热合曼", "阿卜杜•热合曼", "阿卜杜 热合曼",
                     "阿卜杜热合曼"):
        assert same_name(spelling, "阿卜杜·热合曼")
    assert not same_name("", "") and not same_name("张三", "张四")


async def test_wrong_pair_is_answered_with_tries_left_then_locked(roster):
    h, made = roster
    for left in (4, 3, 2, 1):
        with pytest.raises(ServiceError) as err:
            await _try(h, "nb", "2024999", "王六")
        assert (err.value.key, err.value.fields) == ("verify.mismatch", {"left": left})
    with pytest.raises(InvalidState) as err:
        await _try(h, "nb", "2024999", "王六")
    assert err.value.key == "verify.locked" and err.value.fields["minutes"] == 60
    with pytest.raises(InvalidState) as err:  # even the right pair waits now
        await _try(h, "nb", "2024999", "王五", now=NOW + timedelta(minutes=30))
    assert err.value.key == "verify.locked" and err.value.fields["minutes"] == 30
    assert await DormVerifyAttempt.filter(ok=False).count() == 5
    person = await _try(h, "nb", "2024999", " 王五 ", now=NOW + timedelta(minutes=61))
    assert person.id == made["other"].id and person.locale == "zh_CN"
    assert (await h.app.services.people.resolve("test", "nb")).id == person.id


async def test_failures_against_one_student_id_lock_it_for_everyone(roster):
    h, _ = roster
    for n in range(5):
        with pytest.raises(ServiceError):
            await _try(h, f"attacker{n}", "2024999", f"猜{n}")
    with pytest.raises(InvalidState) as err:
        await _try(h, "fresh", "2024999", "王五")
    assert err.value.key == "verify.locked"


async def test_unknown_ids_and_staff_do_not_verify_by_default(roster):
    h, made = roster
    for student_id, name in (("nope", "王五"), ("2024999", ""), ("2024999", "王六")):
        with pytest.raises(ServiceError) as err:
            await _try(h, "nb", student_id, name)
        assert err.value.key == "verify.mismatch"
    with pytest.raises(PermissionDenied) as err:  # a dorm admin is staff: invitations only
        await _try(h, "nb2", "da-1", "孙宿管")
    assert err.value.key == "verify.staff_invite"
    assert not await Identity.exists(person_id=made["admin1"].id)


async def test_staff_verify_when_the_deployment_allows_it(roster):
    h, made = roster
    open_to_staff = SelfVerification(h.app.services.people, verify_staff=True)
    verified = await open_to_staff.verify("test", "da", "da", " DA-1 ", "孙 宿管", now=NOW)
    assert verified.person.id == made["admin1"].id and "dorm_admin" in verified.person.roles
    assert (await h.app.services.people.resolve("test", "da")).id == made["admin1"].id


async def test_phone_and_name_verify_and_ids_compare_loosely(roster):
    h, made = roster
    other = made["other"]
    other.phone = "13912345678"
    await other.save(update_fields=["phone"])
    with pytest.raises(ServiceError):
        await _try(h, "ph", "139 1234 5678", "王六")
    person = await _try(h, "ph", "139 1234 5678", "王五")
    assert person.id == other.id
    await Identity.filter(person_id=other.id).delete()
    person = await _try(h, "ph2", " ２０２４９９９ ", "王 五")  # full-width digits, spaces
    assert person.id == other.id


async def test_linked_students_are_not_taken_over(roster):
    h, _ = roster
    await _try(h, "first", "2024999", "王五")
    with pytest.raises(InvalidState) as err:
        await _try(h, "second", "2024999", "王五")
    assert err.value.key == "verify.taken"
    assert await h.app.services.people.resolve("test", "second") is None
    with pytest.raises(InvalidState) as err:  # 张三 is bound and on the roster already
        await _try(h, "student", "2024001", "张三", current=h.people["student"])
    assert err.value.key == "verify.already"


async def test_a_self_registered_reporter_moves_to_the_roster_entry(roster):
    h, made = roster
    people = h.app.services.people
    walk_in = await people.register_reporter("test", "wk", "wk", "王五", "13900000000", "zh_CN")
    person = await _try(h, "wk", "2024999", "王五", current=walk_in)
    assert person.id == made["other"].id != walk_in.id
    assert (await people.resolve("test", "wk")).id == made["other"].id


async def test_forty_parallel_wrong_tries_from_one_chat_record_at_most_the_limit(roster):
    h, _ = roster
    results = await asyncio.gather(
        *(_try(h, "rush", "2024999", f"猜{n}") for n in range(40)), return_exceptions=True
    )
    assert all(isinstance(r, ServiceError) for r in results)
    assert await DormVerifyAttempt.filter(user_id="rush").count() == 5
    counter = await AttemptCounter.get(scope="verify_account", key="test:rush")
    assert counter.count == 5
    assert sum(isinstance(r, InvalidState) and r.key == "verify.locked" for r in results) >= 35


async def test_forty_parallel_chats_against_one_student_id_record_at_most_the_limit(roster):
    h, made = roster
    results = await asyncio.gather(
        *(_try(h, f"bot{n}", "2024999", "猜") for n in range(40)), return_exceptions=True
    )
    assert all(isinstance(r, ServiceError) for r in results)
    assert await DormVerifyAttempt.filter(student_id="2024999").count() == 5
    counter = await AttemptCounter.get(scope="verify_member", key=f"p{made['other'].id}")
    assert counter.count == 5


async def test_one_chat_alone_cannot_lock_a_student_out(roster):
    h, made = roster
    for n in range(40):
        with pytest.raises(ServiceError):
            await _try(h, "pest", "2024999", f"猜{n}")
    assert await DormVerifyAttempt.filter(user_id="pest").count() == 5
    person = await _try(h, "real", "2024999", "王五")  # the student's own chat still works
    assert person.id == made["other"].id


async def test_four_chats_do_not_lock_an_id_but_a_fifth_distinct_chat_does(roster):
    h, _ = roster
    for n in range(4):
        for _ in range(5):
            with pytest.raises(ServiceError):
                await _try(h, f"a{n}", "2024999", "猜")
    person = await _try(h, "own", "2024999", "王五")
    assert person.name == "王五"


async def test_the_limit_and_window_come_from_the_settings(roster):
    h, _ = roster
    strict = SelfVerification(h.app.services.people, max_failures=2, window_minutes=10)
    with pytest.raises(ServiceError) as err:
        await strict.verify("test", "s", "s", "2024999", "错", now=NOW)
    assert err.value.fields == {"left": 1}
    with pytest.raises(InvalidState) as err:
        await strict.verify("test", "s", "s", "2024999", "错", now=NOW)
    assert (err.value.key, err.value.fields) == ("verify.locked", {"minutes": 10})
    verified = await strict.verify("test", "s", "s", "2024999", "王五",
                                   now=NOW + timedelta(minutes=11))
    assert verified.person.name == "王五"

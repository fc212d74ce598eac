"""Binding by student id + name: clear answers, limited failures, no takeover of linked students."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import InvalidState, ServiceError
from bot.services.dorms import same_name
from models.dorms import DormVerifyAttempt
from models.people import Identity
from tests.test_dorm_support import small_dorm, window_around

NOW = datetime(2030, 9, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def roster(harness, tmp_path):
    """D1 with the bound student 张三; D2 with 王五 (2024999), on the roster but not bound."""
    start, end = window_around(datetime.now(UTC))
    made = await small_dorm(tmp_path, {"student": harness.people["student"]}, start, end)
    return harness, made


async def _try(h, user: str, student_id: str, name: str, now=NOW, current=None):
    return await h.app.services.dorm_verify.verify_student(
        "test", user, user, student_id, name, current=current, locale="zh_CN", now=now
    )


def test_names_compare_loosely():
    assert same_name("Emily  chen", "Emily Chen")
    assert same_name("张 三", "张三") and same_name("ＡＢＣ", "abc")
    assert not same_name("", "") and not same_name("张三", "张四")


async def test_wrong_pair_is_answered_with_tries_left_then_locked(roster):
    h, made = roster
    for left in (4, 3, 2, 1):
        with pytest.raises(ServiceError) as err:
            await _try(h, "nb", "2024999", "王六")
        assert (err.value.key, err.value.fields) == ("dorm.verify_mismatch", {"left": left})
    with pytest.raises(InvalidState) as err:
        await _try(h, "nb", "2024999", "王六")
    assert err.value.key == "dorm.verify_locked" and err.value.fields["minutes"] == 60
    with pytest.raises(InvalidState) as err:  # even the right pair waits now
        await _try(h, "nb", "2024999", "王五", now=NOW + timedelta(minutes=30))
    assert err.value.key == "dorm.verify_locked" and err.value.fields["minutes"] == 30
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
    assert err.value.key == "dorm.verify_locked"


async def test_unknown_id_and_people_off_the_roster_do_not_verify(roster):
    h, made = roster
    for student_id, name in (("nope", "王五"), ("da-1", "孙宿管"), ("2024999", "")):
        with pytest.raises(ServiceError) as err:
            await _try(h, "nb", student_id, name)
        assert err.value.key == "dorm.verify_mismatch"
    assert not await Identity.exists(person_id=made["admin1"].id)


async def test_linked_students_are_not_taken_over(roster):
    h, _ = roster
    await _try(h, "first", "2024999", "王五")
    with pytest.raises(InvalidState) as err:
        await _try(h, "second", "2024999", "王五")
    assert err.value.key == "dorm.verify_taken"
    assert await h.app.services.people.resolve("test", "second") is None
    with pytest.raises(InvalidState) as err:  # 张三 is bound and on the roster already
        await _try(h, "student", "2024001", "张三", current=h.people["student"])
    assert err.value.key == "dorm.verify_already"


async def test_a_self_registered_reporter_moves_to_the_roster_entry(roster):
    h, made = roster
    people = h.app.services.people
    walk_in = await people.register_reporter("test", "wk", "wk", "王五", "13900000000", "zh_CN")
    person = await _try(h, "wk", "2024999", "王五", current=walk_in)
    assert person.id == made["other"].id != walk_in.id
    assert (await people.resolve("test", "wk")).id == made["other"].id

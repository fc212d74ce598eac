"""SLA maths with a controlled clock: work hours, the night shift, same day / next morning,
reminders and escalation times, per-category overrides and a bad settings file."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.repairs.sla import SlaPolicy
from bot.services.repairs.sla_config import SlaConfigError, load_config, parse_duration

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in November 2026 (the 23rd is a Monday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def local(moment: datetime) -> tuple[int, int, int]:
    moment = moment.astimezone(TZ)
    return moment.day, moment.hour, moment.minute


@pytest.fixture
def policy() -> SlaPolicy:
    return SlaPolicy(load_config(), "Asia/Shanghai")


def write(tmp_path, body: str):
    path = tmp_path / "sla.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(("start", "response", "resolution"), [
    (at(23, 10), (23, 11, 0), (23, 22, 0)),       # work hours: 1 h, same evening
    (at(23, 20, 0), (23, 21, 0), (23, 22, 0)),    # last intake minute
    (at(23, 20, 30), (23, 21, 30), (24, 12, 0)),  # too late for today: next morning
    (at(23, 21, 30), (24, 8, 30), (24, 12, 0)),   # 30 min left tonight, 30 min tomorrow
    (at(23, 23, 0), (24, 9, 0), (24, 12, 0)),     # night: the clock starts at 08:00
    (at(24, 2, 0), (24, 9, 0), (24, 12, 0)),      # after midnight: this morning
])
def test_normal_deadlines_follow_work_hours(policy, start, response, resolution):
    due = policy.deadlines("plumbing", "normal", start)
    assert local(due.response) == response
    assert local(due.resolution) == resolution


def test_urgent_runs_round_the_clock(policy):
    due = policy.deadlines("electrical", "urgent", at(23, 23, 40))
    assert local(due.response) == (24, 0, 10)
    assert local(due.resolution) == (24, 0, 40)
    assert policy.active_at("urgent", at(23, 23, 40)) == at(23, 23, 40)
    assert policy.offer_expiry("urgent", at(23, 23, 40)) == at(23, 23, 43)


def test_low_counts_work_days(policy):
    due = policy.deadlines("carpentry", "low", at(23, 10))
    assert local(due.response) == (24, 10, 0)
    assert local(due.resolution) == (26, 10, 0)
    night = policy.deadlines("carpentry", "low", at(23, 23))
    assert local(night.response) == (24, 22, 0)  # one full work day from 08:00


def test_night_holds_non_urgent_work_until_morning(policy):
    assert not policy.is_work_time(at(23, 22, 0))
    assert policy.is_work_time(at(23, 21, 59))
    assert policy.active_at("normal", at(23, 22, 30)) == at(24, 8)
    assert policy.offer_expiry("normal", at(23, 21, 55)) == at(24, 8)
    assert policy.offer_expiry("normal", at(23, 10)) == at(23, 10, 10)


def test_reminders_and_escalations(policy):
    start = at(23, 10)
    due = policy.deadlines("plumbing", "normal", start)
    assert policy.reminder_at("plumbing", "normal", start, due.response) == at(23, 10, 45)
    lead, managers = policy.escalations("plumbing", "normal", due.response)
    assert (lead, managers) == (at(23, 11), at(23, 11, 30))
    # a normal resolution deadline at 22:00: managers hear about it when work resumes
    lead, managers = policy.escalations("plumbing", "normal", due.resolution)
    assert lead == at(24, 8) and managers == at(24, 8, 30)
    # urgent: the night shift is alerted at night
    late = policy.deadlines("plumbing", "urgent", at(23, 23))
    assert policy.escalations("plumbing", "urgent", late.response)[1] == at(23, 23, 45)
    assert policy.reminder_at("plumbing", "urgent", at(23, 23), at(23, 23, 5)) is None


def test_weekends_off_and_category_override(tmp_path):
    path = write(tmp_path, """
[work_hours]
days = [1, 2, 3, 4, 5]
end = "18:00"
[same_day]
intake_until = "16:00"
[categories.network.normal]
response = "2h"
resolution = "1d"
""")
    policy = SlaPolicy(load_config(path), "Asia/Shanghai")
    due = policy.deadlines("plumbing", "normal", at(27, 17, 30))
    assert local(due.response) == (30, 8, 30)          # half an hour Friday, half on Monday
    assert local(due.resolution) == (30, 12, 0)        # after Friday's intake: Monday morning
    early = policy.deadlines("plumbing", "normal", at(27, 15))
    assert local(early.resolution) == (27, 18, 0)      # "by 22:00" ends with the work day
    assert policy.next_work_start(at(28, 10)) == at(30, 8)
    net = policy.deadlines("network", "normal", at(23, 17))
    assert local(net.response) == (24, 9, 0)           # 1 h today, 1 h tomorrow
    assert local(net.resolution) == (24, 17, 0)        # one work day (10 h)
    assert policy.rule("plumbing", "low").response == timedelta(days=1)


def test_end_of_day_midnight(tmp_path):
    path = write(tmp_path, '[work_hours]\nstart = "00:00"\nend = "24:00"\n')
    policy = SlaPolicy(load_config(path), "Asia/Shanghai")
    assert policy.is_work_time(at(23, 23, 59))
    assert policy.active_at("low", at(23, 3)) == at(23, 3)
    assert local(policy.deadlines("plumbing", "normal", at(23, 23, 30)).response) == (24, 0, 30)


@pytest.mark.parametrize("body", [
    '[work_hours]\nstart = "25:00"\n',
    '[work_hours]\nstart = "18:00"\nend = "08:00"\n',
    '[deadlines.normal]\nresponse = "soon"\n',
    '[deadlines.normal]\nclock = "sometimes"\n',
    '[categories.spaceships.normal]\nresponse = "1h"\n',
    '[night_shift]\nurgencies = ["panic"]\n',
    '[same_day]\nintake_until = "23:00"\nby = "22:00"\n',
    "this is not toml",
])
def test_bad_settings_are_refused_with_the_key(tmp_path, body):
    with pytest.raises(SlaConfigError):
        load_config(write(tmp_path, body))


def test_missing_file_and_durations(tmp_path):
    with pytest.raises(SlaConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("3d") == timedelta(days=3)
    with pytest.raises(SlaConfigError):
        parse_duration("")

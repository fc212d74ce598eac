"""Schedule rules of inspection rounds: month ends, weekdays, cron, time zones, bad rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import ServiceError
from bot.services.inspections.rules import fire_times, next_fire, parse_rule

SH = ZoneInfo("Asia/Shanghai")


def local_days(rule: str, start: datetime, days: int, tz: str = "Asia/Shanghai") -> list[str]:
    trigger = parse_rule(rule, tz)
    return [t.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %a %H:%M")
            for t in fire_times(trigger, start, start + timedelta(days=days))]


def test_monthly_31_falls_on_each_months_last_day() -> None:
    start = datetime(2027, 1, 1, tzinfo=SH)
    assert local_days("monthly 31 10:00", start, 130) == [
        "2027-01-31 Sun 10:00", "2027-02-28 Sun 10:00", "2027-03-31 Wed 10:00",
        "2027-04-30 Fri 10:00",
    ]


def test_monthly_29_and_30_use_februarys_last_day_in_leap_and_common_years() -> None:
    assert local_days("monthly 30 08:00", datetime(2028, 1, 15, tzinfo=SH), 50) == [
        "2028-01-30 Sun 08:00", "2028-02-29 Tue 08:00"]
    assert local_days("monthly 29 08:00", datetime(2027, 1, 15, tzinfo=SH), 50) == [
        "2027-01-29 Fri 08:00", "2027-02-28 Sun 08:00"]
    assert local_days("monthly 15 08:00", datetime(2027, 1, 1, tzinfo=SH), 50) == [
        "2027-01-15 Fri 08:00", "2027-02-15 Mon 08:00"]


def test_weekly_and_cron_weekdays_follow_the_usual_numbering() -> None:
    start = datetime(2027, 3, 1, tzinfo=SH)  # a Monday
    assert local_days("weekly mon,thu 09:00", start, 7) == [
        "2027-03-01 Mon 09:00", "2027-03-04 Thu 09:00"]
    assert local_days("weekly 7 09:00", start, 7) == ["2027-03-07 Sun 09:00"]
    # standard cron: 1-5 is Monday to Friday, 0 is Sunday (APScheduler itself counts from Mon)
    assert [d[11:14] for d in local_days("cron 0 8 * * 1-5", start, 7)] == [
        "Mon", "Tue", "Wed", "Thu", "Fri"]
    assert local_days("cron 30 7 * * 0", start, 7) == ["2027-03-07 Sun 07:30"]


def test_time_zones_daylight_saving_and_fixed_offsets() -> None:
    new_york = parse_rule("daily 08:00", "America/New_York")
    times = fire_times(new_york, datetime(2027, 3, 12, tzinfo=UTC),
                       datetime(2027, 3, 16, tzinfo=UTC))
    # DST starts on 14 March 2027: 08:00 local moves from 13:00 to 12:00 UTC
    assert [t.astimezone(UTC).strftime("%d %H:%M") for t in times] == [
        "12 13:00", "13 13:00", "14 12:00", "15 12:00"]
    shanghai = parse_rule("daily 08:00", "Asia/Shanghai")  # no DST: always 00:00 UTC
    times = fire_times(shanghai, datetime(2027, 3, 12, tzinfo=UTC),
                       datetime(2027, 11, 12, tzinfo=UTC))
    assert {t.astimezone(UTC).strftime("%H:%M") for t in times} == {"00:00"}
    kolkata = parse_rule("monthly 31 23:30", "Asia/Kolkata")  # +05:30, across a UTC month end
    first = next_fire(kolkata, datetime(2027, 4, 1, tzinfo=UTC))
    assert first is not None and first.astimezone(UTC) == datetime(2027, 4, 30, 18, 0,
                                                                    tzinfo=UTC)


def test_next_fire_is_strictly_after() -> None:
    trigger = parse_rule("daily 08:00", "Asia/Shanghai")
    at = datetime(2027, 1, 1, 8, 0, tzinfo=SH)
    assert next_fire(trigger, at) == datetime(2027, 1, 2, 8, 0, tzinfo=SH)


@pytest.mark.parametrize("rule", [
    "", "hourly", "daily 25:00", "daily 8", "weekly xyz 08:00", "weekly mon", "monthly 0 08:00",
    "monthly 32 08:00", "cron a b c d e", "cron 0 8 * * 9", "cron 0 8 * *",
])
def test_bad_rules_are_refused(rule: str) -> None:
    with pytest.raises(ServiceError) as err:
        parse_rule(rule, "Asia/Shanghai")
    assert err.value.key == "inspections.bad_rule"

"""The pure energy rules on synthetic series: hourly use from registers (resets, gaps,
readings off the hour), a leak, a spike, and five normal weeks that raise nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services.energy.series import (
    DetectionConfig,
    detect,
    detect_leak,
    detect_spike,
    hourly_consumption,
    spike_threshold,
)
from tests.energy_support import TZ, electricity_use, register, water_use

CFG = DetectionConfig()
FIRST = date(2026, 10, 26)
LAST = FIRST + timedelta(days=34)  # 35 days: four weeks of history before the last week


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC moment in November 2026."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_hourly_use_from_registers_on_the_hour():
    readings = [(utc(1, 0), 100.0), (utc(1, 1), 101.5), (utc(1, 2), 101.5), (utc(1, 3), 104.0)]
    assert hourly_consumption(readings) == {utc(1, 0): 1.5, utc(1, 1): 0.0, utc(1, 2): 2.5}


def test_readings_off_the_hour_are_spread_by_time_and_partial_hours_dropped():
    readings = [(utc(1, 0, 30), 10.0), (utc(1, 1, 30), 12.0), (utc(1, 2, 30), 16.0)]
    hourly = hourly_consumption(readings)
    assert hourly == {utc(1, 1): pytest.approx(3.0)}  # half of 2 plus half of 4


def test_a_reset_leaves_its_interval_unknown_and_the_new_value_is_the_baseline():
    readings = [(utc(1, 0), 9990.0), (utc(1, 1), 9995.0), (utc(1, 2), 3.0), (utc(1, 3), 5.0)]
    assert hourly_consumption(readings) == {utc(1, 0): 5.0, utc(1, 2): 2.0}


def test_a_long_gap_is_not_guessed_a_short_one_is_spread():
    readings = [(utc(1, 0), 0.0), (utc(1, 3), 6.0), (utc(1, 12), 30.0), (utc(1, 13), 31.0)]
    hourly = hourly_consumption(readings, timedelta(hours=6))
    assert hourly == {utc(1, 0): 2.0, utc(1, 1): 2.0, utc(1, 2): 2.0, utc(1, 12): 1.0}


def test_a_resent_reading_changes_nothing():
    readings = [(utc(1, 0), 1.0), (utc(1, 1), 2.0), (utc(1, 1), 2.0), (utc(1, 2), 4.0)]
    assert hourly_consumption(readings) == {utc(1, 0): 1.0, utc(1, 1): 2.0}


@pytest.mark.parametrize("kind, profile", [("water", water_use()),
                                           ("electricity", electricity_use())])
def test_five_normal_weeks_raise_nothing(kind, profile):
    hourly = hourly_consumption(register(FIRST, 35, profile))
    for offset in range(7):
        assert detect(hourly, LAST - timedelta(days=offset), TZ, kind, CFG) == []


def test_night_flow_that_does_not_drop_is_a_leak():
    def leak(local: datetime) -> float:
        return 0.12 if local.date() >= LAST else 0.0

    hourly = hourly_consumption(register(FIRST, 35, water_use(), extra=leak))
    assert detect_leak(hourly, LAST - timedelta(days=1), TZ, CFG) is None
    finding = detect_leak(hourly, LAST, TZ, CFG)
    assert finding is not None and finding.kind == "leak"
    assert finding.value == pytest.approx(0.12, abs=0.005)
    assert finding.threshold == CFG.leak_floor
    assert finding.observed_at.astimezone(TZ).hour in range(1, 5)
    assert finding.details()["hours"] == 4


def test_a_meter_whose_nights_are_never_zero_leaks_only_above_its_own_usual():
    def steady(local: datetime) -> float:
        return 0.1  # e.g. a circulation pump: its usual night minimum is 0.1

    history = register(FIRST, 35, steady)
    assert detect_leak(hourly_consumption(history), LAST, TZ, CFG) is None

    def more(local: datetime) -> float:
        return 0.1 if local.date() < LAST else 0.45

    finding = detect_leak(hourly_consumption(register(FIRST, 35, more)), LAST, TZ, CFG)
    assert finding is not None and finding.baseline == pytest.approx(0.1)
    assert finding.threshold == pytest.approx(0.3)


def test_an_evening_heater_is_a_spike_at_its_hour():
    def heater(local: datetime) -> float:
        return 2.0 if local.date() == LAST and local.hour == 15 else 0.0

    hourly = hourly_consumption(register(FIRST, 35, electricity_use(), extra=heater))
    finding = detect_spike(hourly, LAST, TZ, "electricity", CFG)
    assert finding is not None and finding.kind == "spike" and finding.hours == 1
    assert finding.observed_at.astimezone(TZ).hour == 15
    assert finding.value > finding.threshold > finding.baseline
    assert detect(hourly, LAST, TZ, "electricity", CFG) == [finding]  # no leaks on power


def test_spikes_need_enough_history():
    def heater(local: datetime) -> float:
        return 5.0 if local.date() == LAST and local.hour == 15 else 0.0

    recent = LAST - timedelta(days=10)
    hourly = hourly_consumption(register(recent, 11, electricity_use(), extra=heater))
    assert detect_spike(hourly, LAST, TZ, "electricity", CFG) is None


def test_a_flat_history_uses_the_floors_instead_of_a_zero_mad():
    threshold, middle, spread = spike_threshold([1.0] * 20, "electricity", CFG)
    assert (middle, spread) == (1.0, pytest.approx(0.1))
    assert threshold == pytest.approx(1.6)  # median + k·(10% of the median)
    threshold, _, _ = spike_threshold([0.0] * 20, "electricity", CFG)
    assert threshold == pytest.approx(0.5)  # all zero: the kind's absolute floor


def test_settings_change_the_rules():
    def heater(local: datetime) -> float:
        return 0.5 if local.date() == LAST and local.hour == 20 else 0.0

    hourly = hourly_consumption(register(FIRST, 35, electricity_use(), extra=heater))
    assert detect_spike(hourly, LAST, TZ, "electricity", CFG) is None
    sharp = DetectionConfig(spike_k=2.0, spike_abs_floor={"electricity": 0.1})
    assert detect_spike(hourly, LAST, TZ, "electricity", sharp) is not None


def test_a_leak_is_not_also_a_water_spike():
    after = LAST + timedelta(days=1)

    def leak(local: datetime) -> float:  # all of the last day and the next midnight hour
        return 0.3 if local.date() == LAST or (local.date() == after and local.hour == 0) else 0

    hourly = hourly_consumption(register(FIRST, 36, water_use(), extra=leak))
    assert detect_spike(hourly, LAST, TZ, "water", CFG) is not None  # on its own it would be
    assert [f.kind for f in detect(hourly, LAST, TZ, "water", CFG)] == ["leak"]
    assert detect_spike(hourly, after, TZ, "water", CFG) is not None
    assert detect(hourly, after, TZ, "water", CFG) == []  # still last night's leak


def test_a_burst_in_the_day_is_a_water_spike():
    def burst(local: datetime) -> float:
        return 1.5 if local.date() == LAST and local.hour == 11 else 0.0

    hourly = hourly_consumption(register(FIRST, 35, water_use(), extra=burst))
    found = detect(hourly, LAST, TZ, "water", CFG)
    assert [(f.kind, f.observed_at.astimezone(TZ).hour) for f in found] == [("spike", 11)]

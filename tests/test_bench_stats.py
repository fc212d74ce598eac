"""The benchmarks' one median and percentile: nearest rank, whatever the sample count."""

from __future__ import annotations

import pytest

from bench import stats


def test_p99_is_the_nearest_rank() -> None:
    assert stats.p99(list(range(1, 101))) == 99  # ⌈0.99·100⌉ = 99th smallest
    assert stats.p99(list(range(1, 1001))) == 990
    assert stats.p99(list(range(1, 151))) == 149  # ⌈148.5⌉: not the 148th
    assert stats.p99([3.0]) == 3.0
    assert stats.p99([5, 1, 4, 2, 3]) == 5  # unsorted input, few samples: the largest


def test_percentile_is_not_thrown_off_by_float_rounding() -> None:
    values = list(range(1, 101))
    assert stats.percentile(values, 0.07) == 7  # 0.07 × 100 is 7.000000000000001
    assert stats.percentile(values, 0.5) == 50 and stats.percentile(values, 1.0) == 100


def test_median_of_odd_and_even_counts() -> None:
    assert stats.median([3, 1, 2]) == 2
    assert stats.median([4, 1, 3, 2]) == 2.5


@pytest.mark.parametrize("share", [0, -0.5, 1.5])
def test_a_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError):
        stats.percentile([1, 2, 3], share)


def test_no_samples_is_refused_not_zero() -> None:
    for compute in (stats.median, stats.p99):
        with pytest.raises(ValueError):
            compute([])

"""The broadcast benchmark's code path at a small N (no timing assertions): the fake server in its
own process, people chatting during the alert, every chat checked for doubled or lost messages."""

from __future__ import annotations

import pytest

from bench.broadcast import match_replies, run_broadcast

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


def test_replies_are_paired_with_the_messages_they_answer():
    latencies, missing = match_replies([1.0, 3.0, 5.0, 9.0], [1.2, 3.5, 4.0], 2.0, 8.0)
    assert latencies == pytest.approx([0.5]) and missing == 1  # 1.0 is before, 4.0 answers none
    assert match_replies([], [1.0], 0, 9) == ([], 0)


async def test_bench_broadcast_smoke():
    # chatting during the 2 s broadcast, under the 1 message/s per chat the answers can get
    result = await run_broadcast(60, 3, think=(1.1, 1.4))
    assert result["recipients"] == 60 and result["chatters"] == 3
    assert result["alerts_lost"] == 0 and result["alerts_doubled"] == 0
    assert result["strays"] == 0
    assert result["replies"] >= 3 and result["replies_lost"] == 0, result
    assert result["seconds"] > 0 and result["ideal_seconds"] == pytest.approx(60 / 28.5)

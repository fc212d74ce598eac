"""The digest benchmark's code path on a tiny database (300 tickets over a year): the loader
writes rows (in Tortoise's timestamp format) that the real digest reads back."""

from __future__ import annotations

from bench import digest_bench


async def test_bench_digest_smoke(tmp_path):
    facts, timings = await digest_bench.run(300, repeats=1, folder=str(tmp_path),
                                            schema="generate", render=False)
    assert facts["rows_ticket"] == 300 and facts["rows_ticket_sla"] > 250
    assert facts["rows_ticket_event"] > 600 and facts["rows_followup"] > 150
    assert [t.kind for t in timings] == ["day", "week", "month"]
    assert all(len(t.builds) == 1 and t.builds[0] > 0 for t in timings)
    assert timings[2].new > 5  # about 25 tickets a month, read back through the ORM


"""Worker scorecards from a seeded month with known figures: every figure, the score and how it
was made, the ranking and zones, role checks, the monthly delivery (once, across a restart and
two instances) and the CSV export."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.core.errors import InvalidState, NotFound, PermissionDenied
from bot.core.i18n import Translator
from bot.db import close_db, init_db
from bot.services.scorecards import Month, ScorecardService, card_text, parse_weights
from models.people import Person
from models.scorecards import ScorecardRun
from tests.scorecard_support import local, seed_november
from tests.test_cli import cli  # noqa: F401  (the command line as a subprocess)

NOV = Month(2026, 11)
WEIGHTS = parse_weights("response=20,resolution=30,rating=30,rounds=10,pm=10,"
                        "reopened=5,repeat=3,declined=1")


def service(notifier=None) -> ScorecardService:
    return ScorecardService("Asia/Shanghai", WEIGHTS, 2, 9, notifier=notifier)


async def test_every_figure_of_a_seeded_month(db):
    people = await seed_november()
    cards = await service().month_cards(NOV)
    by_name = {c.name: c for c in cards.ranked}
    a = by_name["孙师傅"].figures
    assert (a.jobs_done, a.sla_tickets, a.response_met, a.resolution_met) == (5, 4, 3, 2)
    assert (a.response_pct, a.resolution_pct) == (75.0, 50.0)
    assert (a.median_response_min, a.median_resolution_min) == (35.0, 240.0)
    assert (a.rating_count, a.rating_total, a.rating_avg, a.low_ratings) == (3, 11, 3.67, 1)
    assert (a.reopened, a.repeat, a.declined) == (1, 1, 2)
    assert (a.rounds_done, a.rounds_missed, a.rounds_pct) == (3, 1, 75.0)
    assert (a.pm_done, a.pm_on_time, a.pm_pct) == (2, 1, 50.0)
    score = by_name["孙师傅"].score
    assert [(p.name, p.value, p.weight) for p in score.parts] == [
        ("response", 75.0, 20), ("resolution", 50.0, 30), ("rating", 66.7, 30),
        ("rounds", 75.0, 10), ("pm", 50.0, 10)]
    assert [(d.name, d.value, d.weight) for d in score.deductions] == [
        ("reopened", 1, 5), ("repeat", 1, 3), ("declined", 2, 1)]
    assert score.total == 52.5  # (1500 + 1500 + 2001 + 750 + 500) / 100 − 10

    b = by_name["李师傅"].figures
    assert (b.jobs_done, b.sla_tickets, b.response_pct, b.resolution_pct) == (2, 1, 100.0, 100.0)
    assert (b.median_response_min, b.median_resolution_min) == (10.0, 60.0)
    assert (b.rating_count, b.rating_avg, b.reopened, b.declined, b.pm_done) == (0, None, 0, 0, 0)
    assert by_name["李师傅"].score.total == 100.0

    c = by_name["赵师傅"]
    assert c.figures.idle and c.score.total is None and c.rank is None
    assert [(x.name, x.rank, x.score.total) for x in cards.ranked] == [
        ("李师傅", 1, 100.0), ("孙师傅", 2, 52.5), ("赵师傅", None, None)]
    assert "报修人" not in by_name and people["reporter"].id not in cards.ranked

    zones = {z.name: z for z in cards.zones}
    north = zones["north"].figures
    assert (north.jobs_done, north.sla_tickets, north.response_pct, north.resolution_pct) == (
        7, 5, 80.0, 60.0)
    assert north.median_response_min is None  # a team card has no medians
    assert zones["north"].score.total == 56.5  # (1600 + 1800 + 2001 + 750 + 500) / 100 − 10
    assert zones["south"].score.total is None


async def test_the_card_shows_every_figure_and_how_the_score_was_made(db):
    people = await seed_november()
    s, t = service(), Translator()
    card = await s.card(people["a"], NOV)
    zh = card_text(card, NOV, t, "zh_CN").splitlines()
    assert zh == [
        "📋 孙师傅 · 2026-11 月度考核",
        "完成工单 5 单（主修且有时限的 4 单）",
        "响应达标 75%，修复达标 50%",
        "响应中位数 35 分钟，修复中位数 240 分钟",
        "评价 平均 3.67（3 条，低分 1 条）",
        "返修 1 单，重复故障 1 单，拒单 2 次",
        "巡检 完成 3 次，漏检 1 次",
        "保养工单 完成 2 张，按期 1 张",
        "综合得分 52.5 #2",
        "计算：(响应达标% 75×20 + 修复达标% 50×30 + 评价分 66.7×30 + 巡检完成% 75×10 + "
        "保养按期% 50×10) ÷ 100 − 返修 1×5 − 重复故障 1×3 − 拒单 2×1 = 52.5",
    ]
    en = card_text(card, NOV, t, "en")
    assert "Response on time 75%, resolution on time 50%" in en
    assert "= 52.5" in en and "reopened 1×5" in en


async def test_a_worker_with_no_jobs_gets_a_card_that_says_so(db):
    people = await seed_november()
    card = await service().card(people["c"], NOV)
    text = card_text(card, NOV, Translator(), "zh_CN")
    assert "本月没有完成的工单" in text
    assert "响应达标 无，修复达标 无" in text and "评价 平均 无（0 条" in text
    assert "综合得分 无" in text and "不打分" in text
    # someone with no row at all (a new worker) too
    new = await Person.create(name="新师傅", roles=["worker"])
    empty = await service().card(new, Month(2026, 3))
    assert empty.score.total is None and empty.figures.jobs_done == 0


async def test_roles_a_worker_sees_only_their_own_card(db):
    people = await seed_november()
    s = service()
    with pytest.raises(PermissionDenied) as refused:
        await s.card(people["a"], NOV, "李师傅")
    assert refused.value.key == "scorecards.only_own"
    assert (await s.card(people["a"], NOV, "孙师傅")).name == "孙师傅"  # naming oneself is fine
    with pytest.raises(PermissionDenied):
        await s.ranking(people["a"], NOV)
    with pytest.raises(PermissionDenied):
        await s.card(people["reporter"], NOV)
    manager = await Person.create(name="经理", roles=["manager"])
    assert (await s.card(manager, NOV, "李师傅")).score.total == 100.0
    with pytest.raises(NotFound):
        await s.card(manager, NOV, "没有这个人")
    with pytest.raises(InvalidState):
        s.month("2026-13")


def test_weights_are_validated():
    assert parse_weights("rating=1")["rating"] == 1 and parse_weights("rating=1")["pm"] == 0
    for bad in ("speed=3", "rating", "rating=x", "rating=-1", "reopened=5"):
        with pytest.raises(ValueError):
            parse_weights(bad)
    with pytest.raises(ValidationError, match="speed"):  # HOUQIN_SCORE_WEIGHTS at start-up
        Settings(_env_file=None, score_weights="speed=3")


@pytest.mark.clock
async def test_monthly_cards_go_out_once_across_restart_and_two_instances(harness):
    people = await seed_november()
    bound = {}
    for key in ("a", "b", "c"):
        await harness.app.services.people.bind(people[key], "test", key, key)
        bound[key] = people[key]
    first = harness.app.services.scorecards
    before = local(12, 1, 8, 59)
    assert await first.tick(before) == 0  # before the send hour on the 1st
    assert await ScorecardRun.all().count() == 0
    due = local(12, 1, 9, 0)
    # an instance claims the run and is killed before it finished: nothing is marked done
    await ScorecardRun.create(month="2026-11", lease_until=due + timedelta(minutes=5))
    await first.deliver(NOV)  # it had queued everything before it died
    queued = len(harness.adapter.sent)
    second = ScorecardService(harness.app.settings.timezone, WEIGHTS, 2, 9,
                              notifier=harness.app.notifier)
    assert await second.tick(due + timedelta(minutes=1)) == 0  # still leased
    assert await second.tick(due + timedelta(minutes=6)) == 5  # the run again: 4 workers, 1 mgr
    assert len(harness.adapter.sent) == queued  # every card had been queued: none twice
    assert await first.tick(due + timedelta(minutes=7)) == 0
    assert await second.tick(local(12, 15)) == 0
    run = await ScorecardRun.get(month="2026-11")
    assert run.done_at is not None and run.cards == 5
    cards = {a.chat_id: r for a, r in harness.adapter.sent}
    assert "综合得分 52.5 #2" in cards["a"].text and "李师傅" not in cards["a"].text
    assert "本月没有完成的工单" in cards["c"].text
    manager = [r for a, r in harness.adapter.sent if a.chat_id == "manager"]
    assert manager[0].image[:8] == b"\x89PNG\r\n\x1a\n"
    assert manager[1].text.splitlines()[1:3] == [
        "1. 李师傅 100 分 · 工单 2 · 修复达标 100% · 评价 无",
        "2. 孙师傅 52.5 分 · 工单 5 · 修复达标 50% · 评价 3.67",
    ]
    assert "· north：56.5 分" in manager[1].text
    # the next month goes out on its own 1st
    assert await first.tick(local(1, 1, 9, 30, year=2027)) == 5


async def test_csv_export_for_performance_pay(db, tmp_path):
    await seed_november()
    path = tmp_path / "scores.csv"
    assert await service().export(path, NOV) == 3
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    a = next(r for r in rows if r["name"] == "孙师傅")
    assert (a["rank"], a["score"], a["jobs_done"], a["response_sla_pct"],
            a["resolution_sla_pct"], a["median_response_min"], a["rating_avg"],
            a["reopened"], a["declined_offers"], a["rounds_missed"], a["pm_on_time"]) == (
        "2", "52.5", "5", "75.0", "50.0", "35.0", "3.67", "1", "2", "1", "1")
    c = next(r for r in rows if r["name"] == "赵师傅")
    assert (c["rank"], c["score"], c["jobs_done"]) == ("", "", "0")


async def test_cli_export_scorecards_month_file(cli, tmp_path):  # noqa: F811
    assert cli("migrate").returncode == 0
    await init_db(f"sqlite://{tmp_path}/cli.sqlite3")
    try:
        await seed_november()
    finally:
        await close_db()
    out = tmp_path / "november.csv"
    done = cli("export", "scorecards", "2026-11", str(out))
    assert done.returncode == 0, done.stderr
    assert f"exported 3 scorecards of 2026-11 to {out}" in done.stdout
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["rank"], r["name"], r["score"]) for r in rows] == [
        ("1", "李师傅", "100.0"), ("2", "孙师傅", "52.5"), ("", "赵师傅", "")]
    for args, message in ((("2026-13", str(out)), "not a month"),
                          (("2026-11",), "usage: export scorecards MONTH FILE.csv")):
        bad = cli("export", "scorecards", *args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr


async def test_score_command_in_chat(harness):
    people = await seed_november()
    await harness.app.services.people.bind(people["a"], "test", "a", "a")
    own = await harness.send("a", "/score 2026-11")
    assert own[-1].text.startswith("📋 孙师傅 · 2026-11 月度考核")
    other = await harness.send("a", "/score 李师傅 2026-11")
    assert other[-1].text == "只能查看自己的考核卡。"
    assert "不是月份" in (await harness.send("a", "/score 2026-13"))[-1].text
    assert "没有权限" in (await harness.send("student", "/score"))[-1].text
    ranking = await harness.send("manager", "/score 2026-11")
    assert ranking[0].image[:4] == b"\x89PNG" and "4 名维修工" in ranking[0].text
    assert "1. 李师傅 100 分" in ranking[1].text
    one = await harness.send("manager", "/score 孙师傅 2026-11")
    assert "综合得分 52.5 #2" in one[-1].text


def test_months_follow_the_local_calendar():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    assert Month.last_full(local(12, 1, 0, 5), tz) == Month(2026, 11)  # 30 Nov 16:05 UTC
    assert Month.last_full(local(11, 30, 23, 59), tz) == Month(2026, 10)
    assert Month.last_full(local(1, 15, year=2027), tz) == Month(2026, 12)
    assert Month.parse("2026-1") == Month(2026, 1) and str(Month(2026, 1)) == "2026-01"
    start, end = Month(2027, 2).bounds(tz)
    assert (end - start).days == 28 and start.hour == 16  # local midnight, in UTC
    for bad in ("2026-00", "2026/11", "11-2026", "", "1999-05"):
        with pytest.raises(InvalidState):
            Month.parse(bad)

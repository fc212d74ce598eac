"""Updates per second and latency of complete repair reports through the real PTB client.

N simulated users each run a whole guided repair report (7 updates: /report, category button,
place, description, skip photos, urgency button, submit) against a fake Bot API on 127.0.0.1,
waiting for the bot's answer before their next step. The same harness then drives a minimal
echo bot on the same library with the same number of updates per user; the ratio of the two
is the figure that matters on a shared, noisy machine.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import tempfile
import time
from collections import defaultdict
from typing import Any

from telegram import Update
from telegram.ext import Application, TypeHandler
from tortoise import connections

from bench import stats
from bot.adapters.telegram.transport import AiohttpRequest
from bot.app import HouqinApp
from bot.config import Settings
from models.people import Identity, Person
from tests.fakes import FakeBotApi
from tests.support import seed_small_campus

TOKEN = "123456:BENCH-token"
STEPS = 7


class TimedFake(FakeBotApi):
    """The fake Bot API, waking the user a bot message is addressed to."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: dict[int, asyncio.Queue[dict[str, Any]]] = defaultdict(asyncio.Queue)
        for name in ("sendMessage", "editMessageText"):
            self._methods[name] = self._waking(self._methods[name])

    def _waking(self, impl: Any) -> Any:
        async def answered(params: dict[str, Any]) -> Any:
            result = await impl(params)
            self.inbox[int(params["chat_id"])].put_nowait(params)
            return result

        return answered


def _buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    markup = message.get("reply_markup") or {}
    if isinstance(markup, str):
        import json

        markup = json.loads(markup)
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def _answer(fake: TimedFake, user: int, timeout: float = 300) -> dict[str, Any]:
    return await asyncio.wait_for(fake.inbox[user].get(), timeout)


async def _press(fake: TimedFake, user: int, last: dict[str, Any], index: int) -> None:
    button = _buttons(last)[index]
    fake.push_callback(user, button["callback_data"], 1)


async def repair_user(fake: TimedFake, user: int, latencies: list[float]) -> None:
    """One reporter filing a whole guided report, step by step."""
    steps = [
        lambda last: fake.push_text(user, "/report"),
        lambda last: _press(fake, user, last, 0),
        lambda last: fake.push_text(user, "3号楼402"),
        lambda last: fake.push_text(user, "水龙头一直滴水"),
        lambda last: _press(fake, user, last, 1),
        lambda last: _press(fake, user, last, 1),
        lambda last: _press(fake, user, last, 0),
    ]
    last: dict[str, Any] = {}
    for step in steps:
        started = time.perf_counter()
        result = step(last)
        if asyncio.iscoroutine(result):
            await result
        last = await _answer(fake, user)
        latencies.append(time.perf_counter() - started)


async def echo_user(fake: TimedFake, user: int, latencies: list[float]) -> None:
    """The same number of round trips against the echo bot."""
    for i in range(STEPS):
        started = time.perf_counter()
        fake.push_text(user, f"hello {i}")
        await _answer(fake, user)
        latencies.append(time.perf_counter() - started)


async def _count_statements() -> list[int]:
    """Count the SQL statements Houqin's SQLite connection runs from now on (BEGIN and COMMIT
    included; an INSERT's `SELECT last_insert_rowid()` is not a statement of its own: it goes
    with the INSERT in one call to the database thread)."""
    count = [0]

    def traced(sql: str) -> None:
        if sql != "SELECT last_insert_rowid()":
            count[0] += 1

    await connections.get("default")._connection.set_trace_callback(traced)
    return count


async def _drive(
    fake: TimedFake, users: list[int], script: Any, profile: cProfile.Profile | None = None,
    statements: list[int] | None = None,
) -> dict[str, float]:
    latencies: list[float] = []
    calls_before = len(fake.calls)
    statements_before = statements[0] if statements else 0
    started, cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    try:
        await asyncio.gather(*(script(fake, u, latencies) for u in users))
    finally:
        if profile is not None:
            profile.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    calls = [method for method, _ in fake.calls[calls_before:]]
    polls = calls.count("getUpdates")
    return {
        # Bot API calls per update: getUpdates (shared by the updates of one batch), the rest
        "polls": polls / len(latencies),
        "api_calls": (len(calls) - polls) / len(latencies),
        "queries": (statements[0] - statements_before) / len(latencies) if statements else 0.0,
        "updates": len(latencies),
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed,
        "p50_ms": stats.median(latencies) * 1000,
        "p99_ms": stats.p99(latencies) * 1000,
        # CPU of the whole process (bot, client library and the fake server) per update
        "cpu_ms": cpu * 1000 / len(latencies),
    }


async def run_houqin(
    users: int, paced: bool = False, profile: cProfile.Profile | None = None
) -> dict[str, float]:
    """Houqin on SQLite behind the fake server; unpaced unless `paced` (Telegram's real limit of
    30 messages/s caps any bot that honours it at about 28 updates/s, whatever its speed);
    `profile` records where the CPU goes while the users talk."""
    limits = {} if paced else {"telegram_rate_total": 100_000.0, "telegram_rate_per_chat": 1000.0}
    fake = TimedFake()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite://{tmp}/bench.sqlite3?synchronous=NORMAL",
            webchat=False,
            media_dir=f"{tmp}/media",
            telegram_token=TOKEN,
            telegram_api_url=fake.api_url,
            telegram_file_url=fake.file_url,
            outbox_interval_seconds=3600,
            **limits,
        )
        app = HouqinApp(settings)
        await app.start(serve_http=False)
        # the scheduler's periodic jobs (digests, energy, lease) are not work per update:
        # paused, so a digest built during the run is not counted as the updates' CPU
        app.scheduler.pause()
        await seed_small_campus()
        ids = list(range(10_000, 10_000 + users))
        for uid in ids:
            person = await Person.create(
                name=f"user {uid}", roles=["reporter"], phone="13800000000"
            )
            await Identity.create(
                person=person, platform="telegram", user_id=str(uid), chat_id=str(uid)
            )
        try:
            statements = await _count_statements()
            return await _drive(fake, ids, repair_user, profile, statements)
        finally:
            await app.stop()
            await fake.stop()


async def run_echo(users: int, tuned: bool = False) -> dict[str, float]:
    """A minimal echo bot on the same library and fake server; `tuned`: on Houqin's aiohttp
    transport and with PTB's concurrent updates (the strongest echo bot to compare with)."""
    fake = TimedFake()
    await fake.start()

    async def echo(update: Update, context: Any) -> None:
        if update.effective_message and update.effective_message.text:
            await update.effective_message.reply_text(update.effective_message.text)

    builder = Application.builder().token(TOKEN).base_url(fake.api_url).base_file_url(fake.file_url)
    if tuned:
        builder = (builder.request(AiohttpRequest())
                   .get_updates_request(AiohttpRequest(pool_size=1)).concurrent_updates(True))
    app = builder.build()
    app.add_handler(TypeHandler(Update, echo))
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=10)
    try:
        return await _drive(fake, list(range(20_000, 20_000 + users)), echo_user)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await fake.stop()


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the rounds."""
    return {key: stats.median([r[key] for r in runs]) for key in runs[0]}


def table(users: int, paced: bool = True, rounds: int = 3) -> str:
    """Run both bots `rounds` times, alternating which goes first (and Houqin paced once,
    unless not `paced`), and format the comparison: each figure is the median over the rounds,
    and the ratio is given per round, since the speed of a shared machine drifts from one
    minute to the next (a Houqin run and the echo run after it are a pair)."""
    houqins: list[dict[str, float]] = []
    echoes: list[dict[str, float]] = []
    tuneds: list[dict[str, float]] = []
    for n in range(rounds):
        pair = [lambda: houqins.append(asyncio.run(run_houqin(users))),
                lambda: echoes.append(asyncio.run(run_echo(users)))]
        for run in pair if n % 2 == 0 else reversed(pair):
            run()
        tuneds.append(asyncio.run(run_echo(users, tuned=True)))
    houqin, echo, tuned = _median_run(houqins), _median_run(echoes), _median_run(tuneds)
    rows = [("houqin repair report", houqin)]
    if paced:
        rows.append(("houqin, paced to 30 msg/s", asyncio.run(run_houqin(users, paced=True))))
    rows.append(("echo bot (same library)", echo))
    rows.append(("echo, aiohttp + concurrent", tuned))
    lines = [
        f"(a) {users} users x {STEPS} updates through python-telegram-bot + fake Bot API; "
        f"medians of {rounds} rounds",
        f"{'bot':27} {'updates':>8} {'upd/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7} "
        f"{'calls':>6} {'polls':>6} {'SQL':>6}",
    ]
    for name, r in rows:
        lines.append(
            f"{name:27} {r['updates']:>8.0f} {r['per_second']:>8.1f} "
            f"{r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['cpu_ms']:>7.2f} "
            f"{r['api_calls']:>6.2f} {r['polls']:>6.2f} {r['queries']:>6.2f}"
        )
    ratios = [h["per_second"] / e["per_second"] for h, e in zip(houqins, echoes, strict=True)]
    cpu_ratio = houqin["cpu_ms"] / echo["cpu_ms"]
    lines.append(f"ratio houqin/echo throughput (both unpaced): {stats.median(ratios):.2f} "
                 f"(median; per round: {', '.join(f'{r:.2f}' for r in ratios)})")
    lines.append("ratio houqin/(echo on aiohttp + concurrent updates): "
                 f"{houqin['per_second'] / tuned['per_second']:.2f} throughput, "
                 f"{houqin['cpu_ms'] / tuned['cpu_ms']:.2f}x CPU per update")
    lines.append(f"CPU per update houqin/echo: {cpu_ratio:.2f}x "
                 "(CPU of the whole process, fake server included, per update)")
    lines.append("calls: Bot API calls per update besides getUpdates; polls: getUpdates per "
                 "update; SQL: statements per update (BEGIN/COMMIT included)")
    return "\n".join(lines)


def profile_table(users: int, top: int = 30) -> str:
    """Run Houqin unpaced under cProfile (CPU time) and list the most expensive calls."""
    profile = cProfile.Profile(time.process_time)
    result = asyncio.run(run_houqin(users, profile=profile))
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    head = (f"{result['updates']:.0f} updates, {result['cpu_ms']:.2f} ms CPU per update "
            "(profiling overhead included)")
    return head + "\n" + out.getvalue()


if __name__ == "__main__":
    import sys

    print(table(int(sys.argv[1]) if len(sys.argv) > 1 else 500))

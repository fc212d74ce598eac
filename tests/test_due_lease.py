"""Due work is claimed with a lease and marked done only after it ran: a runner killed mid-task
(a real subprocess, SIGKILL) leaves the task to the next run once the lease has passed, and it
then runs exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from bot.services.repairs.due import LEASE
from models.dispatch import DueTask
from tests.dispatch_support import World

pytestmark = pytest.mark.service
ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import asyncio, sys
    from datetime import datetime
    from pathlib import Path
    from bot.db import init_db
    from bot.core.i18n import Translator
    from bot.delivery.notifier import Notifier
    from bot.services.container import Services
    from tests.support import make_settings

    async def main(tmp, marker, now):
        settings = make_settings(Path(tmp))
        await init_db(settings.database_url, schema="skip")
        services = Services.build(settings, Notifier({}, Translator()))

        async def hang(task, when):
            open(marker, "w").write(str(task.id))
            await asyncio.sleep(3600)  # killed here, mid-task
            return "never"

        services.due.runners["offer_timeout"] = hang
        await services.due.run(datetime.fromisoformat(now))

    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
""")


async def _offer_timeout_task(world: World) -> DueTask:
    await world.on_duty("wang")
    await world.file("3-402")
    return await DueTask.get(kind="offer_timeout")


async def test_a_task_killed_mid_run_runs_once_after_its_lease(db, tmp_path):
    world = await World(tmp_path).setup()
    task = await _offer_timeout_task(world)
    due_at = task.due_at + timedelta(seconds=1)
    marker = tmp_path / "claimed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path), str(marker), due_at.isoformat()],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            if marker.exists() or child.poll() is not None:
                break
            await asyncio.sleep(0.1)
        assert marker.exists(), child.communicate(timeout=5)[1].decode()[-2000:]
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()

    held = await DueTask.get(id=task.id)
    assert held.done_at is None and held.lease_until is not None  # claimed, not done
    ran: list[int] = []

    async def count(claimed: DueTask, now) -> str:
        ran.append(claimed.id)
        return "passed_on"

    world.services.due.runners["offer_timeout"] = count
    assert await world.services.due.run(due_at + LEASE / 2) == 0  # its lease still holds
    assert await world.services.due.run(due_at + LEASE + timedelta(seconds=1)) == 1
    assert await world.services.due.run(due_at + LEASE * 3) == 0  # done: never again
    assert ran == [task.id]
    finished = await DueTask.get(id=task.id)
    assert finished.done_at is not None and finished.outcome == "passed_on"


async def test_a_failing_runner_is_marked_done_with_its_outcome(db, tmp_path):
    world = await World(tmp_path).setup()
    task = await _offer_timeout_task(world)

    async def boom(claimed: DueTask, now) -> str:
        raise RuntimeError("runner bug")

    world.services.due.runners["offer_timeout"] = boom
    assert await world.services.due.run(task.due_at + timedelta(seconds=1)) == 1
    failed = await DueTask.get(id=task.id)
    assert failed.outcome == "failed" and failed.done_at is not None

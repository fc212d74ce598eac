"""Demo and production are separate: `python -m bot run` seeds nothing and its web chat trusts
no browser; `python -m bot demo` runs the demo campus with the person picker; `demo --purge`
removes the demo people and what they created."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from bot.services.demo import purge_demo, seed_demo
from bot.services.people import PeopleService
from bot.services.repairs import RepairService
from models.people import Identity, Person
from models.places import Place
from models.repairs import Ticket
from tests.db_templates import migrated_sqlite
from tests.test_e2e_telegram import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]


def start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """`python -m bot ARGS…` with its own SQLite file and port; returns it and its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(
        HOUQIN_DATABASE_URL=migrated_sqlite(tmp_path / "live.sqlite3"), HOUQIN_HTTP_PORT=str(port),
        HOUQIN_MEDIA_DIR=str(tmp_path / "media"),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    return process, f"http://127.0.0.1:{port}"


async def wait_up(process: subprocess.Popen, base: str, timeout: float = 40.0) -> None:
    """Poll /healthz until the bot answers."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[1][-2000:]
            try:
                async with session.get(f"{base}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            time.sleep(0.3)
    raise AssertionError("the bot did not come up")


def stop(process: subprocess.Popen) -> str:
    """SIGTERM, wait, and return what it logged."""
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    return err


def rows(db: Path, table: str) -> int:
    """Rows in a table of the SQLite file."""
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


async def test_run_on_an_empty_database_seeds_nothing_and_trusts_no_browser(tmp_path):
    process, base = start(tmp_path, "run")
    try:
        await wait_up(process, base)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/api/web/people") as resp:
                assert resp.status == 404  # the people list exists only in the demo
            async with session.get(f"{base}/", headers={"Accept-Language": "zh-CN"}) as resp:
                assert resp.status == 200 and 'data-testid="signin"' in await resp.text()
            async with session.get(f"{base}/api/web/me") as resp:
                assert resp.status == 401 and (await resp.json())["demo"] is False
            async with session.post(
                f"{base}/api/web/send", data='{"user_id": "p1", "text": "/workers"}',
                headers={"Origin": "https://evil.example", "Content-Type": "text/plain"},
            ) as resp:
                assert resp.status == 403
            async with session.post(
                f"{base}/api/web/send", data='{"user_id": "p1", "text": "/workers"}',
                headers={"Origin": base, "Content-Type": "text/plain"},
            ) as resp:
                assert resp.status == 415
            async with session.post(f"{base}/api/web/send", json={"user_id": "p1", "text": "x"},
                                    headers={"Origin": base}) as resp:
                assert resp.status == 401
            async with session.get(f"{base}/api/web/messages", params={"user_id": "p1"}) as resp:
                assert resp.status == 401
            async with session.get(f"{base}/api/web/files/abc", params={"user_id": "p1"}) as resp:
                assert resp.status == 401
            async with session.get(f"{base}/api/web/me",
                                   headers={"Host": "attacker.example"}) as resp:
                assert resp.status == 421
    finally:
        stop(process)
    db = tmp_path / "live.sqlite3"
    assert (rows(db, "person"), rows(db, "place"), rows(db, "stock_item")) == (0, 0, 0)


async def test_admin_add_prints_a_link_that_signs_in(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(HOUQIN_DATABASE_URL=migrated_sqlite(tmp_path / "live.sqlite3"),
               HOUQIN_HTTP_PORT=str(port))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "admin", "add", "--name", "Ada Admin", "--phone",
         "13912345678"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "HOUQIN_PUBLIC_URL is not set" in done.stderr
    [link] = [w for w in done.stdout.split() if w.startswith("http://")]
    assert link.startswith(f"http://127.0.0.1:{port}/auth/link/")
    [code] = [line.split("/start ")[1] for line in done.stdout.splitlines() if "/start " in line]
    again = subprocess.run(  # found by phone: the same person, a role added, a fresh link
        [sys.executable, "-m", "bot", "admin", "add", "--name", "Ada", "--phone",
         "139 1234 5678", "--role", "manager"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60)
    assert again.returncode == 0 and "Found Ada Admin" in again.stdout, again.stderr
    db = tmp_path / "live.sqlite3"
    with sqlite3.connect(db) as conn:
        [(roles,)] = conn.execute("SELECT roles FROM person").fetchall()
    assert json.loads(roles) == ["admin", "manager", "reporter"]
    assert len(code) == 8

    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_up(process, base)
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            async with session.post(link, headers={"Origin": base}, allow_redirects=False) as r:
                assert r.status == 303
            async with session.get(f"{base}/api/web/me") as resp:
                me = await resp.json()
                assert resp.status == 200 and me["name"] == "Ada Admin"
                assert "admin" in me["roles"]
        listed = subprocess.run([sys.executable, "-m", "bot", "sessions", "list"], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0 and "Ada Admin\tlink" in listed.stdout, listed.stderr
        session_id = listed.stdout.splitlines()[1].split("\t")[0]
        revoked = subprocess.run([sys.executable, "-m", "bot", "sessions", "revoke", session_id],
                                 cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert revoked.returncode == 0, revoked.stderr
        async with aiohttp.ClientSession(cookie_jar=jar) as session, session.get(
                f"{base}/api/web/me") as resp:
            assert resp.status == 401
    finally:
        stop(process)


async def test_demo_runs_the_demo_campus_with_the_picker(tmp_path):
    process, base = start(tmp_path, "demo")
    try:
        await wait_up(process, base)
        async with aiohttp.ClientSession() as session, session.get(
            f"{base}/api/web/people"
        ) as resp:
            assert resp.status == 200
            people = await resp.json()
        assert len(people) == 10 and any("manager" in p["roles"] for p in people)
    finally:
        stop(process)


async def test_production_warns_loudly_about_demo_people(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "bot", "seed", "--demo"], cwd=ROOT, check=True,
        capture_output=True, env={
            **{k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")},
            "HOUQIN_DATABASE_URL": migrated_sqlite(tmp_path / "live.sqlite3"),
        },
    )
    process, base = start(tmp_path, "run")
    try:
        await wait_up(process, base)
        async with aiohttp.ClientSession() as session, session.get(
            f"{base}/api/web/people"
        ) as resp:
            assert resp.status == 404  # their picker stays off
    finally:
        log = stop(process)
    assert "10 DEMO people" in log and "demo --purge" in log
    purged = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--purge"], cwd=ROOT, capture_output=True,
        text=True, env={
            **{k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")},
            "HOUQIN_DATABASE_URL": migrated_sqlite(tmp_path / "live.sqlite3"),
        },
    )
    assert purged.returncode == 0 and "removed 10 demo people" in purged.stdout, purged.stderr
    assert rows(tmp_path / "live.sqlite3", "person") == 0


async def test_purge_removes_demo_people_and_what_they_created(db):
    people = PeopleService()
    await seed_demo(people)
    real = await people.create("真经理", ["manager"], phone="13900000000")
    await people.bind(real, "telegram", "900", "900")
    student = await Person.get(external_id="demo-student-1")
    place = await Place.get(code="3-402")
    repairs = RepairService("Asia/Shanghai")
    await repairs.create(student, place, "plumbing", "水龙头漏水")
    mine = await repairs.create(real, place, "electrical", "灯不亮")

    summary = await purge_demo()

    assert summary.people == 10, summary.removed
    assert await Person.filter(external_id__startswith="demo-").count() == 0
    assert [p.id for p in await Person.all()] == [real.id]
    assert [t.id for t in await Ticket.all()] == [mine.id]
    assert await Identity.filter(person_id=real.id).count() == 1
    assert await Place.filter(code="3-402").exists()  # the campus stays
    assert (await purge_demo()).people == 0

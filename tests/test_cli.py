"""The real command line, run as a subprocess against a temp SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.services.people.service import CODE_ALPHABET
from tests.db_templates import migrated_sqlite

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli(tmp_path: Path):
    """Run `python -m bot ARGS…` with the database and media in `tmp_path`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(HOUQIN_DATABASE_URL=migrated_sqlite(tmp_path / "cli.sqlite3"),
               HOUQIN_MEDIA_DIR=str(tmp_path / "media"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=180,
        )

    return run


def counts(db: Path) -> tuple[int, int, int]:
    """(places, people, web identities) in the database file."""
    with sqlite3.connect(db) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(sql).fetchone()[0]
            for sql in ("SELECT COUNT(*) FROM place", "SELECT COUNT(*) FROM person",
                        "SELECT COUNT(*) FROM identity WHERE platform = 'web'")
        )


def test_help_lists_every_command(cli) -> None:
    done = cli("--help")
    assert done.returncode == 0
    for command in ("run", "migrate", "seed", "import", "export", "invite"):
        assert command in done.stdout


def test_migrate_seed_twice_and_invite(cli, tmp_path: Path) -> None:
    (tmp_path / "cli.sqlite3").unlink()  # `migrate` itself, on no database at all
    done = cli("migrate")
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout
    first = cli("seed", "--demo")
    assert first.returncode == 0, first.stderr
    assert counts(tmp_path / "cli.sqlite3") == (209, 10, 10)
    second = cli("seed", "--demo")
    assert second.returncode == 0, second.stderr
    assert "(0 new)" in second.stdout
    assert counts(tmp_path / "cli.sqlite3") == (209, 10, 10)

    invite = cli("invite", "--role", "worker", "--name", "X", "--skills", "plumbing,hvac")
    assert invite.returncode == 0, invite.stderr
    lines = invite.stdout.strip().splitlines()
    code = lines[-1]
    assert len(code) == 8 and set(code) <= set(CODE_ALPHABET)
    assert f"/start {code}" in lines[0] and "X (worker)" in lines[0]
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        roles, skills = conn.execute(
            "SELECT p.roles, p.skills FROM invite_code i JOIN person p ON p.id = i.person_id "
            "WHERE i.code = ?", (code,)).fetchone()
    assert "worker" in roles and "hvac" in skills


def test_user_errors_exit_2_without_traceback(cli, tmp_path: Path) -> None:
    bad = tmp_path / "places.csv"
    bad.write_text("code,kind,name_zh,name_en,parent_code,zone,aliases\n"
                   "1,building,1号楼,Building 1,,,\n1-101,room,101,Room 101,NOPE,,\n",
                   encoding="utf-8-sig")
    done = cli("import", "places", str(bad))
    assert done.returncode == 2
    assert "line 3: parent_code 'NOPE'" in done.stderr and "Traceback" not in done.stderr
    assert counts(tmp_path / "cli.sqlite3")[0] == 0

    missing = cli("import", "people", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    role = cli("invite", "--role", "wizard", "--name", "Y")
    assert role.returncode == 2 and "unknown role: wizard" in role.stderr
    assert "Traceback" not in missing.stderr + role.stderr


UNBIND_STEPS = """
import asyncio, json, sys
from bot.core.errors import InvalidState
from bot.db import close_db, init_db
from bot.services.people import PeopleService, SelfVerification
from models.people import Identity, Person

async def main(url, step):
    verification = SelfVerification(PeopleService())
    await init_db(url, schema="none")
    try:
        if step == "old":
            person = await Person.create(name="王五", roles=["reporter"], external_id="2024999")
            await verification.verify("telegram", "old", "old", "2024999", "王五")
            try:  # the new chat is refused while the old one holds the person
                await verification.verify("telegram", "new", "new", "2024999", "王五")
            except InvalidState as err:
                assert err.key == "verify.taken"
            else:
                raise AssertionError("a second chat took the person over")
            return person.id
        await verification.verify("telegram", "new", "new", "2024999", "王五")
        return [(i.user_id, i.person_id) for i in await Identity.all()]
    finally:
        await close_db()

print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2]))))
"""


def test_people_unbind_moves_a_binding(cli, tmp_path: Path) -> None:
    # the database steps run in a process of their own: Tortoise's per-model query cache would
    # otherwise carry SQLite's SQL into later tests on PostgreSQL
    import json
    import subprocess
    import sys

    def step(name: str):
        done = subprocess.run([sys.executable, "-c", UNBIND_STEPS, url, name], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert cli("migrate").returncode == 0
    url = f"sqlite://{tmp_path}/cli.sqlite3"
    person_id = step("old")
    done = cli("people", "unbind", str(person_id))
    assert done.returncode == 0, done.stderr
    assert f"removed 1 binding(s) of person {person_id}" in done.stdout
    assert step("new") == [["new", person_id]]
    missing = cli("people", "unbind", "999")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr

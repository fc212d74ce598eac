"""The campus roster import (`import people`): every bad row by line, re-import by id,
encodings and separators, huge files, leavers deactivated (no pushes, open work reported)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.i18n import Translator
from bot.core.types import Address, Reply
from bot.delivery.notifier import Notifier, Outgoing
from bot.services.csv_format import CsvImportError
from bot.services.people import import_people
from models.dispatch import Job
from models.outbox import OutboxMessage
from models.people import Identity, Person
from models.places import Place
from models.repairs import Ticket
from tests.db_templates import migrated_sqlite
from tests.support import RecordingAdapter

ROOT = Path(__file__).resolve().parents[1]
HEADER = "student_id,name,department,building,room,phone,roles,skills,zone,active\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` in `encoding` and return the path."""
    path.write_bytes(text.encode(encoding))
    return path


def roster_line(i: int, **cells: str) -> str:
    """One good roster row, with some cells replaced."""
    row = {"student_id": f"2026{i:05d}", "name": f"学生{i}", "department": "计算机学院",
           "building": "7", "room": f"{100 + i % 50}", "phone": f"139{i:08d}", "roles": "",
           "skills": "", "zone": "", "active": "yes", **cells}
    return ",".join(row.values()) + "\n"


async def test_2000_rows_with_bad_rows_reports_each_by_line_and_writes_nothing(db, tmp_path):
    lines = [roster_line(i) for i in range(2000)]
    lines[10] = roster_line(5)  # file line 12 repeats the id of line 7
    lines[500] = roster_line(500, roles="worker|boss")
    lines[999] = roster_line(999, phone="12-34")
    lines[1500] = roster_line(1500, department="系" * 101)
    lines[1998] = roster_line(1998, active="maybe")
    path = write(tmp_path / "roster.csv", HEADER + "".join(lines))
    with pytest.raises(CsvImportError) as caught:
        await import_people(path)
    errors = caught.value.errors
    assert errors == [
        "line 12: duplicate student_id '202600005' (first on line 7)",
        "line 502: unknown role(s) boss (known: reporter, worker, storekeeper, dorm_admin, "
        "manager, admin)",
        "line 1001: phone '12-34' is not a phone number",
        "line 1502: department is longer than 100 characters (101)",
        "line 2000: active 'maybe' is not yes/no (1/0, 是/否)",
    ]
    assert await Person.all().count() == 0


async def test_import_then_reimport_updates_by_id_and_keeps_other_columns(db, tmp_path):
    first = write(tmp_path / "a.csv", HEADER + roster_line(1, roles="worker", skills="plumbing")
                  + roster_line(2) + "2026 00003,阿卜杜·热合曼,数学学院,,,,,,,\n")
    result = await import_people(first)
    assert (result.created, result.updated) == (3, 0)
    person = await Person.get(external_id="202600003")  # the spaces of the id removed
    assert person.name == "阿卜杜·热合曼" and person.department == "数学学院"
    assert person.roles == ["reporter"] and person.active and person.building is None
    worker = await Person.get(external_id="202600001")
    assert worker.roles == ["reporter", "worker"] and worker.skills == ["plumbing"]
    assert (worker.building, worker.room, worker.phone) == ("7", "101", "13900000001")

    # a registrar's file without roles/skills: those stay; moves and a leaver are written
    again = write(tmp_path / "b.csv", "member_id,name,department,room,active\n"
                  "202600001,学生1,物理学院,305,yes\n202600002,学生2,计算机学院,102,否\n"
                  "202600003,阿卜杜·热合曼,数学学院,,yes\n")
    result = await import_people(again)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    worker = await Person.get(external_id="202600001")
    assert worker.roles == ["reporter", "worker"] and worker.skills == ["plumbing"]
    assert (worker.department, worker.room, worker.building) == ("物理学院", "305", "7")
    left = await Person.get(external_id="202600002")
    assert not left.active and left.deactivated_at is not None
    assert await Person.all().count() == 3


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
async def test_gbk_bom_semicolons_and_chinese_headers(db, tmp_path, encoding):
    text = "学号;姓名;院系;手机号\n20260001;阿卜杜·热合曼;外国语学院;139 0000 0001\n"
    result = await import_people(write(tmp_path / "excel.csv", text, encoding))
    assert result.created == 1
    assert result.encoding == ("gb18030" if encoding == "gbk" else "utf-8-sig")
    person = await Person.get(external_id="20260001")
    assert (person.name, person.department, person.phone) == (
        "阿卜杜·热合曼", "外国语学院", "13900000001")


async def test_undecodable_and_huge_files_are_refused_clearly(db, tmp_path):
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(128, 256)) * 4)
    with pytest.raises(CsvImportError) as caught:
        await import_people(binary)
    assert caught.value.errors == ["line 1: neither UTF-8 nor GBK text (save the file as CSV "
                                   "UTF-8)"]

    huge = tmp_path / "huge.csv"
    with huge.open("wb") as out:
        out.write(HEADER.encode())
        out.truncate(200 * 2**20)  # 200 MB (sparse: instant to make)
    with pytest.raises(CsvImportError) as caught:
        await import_people(huge)
    assert caught.value.errors == ["line 1: the file is 200 MB; a roster import takes at most "
                                   "100 MB (split the file)"]
    assert await Person.all().count() == 0


async def test_rows_are_read_as_a_stream(db, tmp_path):
    """A bad byte late in a UTF-8 file is found on its line (the file is not decoded whole)."""
    body = "".join(roster_line(i) for i in range(3000)).encode()
    path = tmp_path / "late.csv"
    path.write_bytes(HEADER.encode() + body + "20269999,张三,".encode() + b"\xff\xfe,,,,,,,\n")
    with pytest.raises(CsvImportError) as caught:
        await import_people(path)
    assert caught.value.errors[0].startswith("line 3002: not UTF-8 text")


async def _ticket_with_job(worker: Person, reporter: Person) -> Ticket:
    place = await Place.create(code="7-101", kind="room", name_zh="7号楼101", name_en="7-101")
    ticket = await Ticket.create(number="R-20261203-0001", reporter=reporter, place=place,
                                 category="plumbing", description="漏水", status="accepted")
    now = datetime.now(UTC)
    await Job.create(ticket=ticket, worker=worker, status="accepted", offered_at=now,
                     expires_at=now, valid_until=now)
    return ticket


async def test_deactivate_missing_reports_open_work_and_stops_pushes(db, tmp_path):
    await import_people(write(tmp_path / "all.csv", HEADER + roster_line(1, roles="worker")
                              + roster_line(2) + roster_line(3)))
    worker = await Person.get(external_id="202600001")
    student = await Person.get(external_id="202600002")
    walk_in = await Person.create(name="自助", roles=["reporter"])  # not from the roster
    for person in (worker, student, walk_in):
        await Identity.create(person=person, platform="test", user_id=f"u{person.id}",
                              chat_id=f"c{person.id}")
    await _ticket_with_job(worker, student)

    result = await import_people(write(tmp_path / "fewer.csv", HEADER + roster_line(3)),
                                 deactivate_missing=True)
    assert [(d.member_id, d.tickets) for d in result.deactivated] == [
        ("202600001", ["R-20261203-0001"]), ("202600002", [])]
    assert "deactivated 2 (1 with open work)" in str(result)
    assert not (await Person.get(id=worker.id)).active
    assert (await Person.get(id=walk_in.id)).active  # never on the roster: untouched

    adapter = RecordingAdapter()
    notifier = Notifier({"test": adapter}, Translator())
    gone = await Person.get(id=worker.id)
    assert await notifier.push(gone, "people.departed_line", name="x", member_id="y",
                               tickets="z") == 0
    queued = await notifier.enqueue([
        Outgoing(Address("test", f"c{p.id}"), Reply(text="水停了"), 8)
        for p in (worker, student, walk_in)])
    assert queued == 1
    await notifier.send(Address("test", f"c{student.id}"), Reply(text="提醒"), 5)
    await notifier.deliver_due()
    assert [address.chat_id for address, _ in adapter.sent] == [f"c{walk_in.id}"]
    refused = await OutboxMessage.filter(chat_id=f"c{student.id}").values_list(
        "last_error", flat=True)
    assert refused and "inactive" in refused[0]


def test_cli_summary_and_managers_told(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(HOUQIN_DATABASE_URL=migrated_sqlite(tmp_path / "cli.sqlite3"),
               HOUQIN_MEDIA_DIR=str(tmp_path / "media"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    assert run("migrate").returncode == 0
    first = write(tmp_path / "r.csv", HEADER + roster_line(1, roles="worker")
                  + roster_line(2, roles="manager") + roster_line(3))
    done = run("import", "people", str(first))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("people: imported 3 (created 3, updated 0, unchanged 0) in ")
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        ids = dict(conn.execute("SELECT external_id, id FROM person"))
        conn.execute("INSERT INTO identity (person_id, platform, user_id, chat_id, created_at) "
                     "VALUES (?, 'telegram', '42', '42', '2026-01-01')", (ids["202600002"],))
        conn.execute("INSERT INTO place (code, kind, name_zh, name_en, aliases, active) "
                     "VALUES ('7-1', 'room', '7-1', '7-1', '[]', 1)")
        conn.execute("INSERT INTO ticket (number, reporter_id, place_id, category, description,"
                     " urgency, status, created_at, updated_at) VALUES ('R-1', ?, 1, 'plumbing',"
                     " 'x', 'normal', 'accepted', '2026-01-01', '2026-01-01')", (ids["202600003"],))
        conn.execute("INSERT INTO dispatch_job (ticket_id, worker_id, role, status, stage, "
                     "priority, offered_at, expires_at, valid_until, timed_out) VALUES "
                     "(1, ?, 'primary', 'accepted', 'accepted', 0, '2026-01-01', '2026-01-01', "
                     "'2026-01-01', 0)", (ids["202600001"],))
    rest = write(tmp_path / "rest.csv", HEADER + roster_line(2, roles="manager")
                 + roster_line(3))
    bad = run("import", "places", str(rest), "--deactivate-missing")
    assert bad.returncode == 2 and "for `import people` only" in bad.stderr
    done = run("import", "people", str(rest), "--deactivate-missing")
    assert done.returncode == 0, done.stderr
    assert "deactivated 1 (1 with open work)" in done.stdout
    assert "left with open work: 202600001 学生1: R-1" in done.stdout
    assert "the managers were told (1 message(s) queued)" in done.stdout
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        (payload,) = conn.execute(
            "SELECT payload FROM outbox_message WHERE chat_id = '42'").fetchone()
    assert "学生1（202600001）：R-1" in json.loads(payload)["text"]


def test_bench_roster_smoke(tmp_path):
    script = ("import asyncio, sys\nfrom bench import roster_import\n"
              "t = asyncio.run(roster_import.run(300, folder=sys.argv[1], schema='generate'))\n"
              "print(t.rows, t.first, t.again, t.leavers)\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    rows, *times = done.stdout.split()
    assert rows == "300" and all(float(t) < 30 for t in times)


async def test_progress_bar_on_a_terminal(db, tmp_path, capsys):
    from bot.cli.roster import ProgressBar

    path = write(tmp_path / "big.csv", HEADER + "".join(roster_line(i) for i in range(6000)))
    bar = ProgressBar(enabled=True)  # as on a terminal
    try:
        result = await import_people(path, progress=bar)
        assert {phase: b.n for phase, b in bar.bars.items()} == {"read": 100, "write": 100}
    finally:
        bar.close()
    assert result.created == 6000
    shown = capsys.readouterr().err
    assert "checking" in shown and "writing" in shown
    quiet = ProgressBar(enabled=False)  # piped output: no bar at all
    await import_people(path, progress=quiet)
    assert capsys.readouterr().err == "" and not quiet.bars

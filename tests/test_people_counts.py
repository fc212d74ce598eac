"""/people in chat: roster counts for managers and admins (bound per channel, unbound per
department), the CSV of the unbound as a file, and a refusal for everyone else."""

from __future__ import annotations

import csv
import io

import pytest

from bot.core.errors import PermissionDenied
from models.people import Identity, Person
from tests.support import Harness, make_settings


@pytest.fixture
async def chat(tmp_path):
    """The app (English) with a small roster: bound and unbound people in two departments."""
    harness = Harness(make_settings(tmp_path, default_locale="en"))
    await harness.start()
    people = harness.app.services.people
    for user, roles in (("mgr", ["manager"]), ("adm", ["admin"]), ("rep", ["reporter"]),
                        ("wrk", ["worker"])):
        person = await people.create(user.upper(), roles, locale="en")
        await people.bind(person, "test", user, user)
    roster = [("S1", "甲", "计算机学院", "telegram"), ("S2", "乙", "计算机学院", None),
              ("S3", "阿卜杜·热合曼", "计算机学院", None), ("S4", "丁", "数学学院", "wecom"),
              ("S5", "戊", "数学学院", None), ("S6", "己", None, None)]
    for member, name, department, platform in roster:
        person = await Person.create(name=name, roles=["reporter"], external_id=member,
                                     department=department, phone=f"1390000000{member[1]}")
        if platform:
            await Identity.create(person=person, platform=platform, user_id=member,
                                  chat_id=member)
    gone = await Person.create(name="庚", roles=["reporter"], external_id="S7", active=False)
    await Identity.create(person=gone, platform="telegram", user_id="S7", chat_id="S7")
    yield harness
    await harness.stop()


async def test_manager_sees_counts_per_channel_and_department(chat):
    (reply,) = await chat.send("mgr", "/people")
    text = reply.text
    assert "6 people on the roster (4 more without a roster id, 1 inactive)" in text
    assert "With a chat bound: 6" in text  # the 4 staff on test chats + S1 + S4
    assert "• Telegram: 1" in text and "• WeCom: 1" in text and "• test: 4" in text
    assert "Not yet bound: 4" in text
    lines = text.splitlines()
    assert lines.index("• 计算机学院: 2") < lines.index("• 数学学院: 1")
    assert "• (no department): 1" in lines

    (document,) = await chat.press("mgr", "CSV of those not bound")
    assert document.text == "4 people not yet bound (CSV for reminders)."
    media = document.media
    assert media is not None and media.kind == "file" and media.file_name == "unbound.csv"
    assert media.data is not None and media.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(media.data.decode("utf-8-sig"))))
    assert rows[0] == ["member_id", "name", "department", "building", "room", "phone"]
    assert sorted(row[0] for row in rows[1:]) == ["S2", "S3", "S5", "S6"]
    assert ["S3", "阿卜杜·热合曼", "计算机学院", "", "", "13900000003"] in rows


async def test_admin_may_and_reporter_and_worker_may_not(chat):
    (admin_reply,) = await chat.send("adm", "/people")
    assert "Not yet bound: 4" in admin_reply.text
    for user in ("rep", "wrk"):
        (refused,) = await chat.send(user, "/people")
        assert "not allowed" in refused.text.lower() and "roster" not in refused.text.lower()
        assert "/people" not in "\n".join(r.text for r in await chat.send(user, "/help"))
    reporter = await Person.get(name="REP")
    roster = chat.app.services.roster
    for call in (roster.counts, roster.unbound_csv):
        with pytest.raises(PermissionDenied) as denied:  # the service refuses on its own
            await call(reporter)
        assert denied.value.key == "people.not_allowed"
    # a forged button press of the CSV by a reporter: the service refuses, no file goes out
    replies = await chat.send("rep", callback="ppl:csv", message_id="m1")
    assert all(reply.media is None for reply in replies)
    assert any("roster counts" in reply.text for reply in replies)

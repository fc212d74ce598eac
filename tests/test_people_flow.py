"""Binding by invite code, open registration, language choice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.people import Identity, InviteCode, Person
from models.repairs import Ticket


async def test_invite_binds_once(harness):
    h = harness
    people = h.app.services.people
    worker = await people.create("刘师傅", ["worker"])
    code = await people.create_invite(worker)
    replies = await h.send("tg-9", f"/start {code.lower()}")
    assert "刘师傅" in replies[0].text and "维修工" in replies[0].text
    assert (await Identity.get(platform="test", user_id="tg-9")).person_id == worker.id
    replies = await h.send("tg-10", f"/start {code}")
    assert "用过" in replies[0].text
    assert not await Identity.exists(platform="test", user_id="tg-10")


async def test_expired_and_unknown_codes(harness):
    h = harness
    people = h.app.services.people
    person = await people.create("X", ["worker"])
    code = await people.create_invite(person)
    await InviteCode.filter(code=code).update(expires_at=datetime.now(UTC) - timedelta(hours=1))
    assert "过期" in (await h.send("tg-11", f"/start {code}"))[0].text
    assert "无效" in (await h.send("tg-11", "/start NOPE1234"))[0].text


async def test_unbound_user_registers_then_report_continues(harness):
    h = harness
    h.languages["stranger"], h.names["stranger"] = "en", "Zhou"
    replies = await h.send("stranger", "3号楼402 水龙头漏水")
    assert "your name" in replies[-1].text
    await h.press("stranger", "I'm Zhou")
    replies = await h.send("stranger", "12345")  # neither on the roster nor a phone
    assert "4 tries left" in replies[0].text
    await h.press("stranger", "I'm Zhou")
    replies = await h.send("stranger", "+86 138 0013 8000")  # a phone nobody has: a walk-in
    assert "registered" in replies[0].text
    assert "Building 3, Room 402" in replies[-1].text  # the original message became a report
    await h.press("stranger", "Submit")
    ticket = await Ticket.get().prefetch_related("reporter")
    assert ticket.reporter.name == "Zhou" and ticket.reporter.phone == "+8613800138000"
    assert ticket.reporter.roles == ["reporter"]


async def test_registration_closed(tmp_path):
    from tests.support import Harness, make_settings

    h = Harness(make_settings(tmp_path, open_reporting=False))
    await h.start()
    try:
        replies = await h.send("stranger", "hello")
        assert "邀请码" in replies[0].text
        assert not await Person.exists()
    finally:
        await h.stop()


async def test_lang_switch(harness):
    h = harness
    replies = await h.send("student", "/lang en")
    assert replies[0].text == "Language set to English."
    assert (await Person.get(id=h.people["student"].id)).locale == "en"
    replies = await h.send("student", "/lang")
    await h.press("student", "中文")
    assert "中文" in h.last("student").text
    replies = await h.send("student", "/lang klingon")
    assert "不支持" in replies[0].text


async def test_help_lists_commands_by_role(harness):
    h = harness
    student_help = (await h.send("student", "/help"))[0].text
    worker_help = (await h.send("worker", "/help"))[0].text
    assert "/report" in student_help and "/open" not in student_help
    assert "/open" in worker_help


def test_language_payload_packs_as_the_buttons_always_did():
    from bot.services.people import LanguageTap

    assert LanguageTap("zh_CN").pack() == "lang:zh_CN"
    assert LanguageTap.parse([]) == LanguageTap("")

"""The onboarding flow through the dispatcher: what a newcomer first sent (photos, a voice note,
a QR start parameter) is kept through verification, registration, an invite code and a restart;
refusals end the flow with a clear answer."""

from __future__ import annotations

from models.conversation import ConversationState
from models.people import Identity, Person
from models.repairs import Attachment, Ticket
from tests.support import Harness, make_settings, png_bytes


async def _student() -> Person:
    return await Person.create(name="王五", roles=["reporter"], external_id="2024999")


async def test_first_photos_survive_a_restart_and_verification(harness):
    h = harness
    student = await _student()
    await h.send("nb", "3号楼402 水龙头漏水", photos=[png_bytes(seed=1)])
    await h.send("nb", "王五")
    state = await ConversationState.get(key="test:nb")
    assert len(state.data["pending"]["photos"]) == 1  # kept in the database
    await h.restart()
    await h.send("nb", photos=[png_bytes(seed=2)])  # the rest of an album
    replies = await h.send("nb", "2024999")
    assert "欢迎，王五" in replies[0].text
    assert "照片：2 张" in replies[-1].text
    await h.press("nb", "提交")
    ticket = await Ticket.get().prefetch_related("reporter")
    assert ticket.reporter.id == student.id
    assert await Attachment.filter(ticket_id=ticket.id).count() == 2


async def test_an_invite_code_half_way_carries_on_with_the_first_message(harness):
    h = harness
    worker = await h.app.services.people.create("刘师傅", ["worker"])
    code = await h.app.services.people.create_invite(worker)
    await h.send("w1", "3号楼402 灯不亮", photos=[png_bytes(seed=3)])
    replies = await h.send("w1", f"/start {code}")
    assert "刘师傅" in replies[0].text
    assert "照片：1 张" in replies[-1].text and "3号楼402" in replies[-1].text
    assert not await ConversationState.filter(key="test:w1", flow="register").exists()


async def test_a_qr_start_parameter_is_kept_through_verification(harness):
    h = harness
    await _student()
    await h.send("qr", "/start p_3-402")
    await h.send("qr", "王五")
    replies = await h.send("qr", "2024999")
    assert "欢迎，王五" in replies[0].text
    assert "3号楼402" in "\n".join(r.text for r in replies[1:])  # the scan's place goes on


async def test_refusals_end_the_flow_and_bind_nothing(harness):
    h = harness
    student = await _student()
    await h.send("a", "/verify 2024999 王五")
    replies = await h.send("b", "/verify 2024999 王五")  # bound elsewhere: ask an admin
    assert "联系管理员" in replies[0].text
    assert not await ConversationState.filter(key="test:b").exists()
    replies = await h.send("a", "/verify")  # already linked to a roster person
    assert "无需再次验证" in replies[0].text
    for _ in range(5):
        await h.send("c", "/verify 2024999 王六")
    replies = await h.send("c", "/verify 2024999 王五")
    assert "尝试次数过多" in replies[0].text
    assert [i.user_id for i in await Identity.filter(person_id=student.id)] == ["a"]


async def test_registration_closed_still_verifies_roster_people(tmp_path):
    h = Harness(make_settings(tmp_path, open_reporting=False))
    await h.start()
    try:
        await _student()
        await h.send("x", "你好")
        await h.send("x", "赵六")
        replies = await h.send("x", "13811112222")  # a phone nobody has: no registration
        assert "还可尝试 4 次" in replies[0].text
        assert await Person.filter(phone="13811112222").count() == 0
        await h.send("x", "王五")
        replies = await h.send("x", "2024999")
        assert "欢迎，王五" in replies[0].text
    finally:
        await h.stop()


async def test_bad_ids_are_asked_again_and_lose_nothing(harness):
    h = harness
    h.languages["e"] = "en"
    await h.send("e", voice=b"#!AMR\n")
    replies = await h.send("e", "Zhou")
    assert "student or staff ID" in replies[-1].text
    replies = await h.send("e", "two words")
    assert "one word" in replies[0].text
    state = await ConversationState.get(key="test:e")
    assert state.data["pending"]["documents"][0]["kind"] == "voice"


async def test_a_roster_phone_with_another_name_is_a_failed_try_not_a_new_person(harness):
    h = harness
    student = await _student()
    student.phone = "13912345678"
    await student.save(update_fields=["phone"])
    await h.send("m", "你好")
    await h.send("m", "Mallory")
    replies = await h.send("m", "139 1234 5678")
    assert "还可尝试 4 次" in replies[0].text
    assert await Person.filter(phone="13912345678").count() == 1
    assert not await Identity.exists(platform="test", user_id="m")
    await h.send("m", "王五")
    replies = await h.send("m", "13912345678")  # the right name with the phone binds
    assert "欢迎，王五" in replies[0].text
    assert (await Identity.get(platform="test", user_id="m")).person_id == student.id

"""/invite and /sessions in chat: who may invite whom, and who may see web sessions."""

from __future__ import annotations

import pytest

from bot.core.errors import PermissionDenied
from models.people import Person
from models.web_auth import SignInLink
from tests.support import Harness, make_settings


@pytest.fixture
async def chat(tmp_path):
    """The app with people bound to test chats: admin, manager, reporter."""
    harness = Harness(make_settings(tmp_path, default_locale="en"))
    await harness.start()
    people = harness.app.services.people
    for user, roles, phone in (("adm", ["admin"], "13900000001"),
                               ("mgr", ["manager"], "13900000002"),
                               ("rep", ["reporter"], "13900000003")):
        person = await people.create(user.upper(), roles, phone=phone, locale="en")
        await people.bind(person, "test", user, user)
    yield harness
    await harness.stop()


async def say(chat: Harness, user: str, text: str) -> str:
    """Send `text` as `user`; every reply's text, joined."""
    return "\n".join(reply.text for reply in await chat.send(user, text))


async def test_manager_invites_a_worker_with_link_and_code(chat):
    reply = await say(chat, "mgr", "/invite Wang Wu 13800138000 worker")
    assert "Wang Wu" in reply and "/auth/link/" in reply and "/start " in reply
    assert "http://127.0.0.1:8080/auth/link/" in reply  # no public URL: the fallback
    wang = await Person.get(phone="13800138000")
    assert wang.name == "Wang Wu" and wang.roles == ["reporter", "worker"]
    assert await SignInLink.filter(person_id=wang.id).count() == 1
    code = reply.split("/start ")[1].split()[0]
    bound = await say(chat, "newcomer", f"/start {code}")
    assert "Wang Wu" in bound


async def test_reporter_cannot_invite_and_manager_cannot_make_an_admin(chat):
    refused = await say(chat, "rep", "/invite Eve 13800138001")
    assert "not allowed" in refused and "/auth/link/" not in refused
    assert "/invite" not in await say(chat, "rep", "/help")
    assert "/invite" in await say(chat, "mgr", "/help")
    reporter = await Person.get(name="REP")
    with pytest.raises(PermissionDenied) as denied:  # the service refuses on its own too
        await chat.app.services.invitations.invite(reporter, "Eve", "13800138001")
    assert denied.value.key == "invite.not_allowed"
    no_admin = await say(chat, "mgr", "/invite Eve 13800138001 admin")
    assert "Only an administrator" in no_admin
    assert not await Person.filter(phone="13800138001").exists()
    admin = await Person.get(name="ADM")
    no_link = await say(chat, "mgr", f"/invite Boss {admin.phone}")  # a way in as the admin
    assert "Only an administrator" in no_link
    assert not await SignInLink.filter(person_id=admin.id).exists()
    ok = await say(chat, "adm", "/invite Second Admin 13800138002 admin")
    assert "/auth/link/" in ok
    assert "admin" in (await Person.get(phone="13800138002")).roles
    usage = await say(chat, "mgr", "/invite OnlyName")
    assert "/invite NAME PHONE" in usage
    bad_phone = await say(chat, "mgr", "/invite Eve notaphone")
    assert "phone" in bad_phone.lower()


async def test_only_admins_see_and_end_web_sessions(chat):
    services = chat.app.services
    rep = await Person.get(name="REP")
    await services.web_sessions.start(rep, method="password", ip="10.1.2.3", user_agent="UA")
    for user in ("rep", "mgr"):
        refused = await say(chat, user, "/sessions")
        assert "REP" not in refused
        with pytest.raises(PermissionDenied):
            await services.web_sessions.list_as(await Person.get(name=user.upper()))
    listing = await say(chat, "adm", "/sessions")
    assert "REP" in listing and "password" in listing and "10.1.2.3" in listing
    session_id = listing.split("#")[1].split()[0]
    refused = await say(chat, "mgr", f"/sessions revoke {session_id}")
    assert "revoked" not in refused.lower() and "ended" not in refused
    ended = await say(chat, "adm", f"/sessions revoke {session_id}")
    assert f"{session_id} has been ended" in ended
    empty = await say(chat, "adm", "/sessions")
    assert "Nobody is signed in" in empty
    unknown = await say(chat, "adm", "/sessions revoke 999")
    assert "no web session 999" in unknown

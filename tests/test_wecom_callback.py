"""Callback security (real wechatpy crypto) and the mapping of WeCom messages to Incoming."""

from __future__ import annotations

import pytest
import xmltodict
from wechatpy.enterprise import WeChatCrypto

from bot.adapters.wecom.callback import (
    CallbackGuard,
    CallbackRejected,
    ReplayedCallback,
    check_aes_key,
    passive_button_update,
)
from bot.adapters.wecom.inbound import parse, parse_command, update_id
from tests.fakes.fake_wecom_callbacks import AES_KEY, CORP_ID, TOKEN, WeComCallbacks

NOW = 1_700_000_000


@pytest.fixture
def clock():
    """A hand-driven clock."""
    return [float(NOW)]


@pytest.fixture
def guard(clock):
    """A guard on that clock, remembering at most 3 requests."""
    return CallbackGuard(TOKEN, AES_KEY, CORP_ID, clock=lambda: clock[0], max_remembered=3)


WECOM = WeComCallbacks("http://unused")


def sealed(xml: str, stamp: int = NOW, nonce: str = "n1") -> tuple[dict[str, str], bytes]:
    """Query and body of a callback as WeCom would post it."""
    params, body = WECOM.envelope(xml, timestamp=stamp, nonce=nonce)
    return params, body.encode()


def test_open_decrypts_and_refuses_replays_inside_the_window(guard, clock):
    params, body = sealed(WECOM.text("zhangsan", "你好"))
    assert "你好" in guard.open(params, body)
    with pytest.raises(ReplayedCallback):
        guard.open(params, body)
    clock[0] += 301  # the same request later: refused as stale before anything else
    with pytest.raises(CallbackRejected) as stale:
        guard.open(params, body)
    assert stale.value.status == 403


def test_memory_is_bounded(guard):
    for index in range(5):
        guard.open(*sealed(WECOM.text("u", str(index)), nonce=f"n{index}"))
    assert len(guard._seen) <= 3


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"msg_signature": "0" * 40}, 403),
        ({"timestamp": str(NOW - 1000)}, 403),
        ({"timestamp": "soon"}, 400),
        ({"nonce": ""}, 400),
    ],
)
def test_bad_query_parameters(guard, change, status):
    params, body = sealed(WECOM.text("zhangsan", "hi"))
    with pytest.raises(CallbackRejected) as info:
        guard.open({**params, **change}, body)
    assert info.value.status == status


def test_bad_bodies(guard):
    params, body = sealed(WECOM.text("zhangsan", "hi"))
    for junk, status in ((b"", 400), (b"<xml><a>1</a></xml>", 400), (b"not xml", 400),
                         (body.replace(b"CDATA[", b"CDATA[x", 2), 403)):
        with pytest.raises(CallbackRejected) as info:
            guard.open(params, junk)
        assert info.value.status == status, junk[:40]


def test_url_verification(guard):
    stamp, nonce = str(NOW), "abc"
    sealed_echo = xmltodict.parse(
        WeChatCrypto(TOKEN, AES_KEY, CORP_ID).encrypt_message("12345", nonce, stamp))["xml"]
    query = {"msg_signature": sealed_echo["MsgSignature"], "timestamp": stamp, "nonce": nonce,
             "echostr": sealed_echo["Encrypt"]}
    assert guard.verify_url(query) == "12345"
    with pytest.raises(CallbackRejected):
        guard.verify_url({**query, "echostr": ""})
    with pytest.raises(CallbackRejected):
        guard.verify_url({**query, "msg_signature": "1" * 40})


def test_aes_key_is_checked():
    check_aes_key(AES_KEY)
    for bad in ("short", AES_KEY + "A", "!" * 43):
        with pytest.raises(ValueError):
            check_aes_key(bad)


def test_passive_update_is_sealed_and_escapes_cdata(guard):
    xml = passive_button_update("u1", CORP_ID, "✓ a]]>b", NOW)
    assert "a]]]]><![CDATA[>b" in xml
    answer = guard.seal(xml, "nonce1")
    # sealed: the plain XML (its non-ASCII ✓, its escaped CDATA) never shows in the answer;
    # the base64 ciphertext itself may end in any letter, so "a]]>" alone proves nothing
    assert "<Encrypt>" in answer and "✓" not in answer and "<![CDATA[>b" not in answer


# --- inbound mapping ---------------------------------------------------------------------------


def test_text_commands_and_bind_text():
    inc = parse(WECOM.text("zhangsan", "/report now")).incoming
    assert inc and (inc.command, inc.args, inc.chat_id, inc.user_id) == (
        "report", ["now"], "zhangsan", "zhangsan")
    assert inc.update_id and inc.update_id.startswith("m")
    assert parse_command("／help") == ("help", [])
    assert parse_command("绑定 ab12CD34") == ("start", ["ab12CD34"])
    assert parse_command("bind: XYZ23456") == ("start", ["XYZ23456"])
    assert parse_command("/报修") == (None, [])  # left as text for the report shortcut
    assert parse_command("/") == (None, [])
    assert parse_command("3号楼402 漏水") == (None, [])


def test_media_location_and_voice():
    photo = parse(WECOM.image("u", "MEDIA_1")).incoming
    assert photo and photo.photos[0].ref == "MEDIA_1" and photo.photos[0].is_image
    spoken = parse(WECOM.voice("u", "MEDIA_2", recognition="3号楼402 漏水")).incoming
    assert spoken and spoken.text == "3号楼402 漏水" and not spoken.documents
    raw = parse(WECOM.voice("u", "MEDIA_3")).incoming
    assert raw and raw.text is None and raw.documents[0].ref == "MEDIA_3"
    assert raw.documents[0].mime == "audio/amr" and not raw.documents[0].is_image
    where = parse(WECOM.location("u", 23.1291, 113.2644, "3号楼")).incoming
    assert where and where.location == (23.1291, 113.2644)


def test_events():
    greet = parse(WECOM.event("u", "enter_agent"))
    assert greet.kind == "enter_agent" and greet.incoming and greet.incoming.command == "start"
    assert parse(WECOM.event("u", "subscribe")).incoming.command == "start"  # type: ignore[union-attr]
    click = parse(WECOM.event("u", "click", "cmd:my")).incoming
    assert click and click.command == "my"
    assert parse(WECOM.event("u", "click", "V1001_TODAY")).incoming is None
    assert parse(WECOM.event("u", "view", "https://example.com")).incoming is None
    assert parse(WECOM.event("u", "unsubscribe")).incoming is None
    tap = parse(WECOM.event("u", "template_card_event", "f:ab12:submit", TaskId="hq_1"))
    assert tap.card_key == "f:ab12:submit" and tap.incoming
    assert (tap.incoming.callback, tap.incoming.message_id) == ("f:ab12:submit", "hq_1")
    task = parse(WECOM.event("u", "taskcard_click", "tk:v:R-1", TaskId="t2")).incoming
    assert task and task.callback == "tk:v:R-1"
    assert tap.agent_id == "1000002"


def test_update_ids_are_stable_per_event_and_distinct_across_events():
    first = {"FromUserName": "u", "CreateTime": "1", "Event": "click", "EventKey": "cmd:my"}
    assert update_id(first) == update_id(dict(first))
    assert update_id(first) != update_id({**first, "EventKey": "cmd:help"})
    assert update_id({"MsgId": "123"}) == "m123"


def test_not_a_wecom_message():
    for junk in ("<xml><Foo>1</Foo></xml>", "<<<", ""):
        with pytest.raises(ValueError):
            parse(junk)

"""User text in WeCom markdown, textcard and text messages is shown literally: no link, tag or
formatting a reporter types reaches another member's message as markup. End to end: the real
wechatpy crypto on the callback, the messages as the fake WeCom API receives them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.wecom.render import Renderer, markdown
from bot.app import HouqinApp
from bot.core.i18n import Translator
from bot.core.types import Reply
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AGENT_ID, CORP_ID, WeComCallbacks
from tests.support import seed_small_campus
from tests.test_e2e_wecom import Member, free_port, wecom_settings
from tests.test_e2e_wecom_flows import choose

HOSTILE = ('漏水 **紧急** [点此领奖](http://evil.example/x) <font color="warning">红字</font> '
           '<a href="http://evil.example/a">官方通知</a> `code` > 引用 # 标题')
RAW = ("**紧急", "[点此领奖]", "](http", "<font", "</font>", "<a href", "</a>", "`code`")


@pytest.fixture
async def api():
    """A running fake WeCom API."""
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    yield fake
    await fake.stop()


def _content(message: dict[str, Any]) -> str:
    """Every text field of a message body as sent."""
    part = message[message["msgtype"]]
    return " ".join(str(v) for v in part.values() if isinstance(v, str))


@pytest.mark.parametrize("style", ["markdown", "textcard", "text"])
async def test_a_hostile_report_reaches_the_worker_escaped(tmp_path, api, style):
    port = free_port()
    extra: dict[str, Any] = {"wecom_cards": False, "wecom_text_style": style}
    if style == "textcard":
        extra["wecom_textcard_url"] = "https://hq.example/"
    app = HouqinApp(wecom_settings(tmp_path, api, port, **extra))
    await app.start(schema="generate")
    try:
        people = await seed_small_campus()
        await app.services.people.bind(people["student"], "wecom", "zhangsan", "zhangsan")
        await app.services.people.bind(people["worker"], "wecom", "wang", "wang")
        wecom = WeComCallbacks(f"http://127.0.0.1:{port}/wecom/callback")
        worker, student = Member(api, wecom, "wang"), Member(api, wecom, "zhangsan")
        await worker.say("/duty on")
        await worker.expect("已上岗")
        await student.say("/report")
        await choose(student, await student.expect("哪类问题"), "水管")
        await student.expect("在哪里")
        await student.say("3号楼402")
        await student.expect("什么问题")
        await student.say(HOSTILE)
        await choose(student, await student.expect("请发送问题照片"), "跳过")
        await choose(student, await student.expect("紧急程度"), "一般")
        await choose(student, await student.expect("请确认您的报修"), "提交")
        await student.expect("已提交")
        offer = await worker.expect("官方通知")  # the dispatch offer quotes the description
        sent = _content(offer)
        assert offer["msgtype"] == style
        assert "http://evil.example" in sent  # the text is all there, only defused
        assert "＜a href" in sent and "＜font" in sent
        if style == "markdown":
            assert "［点此领奖］" in sent and "＊＊紧急＊＊" in sent and "＃ 标题" in sent
        for message in api.sent:  # nothing anyone received carries the raw markup
            if message["msgtype"] in ("markdown", "textcard", "text"):
                body = _content(message)
                assert "<a href" not in body and "<font" not in body, body
                if style == "markdown":
                    assert not [raw for raw in RAW if raw in body], body
        assert not api.violations
    finally:
        await app.stop()


def test_markdown_and_textcard_bodies_defuse_every_markup_character():
    t = Translator()
    md = Renderer(t, style="markdown").render(Reply(f"新报修 {HOSTILE}\n说明：{HOSTILE}"), "zh_CN")
    content = md.bodies[0]["markdown"]["content"]
    assert content.startswith("**新报修 ") and content.count("**") == 2  # only our own bold
    assert not any(ch in content.replace("**", "", 2) for ch in "<>[]*`#")
    card = Renderer(t, style="textcard", textcard_url="https://hq.example/").render(
        Reply(f"<div class=\"highlight\">标题</div>\n{HOSTILE} &lt;br&gt;"), "zh_CN"
    ).bodies[0]["textcard"]
    assert "<" not in card["title"] + card["description"]
    assert "&lt;" not in card["description"] and "＆lt;" in card["description"]
    assert markdown("# 标题\n> 引用") == "**＃ 标题**\n＞ 引用"
    text = Renderer(t).render(Reply('<a href="http://evil">点我</a>'), "zh_CN").bodies[0]
    assert text["text"]["content"] == '＜a href="http://evil"＞点我＜/a＞'

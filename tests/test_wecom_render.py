"""Reply -> WeCom message bodies: cards where they fit, numbered text elsewhere, styles."""

from __future__ import annotations

import pytest

from bot.adapters.wecom.render import Renderer, byte_len, markdown, split_bytes, width
from bot.core.i18n import Translator
from bot.core.types import Button, Reply

T = Translator("zh_CN")


def buttons(*labels: str) -> list[list[Button]]:
    """One row of buttons whose payloads are p0, p1, …"""
    return [[Button(label, f"p{i}") for i, label in enumerate(labels)]]


def test_buttons_become_a_template_card():
    reply = Reply("请确认您的报修：\n地点：3号楼402", buttons("✅ 提交", "✖ 取消"))
    out = Renderer(T).render(reply, "zh_CN")
    card = out.bodies[0]["template_card"]
    assert out.bodies[0]["msgtype"] == "template_card" and len(out.bodies) == 1
    assert card["main_title"]["title"] == "请确认您的报修："
    assert card["sub_title_text"] == "地点：3号楼402"
    assert [(b["text"], b["key"]) for b in card["button_list"]] == [("✅ 提交", "p0"),
                                                                    ("✖ 取消", "p1")]
    assert out.card_labels == {"p0": "✅ 提交", "p1": "✖ 取消"} and out.choices == []
    again = Renderer(T).render(Reply("x", buttons("a")), "zh_CN")
    assert again.bodies[0]["template_card"]["task_id"] != card["task_id"]


def test_a_long_first_line_goes_below_a_generic_title():
    text = "📍 在哪里？请发送房间号，如 3-402 或“3号楼402”，或地点名称（如“图书馆”）。"
    card = Renderer(T).render(Reply(text, buttons("✖ 取消")), "en").bodies[0]["template_card"]
    assert card["main_title"]["title"] == "Logistics" and card["sub_title_text"] == text


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("哪类问题？", buttons(*[f"类别{i}" for i in range(7)])),  # more than six buttons
        ("选一个", [[Button("甲", "same"), Button("乙", "same")]]),  # keys must differ
        ("选一个", buttons("Building 3, Room 402 (east wing)")),  # label too wide for a button
        ("问题：" + "很长的描述" * 40, buttons("提交")),  # text too long for a card
    ],
)
def test_numbered_text_where_a_card_cannot_be_used(text, rows):
    out = Renderer(T).render(Reply(text, rows), "zh_CN")
    content = out.bodies[-1]["text"]["content"]
    flat = [b for row in rows for b in row]
    assert out.choices == [b.payload for b in flat] and not out.card_labels
    assert "请回复数字进行选择：" in content
    assert f"{len(flat)}. {flat[-1].label}" in content


def test_cards_can_be_switched_off_and_the_hint_follows_the_locale():
    out = Renderer(T, cards=False).render(Reply("Pick one", buttons("Yes", "No")), "en")
    assert out.bodies == [{"msgtype": "text", "text": {
        "content": "Pick one\n\nReply with a number to choose:\n1. Yes\n2. No"}}]
    assert out.choices == ["p0", "p1"]


def test_long_text_is_split_under_2048_bytes_at_line_breaks():
    lines = [f"第{i}行：" + "水" * 60 for i in range(60)]
    out = Renderer(T).render(Reply("\n".join(lines)), "zh_CN")
    chunks = [body["text"]["content"] for body in out.bodies]
    assert len(chunks) > 1 and all(byte_len(c) <= 2048 for c in chunks)
    assert "\n".join(chunks) == "\n".join(lines)
    assert split_bytes("无换行" * 1000) and all(
        byte_len(c) <= 2048 for c in split_bytes("无换行" * 1000))
    assert "".join(split_bytes("无换行" * 1000)) == "无换行" * 1000


def test_markdown_and_textcard_styles():
    md = Renderer(T, style="markdown").render(Reply("报修单 R-1\n状态：已受理"), "zh_CN")
    assert md.bodies == [{"msgtype": "markdown",
                          "markdown": {"content": "**报修单 R-1**\n状态：已受理"}}]
    assert markdown("a*b\nc") == "**a＊b**\nc"  # its own asterisks cannot break the bold
    card = Renderer(T, style="textcard", textcard_url="https://hq.example/")
    out = card.render(Reply("报修单 R-1\n状态：已受理"), "zh_CN").bodies[0]
    assert out == {"msgtype": "textcard", "textcard": {
        "title": "报修单 R-1", "description": "状态：已受理", "url": "https://hq.example/",
        "btntxt": "查看详情"}}
    long = card.render(Reply("标题\n" + "内容" * 200), "zh_CN").bodies[0]
    assert long["msgtype"] == "text"  # over the textcard's 512 bytes: plain text instead
    with pytest.raises(ValueError):
        Renderer(T, style="textcard")
    with pytest.raises(ValueError):
        Renderer(T, style="html")


def test_width_counts_wide_characters_twice():
    assert width("abc") == 3 and width("报修") == 4 and width("✅") == 2

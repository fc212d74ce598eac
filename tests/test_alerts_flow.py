"""/alert, the answer buttons, /alerts and the all-clear, driven through the dispatcher."""

from __future__ import annotations

import asyncio

from models.alerts import Alert, AlertRecipient
from models.outbox import OutboxMessage


async def settle(h) -> None:
    """Wait until the delivery lanes sent everything queued."""
    for _ in range(300):
        await h.app.notifier.store.flush()
        if not await OutboxMessage.filter(status__in=("pending", "sending")).exists():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the outbox did not drain")


async def send_alert(h, template: str, details: str | None, audience: str = "全体人员") -> Alert:
    """The manager goes through /alert and sends."""
    await h.send("manager", "/alert")
    await h.press("manager", template)
    if details is None:
        await h.press("manager", "跳过")
    else:
        await h.send("manager", details)
    await h.press("manager", audience)
    await h.press("manager", "立即发送")
    await settle(h)
    return await Alert.all().order_by("-id").first()


async def test_manager_sends_and_people_acknowledge(harness):
    h = harness
    replies = await h.send("manager", "/alert")
    assert "应急预案" in replies[0].text
    await h.press("manager", "停水通知")
    assert "因供水管网维修" in h.last("manager").text
    await h.send("manager", "今晚22:00至次日6:00")
    assert "发送给谁" in h.last("manager").text
    await h.press("manager", "全体人员")
    card = h.last("manager").text
    assert "共 4 人" in card and "今晚22:00至次日6:00" in card
    await h.press("manager", "立即发送")
    assert any("正在发送给 4 人" in r.text for r in h.replies_to("manager"))
    await settle(h)
    alert = await Alert.get()
    notice = h.last("student")
    assert "停水通知" in notice.text and "今晚22:00至次日6:00" in notice.text
    assert "Water outage" in h.last("student2").text
    replies = await h.press("student", "收到")
    assert "已确认收到" in replies[0].text and replies[0].edit_message_id == "m1"
    replies = await h.send("student", callback=f"al:ok:{alert.id}")
    assert "已经登记过了" in replies[0].text
    replies = await h.send("manager", "/alerts")
    assert f"#{alert.id} 停水通知" in replies[0].text and "已回应 1/4" in replies[0].text
    replies = await h.press("manager", f"#{alert.id}")
    assert "共 4 人 · 已发送 4 · 已送达 4" in replies[0].text
    replies = await h.press("manager", "未回应名单")
    assert "还有 3 人未回应" in replies[0].text and "王师傅" in replies[0].text


async def test_a_student_cannot_send_follow_or_close_alerts(harness):
    h = harness
    alert = await send_alert(h, "台风预警", None)
    for text in ("/alert", "/alerts"):
        replies = await h.send("student", text)
        assert "没有权限" in replies[0].text
    for verb in ("v", "nl", "ac"):
        replies = await h.send("student", callback=f"al:{verb}:{alert.id}")
        assert "没有权限" in replies[0].text, verb
    assert (await Alert.get(id=alert.id)).status == "open"
    assert "/alert" not in (await h.send("student", "/help"))[0].text


async def test_bad_input_while_composing(harness):
    h = harness
    h.people["worker"].zone = "3"
    await h.people["worker"].save(update_fields=["zone"])  # save: keeps person_tag's zone
    await h.send("manager", "/alert")
    replies = await h.send("manager", "着火了")
    assert "请点击下方按钮" in replies[0].text and replies[-1].buttons
    await h.press("manager", "自行编写")
    replies = await h.send("manager", "")
    assert "需要填写内容" in replies[0].text
    await h.send("manager", "明早8点图书馆闭馆消杀")
    await h.press("manager", "某栋楼")
    await h.send("manager", "3号搂")
    assert "3号楼" in " ".join(b.label for row in h.last("manager").buttons for b in row)
    await h.press("manager", "3号楼")
    assert "3号楼，共 1 人" in h.last("manager").text
    replies = await h.send("manager", "确认")
    assert "请点击下方按钮" in replies[0].text
    replies = await h.press("manager", "改为要求回复")
    assert "是（疏散撤离）" in replies[-1].text
    replies = await h.send("manager", "/cancel")
    assert "已取消" in replies[0].text or "取消" in replies[0].text
    assert await Alert.all().count() == 0


async def test_a_list_of_people_with_unknown_names(harness):
    h = harness
    await h.send("manager", "/alert")
    await h.press("manager", "停电通知")
    await h.press("manager", "跳过")
    await h.press("manager", "指定名单")
    replies = await h.send("manager", "张三，不存在的人")
    assert "不存在的人" in replies[0].text
    assert "指定名单 1 人" in h.last("manager").text
    await h.press("manager", "立即发送")
    await settle(h)
    assert "停电通知" in h.last("student").text
    assert not any("停电通知" in r.text for r in h.replies_to("student2"))


async def test_evacuation_help_and_all_clear(harness):
    h = harness
    alert = await send_alert(h, "火警", "2楼烟感报警")
    assert alert.evacuation
    before = len(h.replies_to("student"))
    await h.press("student", "我需要帮助")
    mine = h.replies_to("student")[before:]
    assert "已发出求助" in mine[0].text
    assert "已立即通知主管" in mine[1].text and "具体位置" in mine[2].text
    assert "张三" in h.last("manager").text and "需要帮助" in h.last("manager").text
    await h.send("student", "3楼东侧楼梯间")
    assert "3楼东侧楼梯间" in h.last("manager").text
    await h.press("student2", "I'm safe")
    rec = await AlertRecipient.get(alert_id=alert.id, person_id=h.people["student2"].id)
    assert rec.status == "safe"
    await h.send("manager", "/alerts")
    await h.press("manager", f"#{alert.id}")
    replies = await h.press("manager", "解除警报")
    assert "解除通知内容" in replies[0].text
    replies = await h.press("manager", "使用标准内容")
    assert "4 人" in replies[0].text and "险情已解除" in replies[0].text
    replies = await h.press("manager", "发送解除通知")
    assert "已解除" in replies[0].text
    await settle(h)
    assert "解除通知" in h.last("student").text and "All clear" in h.last("student2").text
    replies = await h.send("student", callback=f"al:safe:{alert.id}")
    assert "已经解除" in replies[0].text

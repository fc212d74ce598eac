"""Dispatch through the dispatcher and a recording adapter: /duty, /jobs, the offer buttons,
progress taps, the done flow, the follow-up, manager tools, and bad input at each point."""

from __future__ import annotations

import pytest

from models.conversation import ConversationState
from models.dispatch import Job
from models.followup import FollowUp, TicketMaterial
from models.repairs import Ticket
from tests.dispatch_support import all_day_sla
from tests.support import Harness, make_settings, png_bytes, seed_small_campus


@pytest.fixture
async def chat(tmp_path):
    h = Harness(make_settings(tmp_path, sla_file=all_day_sla(tmp_path)))
    await h.start()
    h.people = await seed_small_campus()
    people = h.app.services.people
    h.people["li"] = await people.create("李师傅", ["worker"], skills=["plumbing"], locale="en")
    await people.bind(h.people["li"], "test", "li", "li")
    yield h
    await h.stop()


async def file_ticket(h) -> Ticket:
    await h.send("student", "3号楼402 水龙头漏水")
    await h.press("student", "提交")
    return await Ticket.filter().order_by("-id").first()


async def test_duty_command(chat):
    h = chat
    assert "未在岗" in (await h.send("worker", "/duty"))[0].text
    replies = await h.send("worker", "/duty on")
    assert "已上岗" in replies[0].text
    assert "已经在岗" in (await h.send("worker", "/duty 上岗"))[0].text
    await h.send("worker", "/duty")
    assert "在岗中" in h.last("worker").text
    await h.press("worker", "下岗")
    assert "已下岗" in h.last("worker").text
    assert "/duty on" in (await h.send("worker", "/duty maybe"))[0].text
    assert "没有权限" in (await h.send("student", "/duty on"))[0].text
    assert "没有权限" in (await h.send("student", callback="du:on"))[0].text
    assert "没有未完成" in (await h.send("worker", "/jobs"))[0].text
    help_text = (await h.send("worker", "/help"))[0].text
    assert "/duty" in help_text and "/jobs" in help_text
    assert "/duty" not in (await h.send("student", "/help"))[0].text


async def test_report_decline_accept_progress_done_rate(chat):
    h = chat
    await h.send("worker", "/duty on")
    await h.send("li", "/duty on")
    ticket = await file_ticket(h)
    submitted = h.last("student").text
    assert ticket.number in submitted and "已派给维修师傅" in submitted and "修好" in submitted
    assert ticket.number in h.last("worker").text
    offer = h.last("worker").buttons
    assert [len(row) for row in offer] == [1, 1]  # Accept and Decline on rows of their own
    await h.press("worker", "拒绝")
    assert "原因" in h.last("worker").text
    await h.press("worker", "返回")  # changed their mind: the offer again, nothing declined
    back = h.last("worker")
    assert ticket.number in back.text and back.edit_message_id
    assert [b.label for row in back.buttons for b in row] == ["✅ 接单", "❌ 拒绝"]
    assert await Job.filter(ticket_id=ticket.id, status="declined").count() == 0
    await h.press("worker", "拒绝")
    await h.press("worker", "正在忙")
    assert "已拒绝" in h.last("worker").text
    assert "New job" in h.last("li").text  # 李师傅 reads English
    await h.press("li", "Accept")
    assert "On my way" in h.last("li").buttons[0][0].label
    assert "李师傅 已接下" in h.last("student").text
    await h.press("li", "On my way")
    await h.press("li", "Arrived")
    await h.press("li", "Start repair")
    assert "已到达" in h.replies_to("student")[-2].text
    await h.press("li", "Done")
    replies = await h.press("li", "Done (0)")
    assert "At least 1 photo" in replies[0].text
    await h.send("li", photos=[png_bytes(seed=3)])
    await h.press("li", "Done (1)")
    assert "What did you do" in h.last("li").text
    await h.send("li", "换了新阀芯")
    assert "Materials used" in h.last("li").text
    await h.send("li", "阀芯 x0")
    assert "can't read" in h.replies_to("li")[-2].text
    await h.send("li", "阀芯 x1")
    assert "is done" in h.last("li").text
    assert (await Ticket.get(id=ticket.id)).status == "done"
    assert await TicketMaterial.filter(ticket_id=ticket.id).count() == 1
    question = h.last("student")
    assert "换了新阀芯" in question.text and len(question.buttons[0]) == 5
    await h.press("student", "5⭐")
    assert "★★★★★" in h.replies_to("student")[-2].text
    await h.send("student", "很及时，谢谢师傅")
    assert "已记录" in h.last("student").text
    fu = await FollowUp.get(ticket_id=ticket.id)
    assert (fu.score, fu.comment) == (5, "很及时，谢谢师傅")
    detail = (await h.send("student", callback=f"tk:v:{ticket.number}"))[0].text
    assert "评价" in detail and "师傅拒绝派工" not in detail  # decline reasons stay internal
    staff_view = (await h.send("manager", callback=f"tk:v:{ticket.number}"))[0].text
    assert "师傅拒绝派工" in staff_view


async def test_bad_and_stale_buttons(chat):
    h = chat
    await h.send("worker", "/duty on")
    ticket = await file_ticket(h)
    job = await Job.get(ticket_id=ticket.id)
    assert "不是派给您的" in (await h.send("student", callback=f"jb:a:{job.id}"))[0].text
    assert "not yours" in (await h.send("li", callback=f"jb:a:{job.id}"))[0].text
    assert "找不到这张工单" in (await h.send("worker", callback="jb:a:abc"))[0].text
    assert "无法识别" in (await h.send("worker", callback=f"jb:zz:{job.id}"))[0].text
    assert "请先接单" in (await h.send("worker", callback=f"jb:s:{job.id}:w"))[0].text
    await h.press("worker", "接单")
    assert "已经接了" in (await h.send("worker", callback=f"jb:a:{job.id}"))[0].text
    assert "没有权限" in (await h.send("worker", callback=f"mg:v:{ticket.id}"))[0].text
    assert "没有权限" in (await h.send("student", callback="op:o"))[0].text
    await h.send("manager", callback=f"mg:ci:{ticket.id}")
    await h.send("manager", "测试单")
    assert "已关闭" in h.last("worker").text
    replies = await h.send("worker", callback=f"jb:s:{job.id}:w")
    assert "已经关闭" in replies[0].text
    assert (await Ticket.get(id=ticket.id)).status == "closed"


async def test_followup_bad_input(chat):
    h = chat
    await h.send("worker", "/duty on")
    ticket = await file_ticket(h)
    job = await Job.get(ticket_id=ticket.id)
    services = h.app.services
    await services.offers.accept(job.id, h.people["worker"])
    pid = (await services.media.store_photo(h.people["worker"], png_bytes())).id
    await services.work.complete(job.id, h.people["worker"], "好了", [pid], [])
    fu = await FollowUp.get(ticket_id=ticket.id)
    assert "1 到 5" in (await h.send("student", callback=f"fu:r:{fu.id}:9"))[0].text
    assert "报修人本人" in (await h.send("worker", callback=f"fu:r:{fu.id}:5"))[0].text
    assert "失效" in (await h.send("student", callback="fu:r:99999:5"))[0].text
    await h.send("student", "/report")  # mid-flow: the comment is offered for later
    await h.send("student", callback=f"fu:r:{fu.id}:4")
    assert "稍后" in h.last("student").text
    assert (await FollowUp.get(id=fu.id)).score == 4
    await h.send("student", "/cancel")
    await h.press("student", "补充意见")
    await h.press("student", "跳过")
    assert "不填写" in h.last("student").text
    assert "已经评价" in (await h.send("student", callback=f"fu:no:{fu.id}"))[0].text
    assert "Only the person" in (await h.send("student2", callback=f"fu:c:{fu.id}"))[0].text
    await h.send("student", callback=f"fu:c:{fu.id}")
    await h.send("student", "还行")
    assert "填写过意见" in (await h.send("student", callback=f"fu:c:{fu.id}"))[0].text


async def test_manager_open_card_reassign_and_close(chat):
    h = chat
    await h.send("worker", "/duty on")
    ticket = await file_ticket(h)
    listing = (await h.send("manager", "/open"))[0]
    assert ticket.number in listing.text
    # offered, not yet accepted: the line names who it waits for, not "unassigned"
    assert "已派给 王师傅（待接单）" in listing.text and "未派工" not in listing.text
    await h.press("manager", "已超时")
    assert "没有未完成" in h.last("manager").text
    refused = (await h.send("manager", "/open 火星"))[0].text
    assert "无法识别筛选" in refused and "/open 已提交（状态）" in refused  # no raw codes
    assert "submitted" not in refused
    await h.send("manager", "/open 已派工")
    assert ticket.number in h.last("manager").text
    await h.press("manager", ticket.number)
    assert "改派" in h.last("manager").buttons[0][0].label
    await h.press("manager", "改派")
    await h.press("manager", "李师傅")
    assert "李师傅" in h.last("manager").text
    assert ticket.number in h.last("li").text and "改派" in h.last("worker").text
    await h.press("li", "Accept")
    assert "李师傅" in (await h.send("student", callback=f"tk:v:{ticket.number}"))[0].text
    await h.send("manager", callback=f"mg:v:{ticket.id}")
    await h.press("manager", "紧急程度")
    await h.press("manager", "紧急")
    assert "紧急" in h.last("manager").text and "Urgent" in h.last("li").text
    await h.send("manager", callback=f"mg:v:{ticket.id}")
    await h.press("manager", "重复报修")
    await h.send("manager", "R-20000101-0001 重复")
    assert "不能作为原报修" in h.last("manager").text
    await h.send("manager", "/cancel")
    assert (await Ticket.get(id=ticket.id)).status == "accepted"
    await h.send("manager", "/workers")
    assert "李师傅" in h.last("manager").text and "王师傅" in h.last("manager").text
    assert "没有权限" in (await h.send("worker", "/workers"))[0].text


async def test_job_taken_away_mid_flow_ends_the_flow(chat):
    h = chat
    await h.send("worker", "/duty on")
    ticket = await file_ticket(h)
    await h.press("worker", "接单")
    await h.press("worker", "完工")
    await h.send("worker", photos=[png_bytes(seed=4)])
    await h.send("worker", "换了垫圈")  # text after a photo: taken as the note
    assert "用了哪些材料" in h.last("worker").text
    await h.send("worker", "/open")  # allowed mid-flow, and the step is asked again
    assert "用了哪些材料" in h.last("worker").text
    manage = h.app.services.manage
    await manage.reassign(h.people["manager"], ticket.id, h.people["li"].id)
    await h.press("worker", "未使用材料")
    assert "已结束" in h.last("worker").text
    assert await ConversationState.get_or_none(key="test:worker") is None
    assert (await Ticket.get(id=ticket.id)).status == "assigned"

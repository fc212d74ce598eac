"""Inspection rounds in chat through the dispatcher: walking a round (photos, readings, bad
input), pause and resume across a restart, reassignment mid-walk, roles, managers' /rounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.inspections.jobs import inspection_tick
from models.inspections import InspectionAnswer, InspectionRound, InspectionSchedule
from models.repairs import Attachment, Ticket
from tests.inspection_support import import_checklist
from tests.support import png_bytes

T0 = datetime(2027, 1, 30, 0, 0, tzinfo=UTC)


async def _due_round(h, tmp_path) -> InspectionRound:
    await import_checklist(tmp_path, now=T0 - timedelta(hours=1))
    await inspection_tick(h.app.services, T0)
    return await InspectionRound.get()


def _texts(replies) -> str:
    return "\n".join(r.text for r in replies)


async def test_walk_a_round_with_photo_problem_and_bad_readings(harness, tmp_path):
    h = harness
    rnd = await _due_round(h, tmp_path)
    out = await h.press("worker", "开始巡检")
    assert "（1/3）通道畅通" in _texts(out) and "安全项" in _texts(out)
    await h.press("worker", "有问题")
    out = await h.send("worker", "堆了纸箱")
    assert "必须拍照" in _texts(out)
    out = await h.press("worker", "暂停")  # a problem without its photo is not recorded
    assert "已暂停" in _texts(out)
    await h.send("worker", "/rounds")
    assert await InspectionAnswer.filter(round_id=rnd.id).count() == 0
    out = await h.press("worker", "开始巡检")
    assert "（1/3）" in _texts(out)
    await h.press("worker", "有问题")
    await h.send("worker", "堆了纸箱")
    out = await h.send("worker", photos=[png_bytes(seed=7)])
    assert "已保存" in _texts(out)
    out = await h.press("worker", "完成")
    assert "已生成报修工单" in _texts(out) and "（2/3）防火门" in _texts(out)
    first = await Ticket.get()
    assert first.urgency == "urgent" and "堆了纸箱" in first.description
    assert await Attachment.filter(ticket_id=first.id).count() == 1
    alert = [r.text for r in h.replies_to("manager") if "安全隐患" in r.text]
    assert len(alert) == 1 and first.number in alert[0] and "王师傅" in alert[0]
    out = await h.press("worker", "正常")
    assert "（3/3）灭火器压力" in _texts(out) and "0.7–1.4 MPa" in _texts(out)
    out = await h.send("worker", "abc")
    assert "“abc”不是数字" in _texts(out) and "（3/3）" in _texts(out)
    out = await h.send("worker", photos=[png_bytes(seed=8)])
    assert "请输入数字" in _texts(out)
    out = await h.send("worker", "0.3 MPa")
    assert "超出正常范围" in _texts(out)
    await h.send("worker", "压力不足")
    out = await h.press("worker", "不拍照")
    text = _texts(out)
    assert "巡检完成" in text and "问题 2 项" in text and "0.3MPa" in text
    assert (await InspectionRound.get(id=rnd.id)).state == "done"
    assert await Ticket.all().count() == 2
    out = await h.send("worker", "/rounds")
    assert "没有待完成的巡检任务" in _texts(out)


async def test_pause_then_resume_after_restart(harness, tmp_path):
    h = harness
    rnd = await _due_round(h, tmp_path)
    await h.press("worker", "开始巡检")
    await h.press("worker", "正常")
    out = await h.press("worker", "暂停")
    assert "已暂停" in _texts(out)
    await h.restart()
    out = await h.send("worker", "/rounds")
    assert "进度 1/3" in _texts(out)
    out = await h.press("worker", "继续巡检")
    assert "已回答 1 项" in _texts(out) and "（2/3）防火门" in _texts(out)
    out = await h.press("worker", "开始巡检")  # an old Start button mid-walk: finish first
    assert "请先完成当前这一步" in _texts(out) and "（2/3）" in _texts(out)
    assert (await InspectionRound.get(id=rnd.id)).state == "in_progress"


async def test_reassigned_mid_walk_the_old_worker_is_told_nothing_recorded(harness, tmp_path):
    h = harness
    new = await h.app.services.people.create("钱师傅", ["worker"])
    await h.app.services.people.bind(new, "test", "worker2", "worker2")
    rnd = await _due_round(h, tmp_path)
    await h.press("worker", "开始巡检")
    await h.send("manager", "/rounds")
    await h.press("manager", "改派")
    out = await h.press("manager", "钱师傅")
    assert "已改派给 钱师傅" in _texts(out)
    assert any("改派给您的巡检任务" in r.text for r in h.replies_to("worker2"))
    out = await h.press("worker", "正常")
    assert "不归您负责" in _texts(out)
    assert await InspectionAnswer.filter(round_id=rnd.id).count() == 0
    assert (await InspectionRound.get(id=rnd.id)).worker_id == new.id


async def test_roles_student_and_another_worker(harness, tmp_path):
    h = harness
    other = await h.app.services.people.create("钱师傅", ["worker"])
    await h.app.services.people.bind(other, "test", "worker2", "worker2")
    rnd = await _due_round(h, tmp_path)
    schedule = await InspectionSchedule.get()
    out = await h.send("student", "/rounds")
    assert "没有权限" in _texts(out)
    for payload in (f"ir:s:{rnd.id}", f"ir:p:{schedule.id}", f"ir:w:{rnd.id}"):
        out = await h.send("student", callback=payload)
        assert "没有权限" in _texts(out), payload
    out = await h.send("worker2", callback=f"ir:s:{rnd.id}")
    assert "不归您负责" in _texts(out)
    out = await h.send("worker", callback=f"ir:p:{schedule.id}")  # workers cannot pause
    assert "没有权限" in _texts(out)
    assert not (await InspectionSchedule.get()).paused
    out = await h.send("worker", callback="ir:zz:1")
    assert "无法识别这个按钮" in _texts(out)
    assert await InspectionAnswer.all().count() == 0


async def test_manager_lists_and_pauses_a_schedule(harness, tmp_path):
    h = harness
    await _due_round(h, tmp_path)
    out = await h.send("manager", "/rounds")
    text = _texts(out)
    assert "消防通道（fire_exit），3 项" in text and "daily 08:00" in text and "王师傅" in text
    out = await h.press("manager", "暂停计划")
    assert "已暂停" in _texts(out)
    assert (await InspectionSchedule.get()).paused
    out = await h.send("manager", "/rounds")
    assert "已暂停" in _texts(out)
    out = await h.press("manager", "恢复计划")
    assert "已恢复" in _texts(out) and not (await InspectionSchedule.get()).paused


async def test_english_worker_and_a_round_nobody_could_take(harness, tmp_path):
    h = harness
    people = h.app.services.people
    mary = await people.create("Mary", ["worker"], locale="en", phone="13900000001")
    await people.bind(mary, "test", "mary", "mary")
    await import_checklist(tmp_path, worker="13900000001", now=T0 - timedelta(hours=1))
    await inspection_tick(h.app.services, T0)
    assert "Inspection round: Fire exits" in h.last("mary").text
    out = await h.press("mary", "Start round")
    assert "(1/3) Passage clear" in _texts(out)
    await h.press("mary", "OK")
    await h.press("mary", "OK")
    out = await h.send("mary", "abc")
    assert '"abc" is not a number' in _texts(out) and "allowed 0.7–1.4 MPa" in _texts(out)
    out = await h.send("mary", "1,1")
    assert "Round done: Fire exits (Building 3)" in _texts(out)
    assert "All 3 item(s) OK." in _texts(out)
    # a zone schedule with nobody in the zone: the managers hear of it, in their language
    await InspectionSchedule.filter().update(worker_id=None, zone="east")
    await inspection_tick(h.app.services, T0 + timedelta(days=1))
    assert "找不到负责的师傅" in h.last("manager").text
    rnd = await InspectionRound.filter(due_at=T0 + timedelta(days=1)).first()
    assert rnd is not None and rnd.worker_id is None

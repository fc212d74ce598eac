"""WeCom members and people: automatic binding, directory sync, and the `wecom` CLI against
the fake WeCom API (run as a real subprocess)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.services.people.directory import WeComDirectory, department_names
from bot.services.people.service import PeopleService
from models.people import Identity, Person
from tests.db_templates import migrated_sqlite
from tests.fakes.fake_wecom_api import FakeWeComApi

ROOT = Path(__file__).resolve().parents[1]


async def test_bind_known_by_identity_or_external_id_only(db):
    people = PeopleService()
    directory = WeComDirectory(people)
    imported = await people.create("张三", ["reporter"], external_id="zhangsan")
    assert (await directory.bind_known("zhangsan")).id == imported.id  # type: ignore[union-attr]
    ident = await Identity.get(platform="wecom", user_id="zhangsan")
    assert (ident.person_id, ident.chat_id) == (imported.id, "zhangsan")
    assert (await directory.bind_known("zhangsan")).id == imported.id  # type: ignore[union-attr]
    assert await Identity.filter(platform="wecom").count() == 1

    assert await directory.bind_known("stranger") is None
    left = await people.create("离职", ["worker"], external_id="gone")
    left.active = False
    await left.save(update_fields=["active"])
    assert await directory.bind_known("gone") is None  # an inactive person is not bound
    twin = await people.create("李四", ["reporter"], external_id="lisi")
    await people.bind(twin, "wecom", "li.si", "li.si")
    assert await directory.bind_known("lisi") is None  # already has another WeCom account
    assert await Identity.filter(platform="wecom", user_id="lisi").count() == 0


async def test_locale_of(db):
    people = PeopleService()
    person = await people.create("Emily", ["reporter"], locale="en")
    await people.bind(person, "wecom", "emily", "emily")
    directory = WeComDirectory(people)
    assert await directory.locale_of("emily") == "en"
    assert await directory.locale_of("nobody") is None


async def test_sync_users_creates_binds_updates_and_skips(db):
    people = PeopleService()
    directory = WeComDirectory(people)
    staff = await people.create("王师傅", ["worker"], external_id="wang", skills=["plumbing"])
    users = [
        {"userid": "wang", "name": "王建国", "mobile": "13900000001", "status": 1},
        {"userid": "zhao", "name": "赵六", "status": 4},
        {"userid": "left", "name": "已离职", "status": 5},
        {"userid": "", "name": "无账号"},
    ]
    first = await directory.sync_users(users)
    assert (first.created, first.bound, first.updated, first.skipped) == (1, 1, 1, 2)
    await staff.refresh_from_db()
    assert (staff.name, staff.phone, staff.roles, staff.skills) == (
        "王建国", "13900000001", ["reporter", "worker"], ["plumbing"])
    zhao = await Person.get(external_id="zhao")
    assert zhao.roles == ["reporter"]
    assert await Identity.exists(platform="wecom", user_id="zhao", person_id=zhao.id)
    again = await directory.sync_users(users)
    assert (again.created, again.bound, again.updated, again.unchanged) == (0, 0, 0, 2)
    assert await Person.filter(external_id="left").count() == 0


async def run_cli(tmp_path: Path, api: FakeWeComApi, *args: str,
                  extra_env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`python -m bot ARGS…` as a subprocess, while this loop keeps serving the fake API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(
        HOUQIN_DATABASE_URL=migrated_sqlite(tmp_path / "cli.sqlite3"),
        HOUQIN_WECOM_CORP_ID=api.corp_id, HOUQIN_WECOM_SECRET=api.secret,
        HOUQIN_WECOM_AGENT_ID=str(api.agent_id), HOUQIN_WECOM_API_URL=api.url,
        **(extra_env or {}),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode(), err.decode()


@pytest.fixture
async def api():
    """A running fake WeCom API."""
    fake = FakeWeComApi()
    await fake.start()
    yield fake
    await fake.stop()


async def test_cli_menu_in_both_locales(tmp_path, api):
    code, out, err = await run_cli(tmp_path, api, "wecom", "menu")
    assert code == 0, err
    menu = api.menus[-1]["button"]
    assert [b["name"] for b in menu] == ["报修", "我的报修", "更多"]
    assert menu[0]["key"] == "cmd:report" and "报修 / 我的报修 / 更多" in out
    code, out, err = await run_cli(tmp_path, api, "wecom", "menu", "--locale", "en")
    assert code == 0, err
    assert [b["name"] for b in api.menus[-1]["button"]] == ["Report", "My tickets", "More"]
    more = [s["key"] for s in api.menus[-1]["button"][2]["sub_button"]]
    assert "cmd:help" in more and "cmd:lang" in more
    code, _, err = await run_cli(tmp_path, api, "wecom", "menu", "--locale", "fr")
    assert code == 2 and "unknown locale" in err
    api.fail("menu/create", 60020, errmsg="not allow to access from your ip")
    code, _, err = await run_cli(tmp_path, api, "wecom", "menu")
    assert code == 2 and "60020" in err


async def test_cli_menu_opens_the_web_chat_when_public(tmp_path, api):
    code, _, err = await run_cli(tmp_path, api, "wecom", "menu",
                                 extra_env={"HOUQIN_PUBLIC_URL": "https://houqin.example.edu/"})
    assert code == 0, err
    more = api.menus[-1]["button"][2]["sub_button"]
    assert more[-1] == {"type": "view", "name": "网页聊天",
                        "url": "https://houqin.example.edu/auth/wecom/start"}
    assert len(more) <= 5 and not api.violations


async def test_cli_sync_users(tmp_path, api):
    code, _, err = await run_cli(tmp_path, api, "migrate")
    assert code == 0, err
    api.users[1] = [{"userid": "zhangsan", "name": "张三", "status": 1}]
    api.users[7] = [{"userid": "lisi", "name": "李四", "status": 1}]
    api.children[1] = [7]
    code, out, err = await run_cli(tmp_path, api, "wecom", "sync-users")
    assert code == 0, err
    assert "2 member(s), 0 department name(s); 2 created" in out
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        rows = conn.execute("SELECT user_id FROM identity WHERE platform = 'wecom' "
                            "ORDER BY user_id").fetchall()
    assert rows == [("lisi",), ("zhangsan",)]
    code, out, err = await run_cli(tmp_path, api, "wecom", "sync-users", "--department", "7",
                                   "--no-children")
    assert code == 0 and "1 member(s), 0 department name(s); 0 created" in out, err


async def test_sync_users_fills_department_names_and_mobile(db):
    people = PeopleService()
    directory = WeComDirectory(people)
    imported = await people.create("学生甲", ["reporter"], external_id="20260001")
    names = department_names([{"id": 1, "name": "某大学"}, {"id": 7, "name": "  计算机学院 "},
                              {"id": 8}, {"id": "x", "name": "bad"}])
    assert names == {1: "某大学", 7: "  计算机学院 "}
    users = [
        {"userid": "20260001", "name": "学生甲", "department": [7], "main_department": 7,
         "mobile": "139 0000 0009", "status": 1},
        {"userid": "li", "name": "李老师", "department": [8, 1], "status": 1},  # 8: no name
        {"userid": "wu", "name": "吴", "department": [1], "status": 1},  # no mobile: not readable
    ]
    result = await directory.sync_users(users, names)
    assert (result.created, result.bound, result.updated) == (2, 1, 1)
    await imported.refresh_from_db()
    assert (imported.department, imported.phone) == ("计算机学院", "13900000009")
    li = await Person.get(external_id="li")
    assert li.department is None  # the main department's name is unknown: nothing invented
    wu = await Person.get(external_id="wu")
    assert (wu.department, wu.phone) == ("某大学", None)
    # a later sync without names (no permission) keeps the departments
    await directory.sync_users(users, {})
    await imported.refresh_from_db()
    assert imported.department == "计算机学院"


async def test_cli_sync_users_with_department_names(tmp_path, api):
    code, _, err = await run_cli(tmp_path, api, "migrate")
    assert code == 0, err
    api.department_names.update({1: "某大学", 7: "后勤处"})
    api.children[1] = [7]
    api.users[7] = [{"userid": "wangsf", "name": "王师傅", "department": [7],
                     "main_department": 7, "mobile": "13900000001", "status": 1}]
    code, out, err = await run_cli(tmp_path, api, "wecom", "sync-users")
    assert code == 0, err
    assert "1 member(s), 2 department name(s); 1 created" in out
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        row = conn.execute("SELECT department, phone FROM person WHERE external_id = 'wangsf'"
                           ).fetchone()
    assert row == ("后勤处", "13900000001")
    api.fail("department/list", 60011, errmsg="no privilege to access/modify contact/party")
    code, out, err = await run_cli(tmp_path, api, "wecom", "sync-users")
    assert code == 0, err
    assert "warning: department names not readable" in err and "60011" in err
    assert "0 department name(s); 0 created" in out

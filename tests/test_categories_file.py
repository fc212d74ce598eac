"""The repair categories file: errors named by file and line at start, a deployment's own
category used by the guess, the SLA rules, dispatch by skill and the digest, retired
categories still readable, the shipped new categories guessed, and linear-cost guessing."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import HouqinApp
from bot.services.repairs.categories import (
    DEFAULT_FILE,
    CategoryFileError,
    guess_category,
    load_categories,
    parse_categories,
    shipped,
)
from bot.services.repairs.sla import SlaPolicy
from bot.services.repairs.sla_config import load_config
from models.people import Person
from models.places import Place
from tests.digest_support import ticket
from tests.dispatch_support import World
from tests.support import Harness, make_settings, seed_small_campus

OTHER = '[[category]]\ncode = "other"\nname_zh = "其他"\nname_en = "Other"\nskills = []\n'
SOLAR = (
    '[[category]]\ncode = "solar"\nname_zh = "☀️ 光伏"\nname_en = "☀️ Solar panels"\n'
    'skills = ["solar"]\nkeywords = ["光伏", "太阳能板", "solar panel", "inverter"]\n'
    'symptoms = ["不发电"]\n'
)


def custom_file(tmp_path: Path, *, drop: tuple[str, ...] = (), extra: str = SOLAR) -> str:
    """The shipped file without the categories in `drop`, plus `extra` before "other"."""
    source = DEFAULT_FILE.read_text(encoding="utf-8")
    head, *tables = source.split("[[category]]")
    kept = [t for t in tables if not any(f'code = "{code}"' in t for code in drop)]
    body = head + "".join("[[category]]" + t for t in kept)
    body = body.replace('[[category]]\ncode = "other"', extra + '\n[[category]]\ncode = "other"')
    path = tmp_path / "categories.toml"
    path.write_text(body, encoding="utf-8")
    return str(path)


# --- errors at start ---------------------------------------------------------------------

def test_bad_toml_names_file_and_line(tmp_path):
    path = tmp_path / "cats.toml"
    path.write_text(OTHER + '\n[[category]]\ncode = "x\n', encoding="utf-8")
    with pytest.raises(CategoryFileError) as err:
        load_categories(path)
    assert str(path) in str(err.value) and "line 8" in str(err.value)


def test_category_without_names_names_its_line(tmp_path):
    source = OTHER + '\n[[category]]\ncode = "lift"\nname_en = "Lift"\n'
    with pytest.raises(CategoryFileError, match=r"cats\.toml:7 \(lift\): name_zh is missing"):
        parse_categories(source, "cats.toml")
    blank = OTHER + '\n[[category]]\ncode = "lift"\nname_zh = "电梯"\nname_en = "  "\n'
    with pytest.raises(CategoryFileError, match=r"cats\.toml:7 \(lift\): name_en is missing"):
        parse_categories(blank, "cats.toml")


def test_keyword_in_two_categories_names_the_second_line(tmp_path):
    source = (
        '[[category]]\ncode = "a"\nname_zh = "甲"\nname_en = "A"\n'
        'keywords = ["门", "door"]\n\n'
        '[[category]]\ncode = "b"\nname_zh = "乙"\nname_en = "B"\n'
        'keywords = ["窗",\n   "door"]\n' + OTHER
    )
    with pytest.raises(CategoryFileError) as err:
        parse_categories(source, "/etc/houqin/cats.toml")
    message = str(err.value)
    assert message.startswith("/etc/houqin/cats.toml:12:")
    assert "'door'" in message and "'a'" in message and "'b'" in message


@pytest.mark.parametrize("source, expected", [
    ('[[category]]\ncode = "Bad Code"\nname_zh = "x"\nname_en = "x"\n' + OTHER, ":1: code must"),
    ('[[category]]\ncode = "a"\nname_zh = "x"\nname_en = "x"\nkeywords = "门"\n' + OTHER,
     ":1 (a): keywords must be a list"),
    (OTHER + OTHER, ":6 (other): code 'other' appears twice"),
    ('[[category]]\ncode = "a"\nname_zh = "x"\nname_en = "x"\n', "'other' is required"),
    ("neutral = []\n", "no [[category]] tables"),
])
def test_other_mistakes_are_explained(source, expected):
    with pytest.raises(CategoryFileError, match=r"cats\.toml") as err:
        parse_categories(source, "cats.toml")
    assert expected in str(err.value)


async def test_the_app_refuses_to_start_with_a_bad_file(tmp_path):
    path = tmp_path / "cats.toml"
    path.write_text(OTHER + OTHER, encoding="utf-8")
    with pytest.raises(CategoryFileError, match=str(path)):
        HouqinApp(make_settings(tmp_path, categories_file=str(path)))
    missing = tmp_path / "nope.toml"
    with pytest.raises(CategoryFileError, match=r"nope\.toml: cannot be read"):
        HouqinApp(make_settings(tmp_path, categories_file=str(missing)))


# --- a deployment's own category ---------------------------------------------------------

def test_custom_category_is_guessed(tmp_path):
    categories = load_categories(custom_file(tmp_path))
    assert categories.codes[-2:] == ("solar", "other")
    assert categories.guess("楼顶的光伏不发电了") == "solar"
    assert categories.guess("The solar panel inverter shows an error") == "solar"
    assert categories.guess("水龙头漏水") == "plumbing"  # the shipped ones still work
    assert shipped().guess("楼顶的光伏不发电了") != "solar"  # not a shipped category


def test_custom_category_has_its_sla_rules(tmp_path):
    sla = tmp_path / "sla.toml"
    sla.write_text('[categories.solar.normal]\nresponse = "4h"\nresolution = "3d"\n',
                   encoding="utf-8")
    categories = load_categories(custom_file(tmp_path))
    policy = SlaPolicy(load_config(sla, categories), "Asia/Shanghai")
    assert policy.rule("solar", "normal").response.total_seconds() == 4 * 3600
    assert policy.rule("plumbing", "normal").response.total_seconds() == 3600
    # an SLA file naming a category the deployment lacks is refused
    with pytest.raises(ValueError, match=r"categories\.solar: unknown category"):
        load_config(sla)


async def test_custom_category_is_dispatched_by_skill(db, tmp_path):
    world = await World(tmp_path, categories_file=custom_file(tmp_path)).setup()
    solar = await world.services.people.create("孙师傅", ["worker"], skills=["solar"],
                                               zone="south")
    await world.services.people.bind(solar, "test", "sun", "sun")
    world.people["sun"] = solar
    await world.on_duty("wang", "zhao", "lead")
    _, outcome = await world.file(category="solar", description="光伏板不发电")
    assert outcome.kind == "nobody"  # nobody on duty has the skill
    await world.on_duty("sun")
    _, outcome = await world.file(place="3-403", category="solar", description="inverter fault")
    assert outcome.kind == "offered" and outcome.worker.id == solar.id
    assert "☀️ 光伏" in world.texts("sun")[-1]
    # the shipped skill sets still decide: appliances are served by electricians too
    _, outcome = await world.file(place="5-101", category="appliances", description="冰箱坏了")
    assert outcome.kind == "offered" and outcome.worker.id == world.people["zhao"].id


async def test_custom_category_in_the_report_and_digest(tmp_path):
    h = Harness(make_settings(tmp_path, categories_file=custom_file(tmp_path)))
    await h.start()
    try:
        h.people = await seed_small_campus()
        replies = await h.send("student", "/report")
        labels = [b.label for row in replies[-1].buttons for b in row]
        assert "☀️ 光伏" in labels and "🛗 电梯" in labels
        await ticket(h.people["student"], "3-402", "solar", datetime.now(UTC))
        text = (await h.send("manager", "/digest today"))[-1].text
        assert "☀️ 光伏 1" in text
        h.languages["manager"] = "en"
        await Person.filter(id=h.people["manager"].id).update(locale="en")
        text = (await h.send("manager", "/digest today"))[-1].text
        assert "☀️ Solar panels 1" in text
    finally:
        await h.stop()


# --- a category removed from the file ----------------------------------------------------

async def test_removed_category_keeps_old_tickets_readable(tmp_path):
    settings = make_settings(tmp_path)
    h = Harness(settings)
    await h.start()
    try:
        h.people = await seed_small_campus()
        old = await h.app.services.repairs.create(
            h.people["student"], await Place.get(code="3-402"), "elevator", "电梯困人",
            "urgent", now=datetime.now(UTC))
        assert "🛗 电梯" in (await h.send("student", "/my"))[-1].text
        h.settings = make_settings(tmp_path, categories_file=custom_file(
            tmp_path, drop=("elevator",), extra=""))
        await h.restart()
        assert "elevator" not in h.app.services.repairs.categories
        mine = (await h.send("student", "/my"))[-1].text
        assert old.number in mine and "elevator" in mine and "category." not in mine
        digest = (await h.send("manager", "/digest today"))[-1].text
        assert "elevator 1" in digest
        policy = h.app.services.dispatch.policy
        assert policy.rule("elevator", "urgent") == policy.rule("other", "urgent")
        replies = await h.send("student", "/report")
        labels = [b.label for row in replies[-1].buttons for b in row]
        assert "🛗 电梯" not in labels and "🔧 其他" in labels
    finally:
        await h.stop()


# --- the shipped categories --------------------------------------------------------------

@pytest.mark.parametrize("text, category", [
    ("5号楼电梯坏了，一直停在3楼不动", "elevator"),
    ("有人被困在电梯里了，快来人", "elevator"),
    ("The lift in building 2 is stuck between floors", "elevator"),
    ("escalator near the canteen stopped", "elevator"),
    ("三楼走廊的灭火器过期了", "fire_safety"),
    ("宿舍烟感一直在响", "fire_safety"),
    ("消防栓的玻璃碎了", "fire_safety"),
    ("The smoke detector in room 402 keeps beeping", "fire_safety"),
    ("fire extinguisher missing on floor 3", "fire_safety"),
    ("应急灯不亮", "fire_safety"),
    ("宿舍楼门禁刷卡没反应", "access_control"),
    ("我的门禁卡刷不开宿舍大门", "access_control"),
    ("The card reader at the north gate is broken", "access_control"),
    ("turnstile at the library entrance won't open", "access_control"),
    ("操场边的树枝被风吹断了", "grounds"),
    ("草坪该修剪了", "grounds"),
    ("The hedge outside building 5 needs trimming", "grounds"),
    ("a fallen tree is blocking the path", "grounds"),
    ("宿舍的洗衣机不脱水", "appliances"),
    ("公共冰箱不制冷了", "appliances"),
    ("The washing machine on floor 2 won't drain", "appliances"),
    ("microwave in the staff room sparks", "appliances"),
    ("饮水机漏水", "appliances"),
    # the old ones are unchanged by the new words
    ("电梯间的灯不亮", "electrical"),
    ("空调漏水", "hvac"),
    ("门锁坏了", "carpentry"),
])
def test_shipped_new_categories_are_guessed(text, category):
    assert guess_category(text) == category


def test_shipped_names_are_in_both_languages():
    for category in shipped().categories:
        assert category.name("zh_CN") and category.name("en")
    assert shipped().name("fire_safety", "en") == "🧯 Fire safety"
    assert shipped().name("retired", "zh_CN") == "retired"


def test_long_messages_are_classified_in_linear_time():
    chunk = "今天宿舍楼道里的情况比较复杂，请尽快派人来看看。" * 5
    short = (chunk * 100)[:2_500]
    text = (chunk * 100)[:9_995] + "灭火器过期"  # 10 000 characters, the keyword at the end
    assert len(text) == 10_000
    started = time.perf_counter()
    assert guess_category(text) == "fire_safety"
    long_took = time.perf_counter() - started
    started = time.perf_counter()
    guess_category(short)
    short_took = time.perf_counter() - started
    assert long_took < 0.5
    # four times the text costs about four times as much, not sixteen (generous slack)
    assert long_took < max(short_took, 0.002) * 12
    worst = "a" * 10_000  # English patterns do not backtrack on a run of letters
    started = time.perf_counter()
    assert guess_category(worst) is None
    assert time.perf_counter() - started < 0.5


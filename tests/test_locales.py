"""Both catalogues carry the same keys with the same placeholders, and every key used exists."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.i18n import SUPPORTED, Translator, load_catalogue, normalize_locale, placeholders

ROOT = Path(__file__).resolve().parents[1]


def test_same_keys_and_placeholders():
    zh, en = load_catalogue("zh_CN"), load_catalogue("en")
    assert zh and set(zh) == set(en), sorted(set(zh) ^ set(en))
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key


def test_every_literal_key_in_code_exists():
    catalogue = load_catalogue("en")
    # audit log actions (action="people.verify") are names, not catalogue keys
    pattern = re.compile(r"""(?<!action=)["']((?:[a-z_]+)\.[a-z_0-9]+)["']""")
    areas = {key.split(".")[0] for key in catalogue}
    missing = set()
    for folder in ("bot", "handlers", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            for key in pattern.findall(path.read_text(encoding="utf-8")):
                if key.split(".")[0] in areas and key not in catalogue:
                    missing.add(f"{path.name}: {key}")
    assert not missing, sorted(missing)


def test_dynamic_key_families_complete():
    from bot.services.repairs.categories import shipped
    from models.people import ROLES
    from models.repairs import STATUSES, URGENCIES

    t = Translator()
    t.extend(shipped().texts(), area="category")
    for loc in SUPPORTED:
        for family, names in (("category", shipped().codes), ("status", STATUSES),
                              ("urgency", URGENCIES), ("role", ROLES)):
            for name in names:
                assert t(loc, f"{family}.{name}") != f"{family}.{name}", (loc, family, name)


def test_category_names_come_from_the_categories_file():
    from bot.services.repairs.categories import shipped

    t = Translator()
    assert not any(key.startswith("category.") for key in t.catalogues["en"])
    t.extend(shipped().texts(), area="category")
    assert t("en", "category.elevator") == "🛗 Elevator"
    assert t("zh_CN", "category.elevator") == "🛗 电梯"
    assert t("en", "category.retired_code") == "retired_code"  # a category no longer in the file
    assert t("en", "status.no_such") == "status.no_such"  # other areas are unaffected


def test_locale_hints():
    assert normalize_locale("zh-hans") == "zh_CN"
    assert normalize_locale("en-US") == "en"
    assert normalize_locale("fr") is None
    assert Translator("en")("zh_CN", "no.such_key") == "no.such_key"

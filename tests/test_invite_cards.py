"""Bulk invitations from the command line: the cards' QR codes decode (zxing-cpp, the PDF
rendered by pdfium) to each person's links, a re-run revokes the earlier codes, the mail-merge
CSV, a folder of cards, and bad input."""

from __future__ import annotations

import asyncio
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pypdfium2
import pytest
import zxingcpp

from bot.core.errors import InvalidState
from bot.db import close_db, init_db
from bot.services.people import PeopleService, WebSignInService
from models.people import InviteCode, Person
from tests.db_templates import migrated_sqlite

ROOT = Path(__file__).resolve().parents[1]
ROSTER = ("student_id,name,department,phone\n"
          "20260001,阿卜杜·热合曼,外国语学院,13900000001\n"
          "20260002,Li Lei,计算机学院,\n"
          "20260003,王芳,,\n")
SETTINGS = dict(HOUQIN_TELEGRAM_BOT_USERNAME="houqin_bot",
                HOUQIN_PUBLIC_URL="https://hq.example.edu", HOUQIN_WECOM_ENABLED="true",
                HOUQIN_WECOM_CORP_ID="ww123", HOUQIN_WECOM_SECRET="s",
                HOUQIN_WECOM_AGENT_ID="1000002", HOUQIN_WECOM_TOKEN="t",
                HOUQIN_WECOM_AES_KEY="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                HOUQIN_INVITE_TTL_HOURS="48")


def _env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(HOUQIN_DATABASE_URL=migrated_sqlite(folder / "cli.sqlite3"),
               HOUQIN_MEDIA_DIR=str(folder / "media"), **SETTINGS)
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A database migrated once for this module's tests (each gets a copy)."""
    folder = tmp_path_factory.mktemp("invite_db")
    subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=_env(folder),
                   capture_output=True, timeout=300, check=True)
    return folder / "cli.sqlite3"


@pytest.fixture
def cli(tmp_path: Path, migrated: Path):
    """`python -m bot …` on a migrated database of the test's own, Telegram and WeCom set."""
    shutil.copy(migrated, tmp_path / "cli.sqlite3")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT,
                              env=_env(tmp_path), capture_output=True, text=True, timeout=180)

    return run


def decoded(pdf: Path) -> list[str]:
    """Every QR code on every page of `pdf`, rendered at about 180 dpi."""
    texts: list[str] = []
    document = pypdfium2.PdfDocument(str(pdf))
    for page in document:
        image = page.render(scale=2.5).to_pil()
        texts += [code.text for code in zxingcpp.read_barcodes(image)]
    document.close()
    return texts


async def in_db(tmp_path: Path, work):
    """Run `work()` against the CLI's database file."""
    await init_db(f"sqlite://{tmp_path}/cli.sqlite3", schema="none")
    try:
        return await work()
    finally:
        await close_db()


def test_cards_decode_to_each_persons_links_and_rerun_revokes(cli, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    done = cli("invite", "--csv", str(roster), "--out", str(tmp_path / "cards.pdf"))
    assert done.returncode == 0, done.stderr
    assert "3 invitation(s), valid 48 h" in done.stdout and "1 A4 page(s)" in done.stdout

    async def codes() -> dict[str, str]:
        rows = await InviteCode.filter(used_at=None).prefetch_related("person")
        return {row.code: row.person.external_id for row in rows}

    first = asyncio.run(in_db(tmp_path, codes))
    assert sorted(first.values()) == ["20260001", "20260002", "20260003"]
    texts = decoded(tmp_path / "cards.pdf")
    assert len(texts) == 9  # Telegram, WeCom and web on each of three cards
    telegram = sorted(t for t in texts if t.startswith("https://t.me/"))
    assert telegram == sorted(f"https://t.me/houqin_bot?start={c}" for c in first)
    wecom = [urlsplit(t) for t in texts if t.startswith("https://open.weixin.qq.com/")]
    assert sorted(parse_qs(u.query)["state"][0] for u in wecom) == sorted(first)
    assert all(parse_qs(u.query)["redirect_uri"] == ["https://hq.example.edu/wecom/scan"]
               for u in wecom)
    web = [t for t in texts if t.startswith("https://hq.example.edu/auth/link/")]
    assert len(web) == 3

    async def web_sign_in() -> set[str]:
        sign_in = WebSignInService(PeopleService(), 48)
        names = set()
        for link in web:
            names.add((await sign_in.redeem_link(link.rsplit("/", 1)[1])).name)
        return names

    assert asyncio.run(in_db(tmp_path, web_sign_in)) == {"阿卜杜·热合曼", "Li Lei", "王芳"}

    again = cli("invite", "--csv", str(roster), "--out", str(tmp_path / "codes.csv"))
    assert again.returncode == 0, again.stderr
    with (tmp_path / "codes.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["member_id"] for r in rows] == ["20260001", "20260002", "20260003"]
    assert rows[0]["name"] == "阿卜杜·热合曼" and rows[0]["department"] == "外国语学院"
    assert rows[1]["telegram_link"] == f"https://t.me/houqin_bot?start={rows[1]['code']}"
    assert rows[2]["web_link"].startswith("https://hq.example.edu/auth/link/")
    new_codes = {r["code"] for r in rows}
    assert not new_codes & set(first)

    async def redeem() -> tuple[str, str]:
        people = PeopleService(48)
        old = next(c for c, member in first.items() if member == "20260002")
        with pytest.raises(InvalidState) as revoked:
            await people.redeem_invite(old, "telegram", "555", "555")
        fresh = await people.redeem_invite(rows[1]["code"], "telegram", "555", "555")
        return revoked.value.key, fresh.name

    assert asyncio.run(in_db(tmp_path, redeem)) == ("start.code_expired", "Li Lei")
    # invited twice, made once
    assert asyncio.run(in_db(tmp_path, lambda: Person.all().count())) == 3


def test_folder_of_cards_and_bad_input(cli, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    done = cli("invite", "--csv", str(roster), "--out", str(tmp_path / "cards"))
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in (tmp_path / "cards").iterdir())
    assert files == ["20260001.pdf", "20260002.pdf", "20260003.pdf"]
    assert len(decoded(tmp_path / "cards" / "20260002.pdf")) == 3

    bad = tmp_path / "bad.csv"
    bad.write_text("student_id,name,roles\n1,甲,boss\n1,乙,\n", encoding="utf-8")
    refused = cli("invite", "--csv", str(bad), "--out", str(tmp_path / "x.pdf"))
    assert refused.returncode == 2 and "nothing was imported, 2 problem(s)" in refused.stderr
    assert "line 2: unknown role(s) boss" in refused.stderr
    assert "line 3: duplicate student_id '1' (first on line 2)" in refused.stderr
    assert not (tmp_path / "x.pdf").exists()
    no_out = cli("invite", "--csv", str(roster))
    assert no_out.returncode == 2 and "--csv needs --out" in no_out.stderr
    mixed = cli("invite", "--csv", str(roster), "--out", "x.csv", "--name", "A")
    assert mixed.returncode == 2 and "--name/--role are for one person" in mixed.stderr
    nothing = cli("invite")
    assert nothing.returncode == 2 and "give --role and --name" in nothing.stderr

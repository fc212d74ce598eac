"""`python -m bot backup OUT` / `restore IN`: the database (SQLite online backup, or pg_dump on
PostgreSQL) and the media folder copied out and put back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.cli.backup import backup, restore
from bot.cli.support import CliError
from models.people import Person
from tests.support import PG_DSN, make_settings
from tests.test_cli import cli, counts  # noqa: F401  (the fixture is used by name)

pytestmark = pytest.mark.e2e


def test_backup_and_restore_through_the_command_line(cli, tmp_path: Path) -> None:  # noqa: F811
    db = tmp_path / "cli.sqlite3"
    assert cli("seed", "--demo").returncode == 0
    photo = tmp_path / "media" / "2026" / "a.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo")
    before = counts(db)

    done = cli("backup", str(tmp_path / "bk"))
    assert done.returncode == 0, done.stderr
    assert "1 media files" in done.stdout
    manifest = json.loads((tmp_path / "bk" / "backup.json").read_text())
    assert manifest["database"] == "sqlite" and manifest["media_files"] == 1
    again = cli("backup", str(tmp_path / "bk"))
    assert again.returncode == 2 and "not empty" in again.stderr  # never over an old backup

    with sqlite3.connect(db) as conn:  # something goes badly wrong
        conn.execute("DELETE FROM identity")
        conn.execute("DELETE FROM person")
    photo.unlink()
    refused = cli("restore", str(tmp_path / "bk"))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert counts(db)[1] == 0
    restored = cli("restore", str(tmp_path / "bk"), "--force")
    assert restored.returncode == 0, restored.stderr
    assert counts(db) == before and photo.read_bytes() == b"\xff\xd8 a photo"
    not_a_backup = cli("restore", str(tmp_path / "media"), "--force")
    assert not_a_backup.returncode == 2 and "not a Houqin backup" in not_a_backup.stderr


@pytest.mark.skipif(not PG_DSN, reason="needs HOUQIN_TEST_PG_DSN (CI's PostgreSQL run)")
async def test_backup_and_restore_on_postgresql(db, tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await Person.create(name="备份测试", roles=["reporter"])
    manifest = backup(settings, tmp_path / "bk")
    assert manifest["database"] == "postgres" and (tmp_path / "bk" / "houqin.dump").exists()
    await Person.all().delete()
    with pytest.raises(CliError):
        restore(settings, tmp_path / "bk", force=False)
    restore(settings, tmp_path / "bk", force=True)
    assert await Person.filter(name="备份测试").count() == 1

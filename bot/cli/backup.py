"""`python -m bot backup OUT` / `restore IN`: a consistent copy of the database (SQLite's online
backup API, or `pg_dump` for PostgreSQL) and the media folder, and putting one back."""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bot.cli.support import CliError
from bot.config import Settings

MANIFEST = "backup.json"
SQLITE_FILE = "houqin.sqlite3"
PG_FILE = "houqin.dump"
MEDIA_DIR = "media"


def _kind(url: str) -> str:
    if url.startswith("sqlite://"):
        return "sqlite"
    if url.startswith(("postgres://", "postgresql://", "asyncpg://")):
        return "postgres"
    raise CliError(f"cannot back up this database: {url.split(':', 1)[0]}:// is not supported")


def sqlite_path(url: str) -> Path:
    """The file of a Tortoise SQLite URL ("sqlite://data/x.sqlite3", "sqlite:///abs/x")."""
    path = url.removeprefix("sqlite://").split("?", 1)[0]
    if path in ("", ":memory:"):
        raise CliError("an in-memory SQLite database cannot be backed up")
    return Path(path)


def _libpq_url(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest.split("?", 1)[0] if scheme != "postgresql" else url


def _run(command: list[str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise CliError(f"{tool} is not installed (PostgreSQL's client tools are needed)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CliError(f"{tool} failed: {done.stderr.strip()[-500:]}")


def _copy_sqlite(source: Path, target: Path) -> None:
    """Page-by-page online copy: consistent even while the bot writes to `source`."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def backup(settings: Settings, out: Path) -> dict:
    """Write the database and the media folder into the new directory `out`; the manifest."""
    kind = _kind(settings.database_url)
    if out.exists() and any(out.iterdir()):
        raise CliError(f"{out} exists and is not empty: choose a new folder")
    out.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        source = sqlite_path(settings.database_url)
        if not source.exists():
            raise CliError(f"no database at {source}")
        _copy_sqlite(source, out / SQLITE_FILE)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={out / PG_FILE}",
              f"--dbname={_libpq_url(settings.database_url)}"])
    media = Path(settings.media_dir)
    files = 0
    if media.is_dir():
        shutil.copytree(media, out / MEDIA_DIR)
        files = sum(1 for p in (out / MEDIA_DIR).rglob("*") if p.is_file())
    manifest = {"created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": kind, "media_files": files}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def restore(settings: Settings, source: Path, force: bool) -> dict:
    """Put a backup made by `backup` back: the database (replaced) and the media files."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"{source} is not a Houqin backup ({MANIFEST}: {exc})") from None
    kind = _kind(settings.database_url)
    if manifest.get("database") != kind:
        raise CliError(f"the backup holds a {manifest.get('database')} database, "
                       f"HOUQIN_DATABASE_URL is {kind}")
    if kind == "sqlite":
        target = sqlite_path(settings.database_url)
        if target.exists() and not force:
            raise CliError(f"{target} exists: stop the bot and add --force to replace it")
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(source / SQLITE_FILE, target)
    else:
        if not force:
            raise CliError("restoring replaces the PostgreSQL database's tables: stop the bot "
                           "and add --force")
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(settings.database_url)}", str(source / PG_FILE)])
    if (source / MEDIA_DIR).is_dir():
        shutil.copytree(source / MEDIA_DIR, Path(settings.media_dir), dirs_exist_ok=True)
    return manifest


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """Back up the database and the media folder into a new directory."""
    manifest = backup(settings, Path(args.out))
    print(f"backed up the {manifest['database']} database and {manifest['media_files']} "
          f"media files to {args.out}")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Restore a backup directory over the configured database and media folder."""
    manifest = restore(settings, Path(args.source), args.force)
    print(f"restored the backup of {manifest['created_at']} "
          f"({manifest['media_files']} media files)")
    return 0


def add_backup_parsers(sub: argparse._SubParsersAction) -> None:
    """`backup OUT` and `restore IN [--force]`."""
    out = sub.add_parser("backup", help="copy the database (consistently, while running) and "
                         "the media folder into a new directory")
    out.add_argument("out", metavar="OUT_DIR")
    out.set_defaults(func=cmd_backup)
    back = sub.add_parser("restore", help="put a backup directory back (stop the bot first)")
    back.add_argument("source", metavar="BACKUP_DIR")
    back.add_argument("--force", action="store_true",
                      help="replace the existing database")
    back.set_defaults(func=cmd_restore)

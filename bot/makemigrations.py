"""Developer tool: write a new migration for model changes (`python -m bot.makemigrations NAME`)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = """
from bot.db import tortoise_config
TORTOISE_ORM = tortoise_config("sqlite://{db}")
"""


def main() -> int:
    """Run Tortoise's makemigrations against a scratch SQLite database."""
    name = sys.argv[1] if len(sys.argv) > 1 else "auto"
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "houqin_mk.py").write_text(CONFIG.format(db=f"{tmp}/mk.sqlite3"))
        env_path = f"{tmp}:{root}"
        return subprocess.call(
            [sys.executable, "-m", "tortoise", "-c", "houqin_mk.TORTOISE_ORM", "makemigrations",
             "--name", name],
            cwd=root, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        )


if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m bot …`: the command line (commands in bot/cli/commands.py)."""

from bot.cli.commands import main

__all__ = ["main"]

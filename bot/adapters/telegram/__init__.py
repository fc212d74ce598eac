"""The Telegram adapter (python-telegram-bot 22): updates in, replies, media and long texts out."""

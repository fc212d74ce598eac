"""Platform adapters: Telegram, WeCom and the local web chat."""

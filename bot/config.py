"""Settings read from HOUQIN_* environment variables (and `.env`)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of a Houqin deployment; defaults run a local demo."""

    model_config = SettingsConfigDict(env_prefix="HOUQIN_", env_file=".env", extra="ignore")

    database_url: str = "sqlite://data/houqin.sqlite3"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh_CN"

    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    telegram_mode: str = "polling"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None

    wecom_corp_id: str | None = None
    wecom_agent_id: str | None = None
    wecom_secret: str | None = None
    wecom_token: str | None = None
    wecom_aes_key: str | None = None
    wecom_api_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"

    webchat: bool = True

    media_dir: str = "data/media"
    max_photo_bytes: int = 10 * 1024 * 1024
    max_text_chars: int = 2000
    open_reporting: bool = True
    invite_ttl_hours: int = 72
    outbox_interval_seconds: float = 5.0
    outbox_max_attempts: int = 8

    @property
    def telegram_enabled(self) -> bool:
        """True when a Telegram bot token is configured."""
        return bool(self.telegram_token)

    @property
    def wecom_enabled(self) -> bool:
        """True when the WeCom app credentials are configured."""
        return bool(self.wecom_corp_id and self.wecom_secret and self.wecom_token)

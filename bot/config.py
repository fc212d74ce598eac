"""Settings read from HOUQIN_* environment variables (and `.env`)."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of a Houqin deployment; defaults run a local demo."""

    model_config = SettingsConfigDict(env_prefix="HOUQIN_", env_file=".env", extra="ignore")

    database_url: str = "sqlite://data/houqin.sqlite3"
    sqlite_busy_timeout_ms: int = 5000  # a SQLite writer waits this long for a lock
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
    wecom_cards: bool = True  # buttons as template cards; off: numbered text (WeChat plugin)
    wecom_text_style: str = "text"  # text | markdown | textcard (needs wecom_textcard_url)
    wecom_textcard_url: str | None = None  # where a textcard's "details" link leads
    wecom_menu_locale: str | None = None  # wording of `wecom menu` (default: default_locale)

    webchat: bool = True
    # Set by `python -m bot demo`: the demo campus is seeded and the web chat offers its person
    # picker (everything on 127.0.0.1). Production (`run`) never seeds and never picks.
    demo: bool = False
    access_log: bool = False  # aiohttp's access log (one line per HTTP request)
    webpush: bool = True  # Web Push notifications of web chat messages (needs the web chat)
    # push services a browser subscription may name, comma separated, besides the browsers' own
    # (FCM, Mozilla, Apple, Windows); "*" allows any https endpoint
    webpush_hosts: str = ""
    webpush_contact: str | None = None  # the VAPID "sub" (mailto: or https:); default public_url

    media_dir: str = "data/media"
    max_photo_bytes: int = 10 * 1024 * 1024
    max_text_chars: int = 2000
    open_reporting: bool = True
    invite_ttl_hours: int = 72
    web_session_days: int = Field(30, ge=1, le=365)  # idle expiry of a web sign-in (sliding)
    outbox_interval_seconds: float = 5.0
    outbox_max_attempts: int = 8
    retention_days: int = 90  # sent outbox rows, idle drafts, ended sessions… are deleted after
    # platform send limits (per second; 0 = none); a chat may get `_chat_burst` in a row
    telegram_rate_total: float = 30.0
    telegram_rate_per_chat: float = 1.0
    telegram_chat_burst: int = 3
    wecom_rate_total: float = 20.0  # message/send calls (each up to 1000 recipients)
    # WeCom drops messages beyond 30 a minute to one member: 15 in a row, then one per 4 s,
    # keeps every minute under 30
    wecom_rate_per_chat: float = 0.25
    wecom_chat_burst: int = 15
    alerts_api_token: str | None = None  # POST /api/alerts (Authorization: Bearer …); unset: off
    alert_repush_minutes: float = 5.0
    alert_repush_max: int = 3
    alert_interval_seconds: float = 30.0
    sla_file: str | None = None
    categories_file: str | None = None  # repair categories; None: the shipped bot/categories.toml
    dispatch_interval_seconds: float = 30.0
    dorm_reminders: str = "-1@20:00,1@09:00"  # DAYS@HH:MM from the day the check-in window closes
    dorm_interval_seconds: float = 60.0
    dorm_verify_max_failures: int = 5  # self-verification: failed tries per chat and per member
    dorm_verify_window_minutes: int = 60  # …per this window
    verify_staff: bool = False  # on: staff roles may bind by self-verification (else invitations)
    scheduler_lease_seconds: float = 45.0
    stock_quantity_roles: str = "reporter"  # roles that see stock numbers (storekeepers, managers
    # always do; "reporter" = everyone bound); the others see in stock / low / out only
    stock_collect_days: int = Field(3, ge=1, le=60)  # approved, not collected by then: released
    stock_alert_interval_seconds: float = 120.0
    stock_digest_hour: int = Field(8, ge=0, le=23)  # local hour of the daily below-minimum digest
    survey_remind_hours: float = Field(24.0, gt=0)  # one reminder to non-respondents after this
    survey_interval_seconds: float = 60.0
    max_video_bytes: int = Field(20 * 1024 * 1024, ge=1)  # videos and voice notes (Telegram: 20 MB)
    inspection_grace_minutes: int = Field(120, ge=1)  # round open this long past due: reminder;
    # twice as long: the zone lead is told and the round is missed
    inspection_interval_seconds: float = 60.0
    readings_api_token: str | None = None  # POST /api/readings (Bearer token); unset: off
    readings_max_batch: int = Field(5000, ge=1, le=100000)
    energy_check_minutes: float = 60.0  # how often anomalies are looked for (and sent)
    energy_spike_k: float = Field(6.0, gt=0)  # spike: above median + k·MAD of the same hour
    energy_spike_floor_water: float = 0.05  # …and at least this much above (unit per hour)
    energy_spike_floor_electricity: float = 0.5
    energy_night_start: int = Field(1, ge=0, le=23)  # leak: local night window [start, end)
    energy_night_end: int = Field(5, ge=1, le=24)
    energy_leak_floor: float = 0.02  # a night minimum above max(floor, factor × usual) leaks
    energy_leak_factor: float = Field(3.0, ge=1)
    telegram_bot_username: str | None = None  # QR labels link to t.me/<username>?start=…;
    # with telegram_token also the web chat's Telegram Login Widget
    telegram_login_max_age_seconds: int = Field(86400, ge=60)  # widget data older: refused
    # peers whose X-Forwarded-For is believed (the reverse proxy); anyone else's is ignored
    trusted_proxies: str = "127.0.0.1,::1"
    public_url: str | None = None  # how phones reach the HTTP server (QR links, WeCom scan page)
    maintenance_interval_seconds: float = 600.0  # preventive maintenance + warranty reminders
    maintenance_meter_lead_percent: float = Field(10.0, ge=0, lt=100)  # meter plans: order ahead
    # the monthly asset check (资产回访): local day of month and hour it goes out
    asset_check_enabled: bool = True
    asset_check_day: int = Field(1, ge=1, le=28)
    asset_check_hour: int = Field(9, ge=0, le=23)
    asset_check_remind_days: int = Field(3, ge=1, le=30)  # reminded, then as long again: managers
    asset_check_page_size: int = Field(8, ge=1, le=20)  # assets per page of a keeper's list
    asset_check_interval_seconds: float = 300.0

    # worker scorecards (考核): NAME=WEIGHT of the averaged parts (response, resolution, rating,
    # rounds, pm) and the points per reopened, repeat or declined job subtracted
    score_weights: str = ("response=20,resolution=30,rating=30,rounds=10,pm=10,"
                          "reopened=5,repeat=3,declined=1")
    scorecard_hour: int = Field(9, ge=0, le=23)  # local hour on the 1st: last month's cards
    scorecard_interval_seconds: float = 300.0  # scorecards and contractor rounds: how often due
    contractor_target: float = Field(90.0, gt=0, le=100)  # satisfaction target, % of 4–5 scores
    contractor_scoring_days: int = Field(7, ge=1, le=27)  # a month's cards stay open this long

    @field_validator("score_weights")
    @classmethod
    def _known_weights(cls, value: str) -> str:
        """HOUQIN_SCORE_WEIGHTS: NAME=NUMBER items, known names only."""
        from bot.services.scorecards import parse_weights

        parse_weights(value)
        return value

    @field_validator("stock_quantity_roles")
    @classmethod
    def _known_stock_roles(cls, value: str) -> str:
        """HOUQIN_STOCK_QUANTITY_ROLES: comma separated, known roles only."""
        from models.people import ROLES

        unknown = [r.strip() for r in value.split(",") if r.strip() and r.strip() not in ROLES]
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; known: {', '.join(ROLES)}")
        return value

    @field_validator("energy_night_end")
    @classmethod
    def _night_ends_after_start(cls, value: int, info: ValidationInfo) -> int:
        """HOUQIN_ENERGY_NIGHT_END: a later hour than HOUQIN_ENERGY_NIGHT_START."""
        if value <= info.data.get("energy_night_start", 0):
            raise ValueError("the night window must end after it starts")
        return value

    @property
    def webpush_allowed_hosts(self) -> tuple[str, ...]:
        """The push services subscriptions may use: the browsers' own and HOUQIN_WEBPUSH_HOSTS."""
        from bot.core.webpush import PUSH_SERVICE_HOSTS

        extra = (h.strip().lower() for h in self.webpush_hosts.split(","))
        return PUSH_SERVICE_HOSTS + tuple(h for h in extra if h)

    @property
    def webpush_subject(self) -> str:
        """The VAPID contact push services may reach the operator at."""
        if self.webpush_contact:
            return self.webpush_contact
        if self.public_url and self.public_url.startswith("https://"):
            return self.public_url
        return "mailto:houqin@localhost"

    @property
    def telegram_enabled(self) -> bool:
        """True when a Telegram bot token is configured."""
        return bool(self.telegram_token)

    @property
    def wecom_enabled(self) -> bool:
        """True when the WeCom app credentials are configured."""
        return bool(self.wecom_corp_id and self.wecom_secret and self.wecom_token)

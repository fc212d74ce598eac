"""The one wiring point: settings → database → translator → adapters dict → notifier →
services (given the notifier) → adapters → state store → dispatcher → scheduler → aiohttp
server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web
from aiohttp.log import access_logger as web_log

from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.core.i18n import SUPPORTED, Translator
from bot.core.redact import quiet_libraries, scrub_handlers
from bot.core.state import StateStore
from bot.core.types import Adapter
from bot.db import close_db, init_db
from bot.delivery.notifier import Notifier
from bot.delivery.ratelimit import platform_limits
from bot.delivery.webpush import WebPushStore
from bot.http_api import add_alert_routes
from bot.readings_api import add_reading_routes
from bot.services.container import Services
from handlers import build_router
from scheduler.leader import LeaderLease
from scheduler.setup import build_scheduler

log = logging.getLogger(__name__)


class HouqinApp:
    """Everything one running bot needs, started and stopped together."""

    def __init__(self, settings: Settings, extra_adapters: list[Adapter] | None = None):
        self.settings = settings
        self.translator = Translator(settings.default_locale)
        # the notifier holds the adapters dict by reference: services get it now, the adapters
        # (which need services) fill the dict below
        self.adapters: dict[str, Adapter] = {}
        self.notifier = Notifier(
            self.adapters, self.translator, settings.outbox_max_attempts, platform_limits(settings)
        )
        self.services = Services.build(settings, self.notifier)
        self.http = web.Application(client_max_size=60 * 1024 * 1024)
        self.http.router.add_get("/healthz", self._health)
        self.router = build_router()
        for adapter in [*self._configured_adapters(), *(extra_adapters or [])]:
            self.adapters[adapter.platform] = adapter
        if self.webpush is not None:
            self.notifier.mirror = self.webpush.mirror
        if self.settings.webchat:
            from bot.web_wiring import extra_sign_in

            extra_sign_in(self)
        add_alert_routes(self.http, self.services)
        add_reading_routes(self.http, self.services)
        self.dispatcher = Dispatcher(
            self.router,
            self.services,
            self.translator,
            self.notifier,
            StateStore(),
            self.adapters,
            settings.default_locale,
            settings.max_text_chars,
        )
        lease_ttl = settings.scheduler_lease_seconds
        self.lease = LeaderLease(ttl_seconds=lease_ttl, renew_seconds=lease_ttl / 3)
        self.scheduler = build_scheduler(settings, self.services, self.lease)
        self._runner: web.AppRunner | None = None

    def _configured_adapters(self) -> list[Adapter]:
        adapters: list[Adapter] = []
        self.webpush: WebPushStore | None = None
        if self.settings.webchat:
            from bot.adapters.web.adapter import WebChatAdapter
            from bot.web_wiring import web_auth, web_set_locale, web_sign_in_methods

            self.web_auth = web_auth(self.settings, self.services)
            adapters.append(
                WebChatAdapter(
                    self.settings, self.http, self.services.people.web_people, self.translator,
                    auth=self.web_auth, methods=web_sign_in_methods(self.services),
                    set_locale=web_set_locale(self.services),
                )
            )
            push = self._web_push()
            if push is not None:
                adapters.append(push)
        if self.settings.telegram_enabled:
            from bot.adapters.telegram.adapter import TelegramAdapter

            adapters.append(
                TelegramAdapter(self.settings, self.http, self.menu_commands(), self.translator)
            )
        if self.settings.wecom_enabled:
            from bot.adapters.wecom.adapter import WeComAdapter
            from bot.services.people import WeComDirectory

            directory = WeComDirectory(self.services.people)
            adapters.append(WeComAdapter(self.settings, self.http, self.translator, directory))
        return adapters

    def _web_push(self) -> Adapter | None:
        """The installable web chat (manifest, service worker) and, with HOUQIN_WEBPUSH on,
        its Web Push subscriptions and the "webpush" delivery target."""
        from bot.adapters.web.pwa import PwaRoutes

        settings = self.settings
        if not settings.webpush:
            PwaRoutes(self.http, self.translator, self._person_of)
            return None
        from bot.adapters.web.webpush import WebPushAdapter

        store = self.webpush = WebPushStore(self.translator, settings.webpush_allowed_hosts)
        PwaRoutes(
            self.http, self.translator, self._person_of, store.public_key, store.subscribe,
            store.unsubscribe, public_url=settings.public_url,
        )
        return WebPushAdapter(
            store.private_pem, store.target, store.gone, store.delivered, store.failed,
            settings.webpush_subject,
        )

    async def _person_of(self, request: web.Request) -> int | None:
        """Who a web request comes from: the person of its session (bot/adapters/web/auth.py),
        never anything the client says."""
        user = await self.web_auth.current(request)
        return user.person_id if user is not None else None

    def menu_commands(self) -> dict[str, list[tuple[str, str]]]:
        """The command menu per locale (Telegram's / list)."""
        listed = self.router.menu()
        return {
            loc: [(name, self.translator(loc, route.help_key or "")) for name, route in listed]
            for loc in SUPPORTED
        }

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "adapters": sorted(self.adapters)})

    async def start(
        self, *, serve_http: bool = True, schema: str = "migrate", seed_demo: bool = False
    ) -> None:
        """Connect the database, start the HTTP server, the adapters and the scheduler; with
        `seed_demo` (the demo) first load the demo campus when it has no demo people yet."""
        from bot.services.demo import demo_people_count
        from bot.services.demo import seed_demo as load_demo

        quiet_libraries()  # no SQL parameters, API payloads or tokens in the logs, even at DEBUG
        await init_db(self.settings.database_url, schema, self.settings.sqlite_busy_timeout_ms)
        await self.services.stock.catalog.ensure_index()
        demo_people = await demo_people_count()
        if seed_demo and not demo_people:
            await load_demo(self.services.people)
        elif demo_people and not self.settings.demo:
            log.warning(
                "!!! this database holds %d DEMO people (managers and an admin among them): they "
                "can be bound by anyone who knows the demo. Remove them with "
                "`python -m bot demo --purge` before going live !!!", demo_people,
            )
        if serve_http:
            self._runner = web.AppRunner(
                self.http, access_log=web_log if self.settings.access_log else None
            )
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
            await site.start()
        for adapter in self.adapters.values():
            adapter.accept = self.dispatcher.accept  # record updates before confirming them
            adapter.accept_many = self.dispatcher.accept_many
            await adapter.start(self.dispatcher.feed)
        await self.notifier.start()
        await self.services.alerts.resume_fan_outs()
        self.scheduler.start()
        log.info("Houqin running: %s", ", ".join(sorted(self.adapters)) or "no adapters")

    async def stop(self) -> None:
        """Stop everything in reverse order; safe to call twice."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            with contextlib.suppress(Exception):
                await self.lease.release()
        with contextlib.suppress(Exception):
            await self.notifier.stop()  # calls in flight finish; untried rows stay queued
        for adapter in self.adapters.values():
            with contextlib.suppress(Exception):
                await adapter.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await close_db()


async def run_app(settings: Settings) -> None:
    """Run the bot until SIGINT/SIGTERM."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    scrub_handlers()  # values quoted by database errors are masked in tracebacks
    app = HouqinApp(settings)
    await app.start(seed_demo=settings.demo)
    if settings.webchat:
        print(f"Houqin web chat: http://{settings.http_host}:{settings.http_port}/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await app.stop()

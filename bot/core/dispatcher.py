"""The dispatcher: one entry point for every adapter's updates.

It drops redelivered updates, serializes each chat, finds the person and their locale, loads the
conversation, routes to a handler and turns any failure into a localized answer. A locked or
unreachable database before the handler runs makes it retry the update with back-off; when that
fails too, or the handler itself meets it, the person is told to try again (sent directly by the
adapter when even the outbox cannot be written), never left without an answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError

from bot.core.chats import ChatScheduler
from bot.core.context import FLOW_PREFIX, Context
from bot.core.errors import ServiceError
from bot.core.i18n import Translator, normalize_locale
from bot.core.payloads import BadPayload, FlowChoice
from bot.core.retry import UPDATE_RETRY_DELAYS, db_unavailable
from bot.core.router import Router
from bot.core.state import StateStore
from bot.core.types import Adapter, Incoming, Reply
from bot.db import fetch
from bot.delivery.notifier import PRIORITY_REPLY, Notifier
from models.conversation import ProcessedUpdate

if TYPE_CHECKING:
    from bot.services.container import Services

log = logging.getLogger(__name__)
REGISTRATION_FLOW = "register"
ACCEPT_SQL = (
    "INSERT INTO processed_update (platform, update_id, created_at) VALUES {rows}"
    " ON CONFLICT (platform, update_id) DO NOTHING RETURNING platform, update_id"
)
BUSY_KEY = "errors.busy"


class Dispatcher:
    """Routes incoming updates to handlers."""

    def __init__(
        self,
        router: Router,
        services: Services,
        translator: Translator,
        notifier: Notifier,
        states: StateStore,
        adapters: Mapping[str, Adapter],
        default_locale: str = "zh_CN",
        max_text_chars: int = 2000,
    ):
        self.router = router
        self.services = services
        self.translator = translator
        self.notifier = notifier
        self.states = states
        self.adapters = adapters
        self.default_locale = default_locale
        self.max_text_chars = max_text_chars
        self.chats = ChatScheduler("dispatcher")  # its turns: one update per chat at a time

    async def feed(self, incoming: Incoming) -> None:
        """Handle one update; never raises (a failure is logged and answered)."""
        key = f"{incoming.platform}:{incoming.chat_id}"
        async with self.chats.turn(key):
            ctx = await self._prepare(incoming, key)
            if ctx is None:
                return
            try:
                try:
                    await self.route(ctx)
                except ServiceError as err:
                    await ctx.reply(ctx.t(err.key, **err.fields))
                except BadPayload:  # a forged or outdated button
                    size = len(ctx.incoming.callback or "")
                    log.info("bad button payload from %s (%d bytes)", key, size)
                    await ctx.say("errors.unknown_button")
                # what the handler changed and did not send with a reply; after a crash,
                # the changes are dropped with it: the chat stays where its last answer left it
                await ctx.save_state()
            except Exception as exc:
                if not db_unavailable(exc):
                    log.exception("handler failed for %s", key)
                    await self._answer(incoming, ctx.locale, "errors.internal")
                    return
                # the handler may have done part of its work: not retried, the person decides
                log.warning("database unavailable while handling %s: %r", key, exc)
                await self._answer(incoming, ctx.locale, BUSY_KEY)

    async def accept(self, incoming: Incoming) -> bool:
        """Record the update as received (False: a redelivery, already handled); raises when
        the database cannot record it, so the platform can be asked to send it again."""
        if not incoming.update_id or incoming.accepted:
            return True
        try:
            await ProcessedUpdate.create(platform=incoming.platform, update_id=incoming.update_id)
        except IntegrityError:
            log.info("dropping redelivered update %s/%s", incoming.platform, incoming.update_id)
            return False
        incoming.accepted = True
        return True

    async def accept_many(self, batch: list[Incoming]) -> list[bool]:
        """Record a batch of updates in one statement (a poll's worth): per update, False for
        a redelivery; raises when the database cannot record them (none is then recorded)."""
        todo = [i for i in batch if i.update_id and not i.accepted]
        if todo:
            now = datetime.now(UTC)
            values = [v for i in todo for v in (i.platform, i.update_id, now)]
            rows = await fetch(
                ACCEPT_SQL.format(rows=", ".join(["(?, ?, ?)"] * len(todo))), values
            )
            fresh = {(r["platform"], r["update_id"]) for r in rows}
            for incoming in todo:
                if (incoming.platform, incoming.update_id) in fresh:
                    incoming.accepted = True
                else:
                    log.info("dropping redelivered update %s/%s", incoming.platform,
                             incoming.update_id)
        return [not i.update_id or i.accepted for i in batch]

    async def _prepare(self, incoming: Incoming, key: str) -> Context | None:
        """Record the update and load its context, retrying while the database is locked or
        unreachable; None when it is a redelivery or was answered "try again"."""
        for delay in (*UPDATE_RETRY_DELAYS, None):
            try:
                if not await self.accept(incoming):
                    return None
                return await self._context(incoming, key)
            except Exception as exc:
                if not db_unavailable(exc):
                    raise
                if delay is None:
                    log.warning("database unavailable for update %s: gave up: %r", key, exc)
                    await self._answer(incoming, self._locale_guess(incoming), BUSY_KEY)
                    return None
                log.warning("database unavailable for update %s; retry in %ss", key, delay)
                await asyncio.sleep(delay)
        return None

    def _locale_guess(self, incoming: Incoming) -> str:
        """The update's language, when the person's own cannot be read."""
        return normalize_locale(incoming.language) or self.default_locale

    async def _answer(self, incoming: Incoming, locale: str, key: str) -> None:
        """Say `key` through the outbox, or straight through the adapter when the outbox
        cannot be written either; a failure here is logged, never raised."""
        reply = Reply(self.translator(locale, key))
        try:
            await self.notifier.send(incoming.address, reply, PRIORITY_REPLY)
            return
        except Exception as exc:
            if not db_unavailable(exc):
                log.exception("could not answer %s:%s", incoming.platform, incoming.chat_id)
                return
        adapter = self.adapters.get(incoming.platform)
        try:
            if adapter is not None:
                await adapter.send(incoming.address, reply)
        except Exception:
            log.warning("could not answer %s:%s directly", incoming.platform, incoming.chat_id,
                        exc_info=True)

    async def _context(self, incoming: Incoming, key: str) -> Context:
        person, state = await self.services.people.resolve_chat(
            incoming.platform, incoming.user_id, key
        )
        locale = (
            (person.locale if person else None)
            or normalize_locale(incoming.language)
            or self.default_locale
        )
        adapter = self.adapters.get(incoming.platform)
        fetch: Callable[[str], Awaitable[bytes]] = adapter.fetch_file if adapter else _no_files
        return Context(
            incoming=incoming,
            person=person,
            locale=locale,
            conv=self.states.from_row(key, state),
            services=self.services,
            translator=self.translator,
            notifier=self.notifier,
            states=self.states,
            fetch_file=fetch,
            reroute=self.route,
            reprompter=self.reprompt,
            router=self.router,
        )

    async def route(self, ctx: Context) -> None:
        """Pick the handler for this update and run it."""
        inc = ctx.incoming
        if inc.text and len(inc.text) > self.max_text_chars:
            await ctx.say("errors.too_long", limit=self.max_text_chars)
            await ctx.reprompt()
            return
        if inc.unsupported and not (inc.text or inc.photos or inc.documents or inc.location):
            await ctx.say("errors.unsupported_message")
            await ctx.reprompt()
            return
        if inc.callback is not None:
            await self._route_callback(ctx)
        elif inc.command is not None:
            await self._route_command(ctx)
        elif ctx.conv.active:
            await self._route_step(ctx)
        elif ctx.person is None:
            await self._start_registration(ctx)
        else:
            await self._route_free(ctx)

    async def reprompt(self, ctx: Context) -> None:
        """Ask the current step's question again (no-op outside a flow)."""
        if ctx.conv.active:
            prompt = self.router.prompts.get((ctx.conv.flow or "", ctx.conv.step or ""))
            if prompt:
                await prompt(ctx)

    async def _route_callback(self, ctx: Context) -> None:
        payload = ctx.incoming.callback or ""
        parts = payload.split(":")
        if parts[0] == FLOW_PREFIX and len(parts) >= 3:
            choice = FlowChoice.parse(payload)
            if ctx.conv.active and choice.token == ctx.conv.token:
                ctx.choice = choice.choice
                await self._route_step(ctx)
            else:
                await ctx.say("errors.stale_button")
                await ctx.reprompt()
            return
        handler = self.router.actions.get(parts[0])
        if handler is None or (ctx.person is None and parts[0] not in self.router.public_flows):
            await ctx.say("errors.unknown_button")
            await ctx.reprompt()
            return
        ctx.action_args = parts[1:]
        await handler(ctx)

    async def _route_command(self, ctx: Context) -> None:
        name = (ctx.incoming.command or "").lower()
        route = self.router.commands.get(name)
        if route is None:
            await ctx.say("errors.unknown_command", command=name[:32])
            await ctx.reprompt()
            return
        if ctx.person is None and not route.public:
            await self._start_registration(ctx)
            return
        if route.roles and not (ctx.person and ctx.person.has_role(*route.roles)):
            await ctx.say("errors.not_allowed")
            await ctx.reprompt()
            return
        if ctx.conv.active and not route.in_flow:
            await ctx.say("errors.finish_first")
            await ctx.reprompt()
            return
        await route.handler(ctx)

    async def _route_step(self, ctx: Context) -> None:
        handler = self.router.steps.get((ctx.conv.flow or "", ctx.conv.step or ""))
        if handler is None:  # a flow from an older version: start afresh
            await ctx.finish()
            await ctx.say("errors.flow_reset")
            return
        await handler(ctx)

    async def _start_registration(self, ctx: Context) -> None:
        handler = self.router.commands.get(REGISTRATION_FLOW)
        if handler is None:
            await ctx.say("errors.not_registered")
            return
        await handler.handler(ctx)

    async def _route_free(self, ctx: Context) -> None:
        inc = ctx.incoming
        bare = not (inc.text or inc.photos or inc.documents)
        if inc.location and bare and self.router.location_fallbacks:
            await self.router.location_fallbacks[0](ctx)
            return
        if inc.text and not inc.photos and not inc.documents:
            for route in self.router.text_routes:
                if await route.matches(ctx):
                    await route.handler(ctx)
                    return
        visual = bool(inc.photos or inc.videos)  # a video starts a report like a photo
        fallbacks = self.router.photo_fallbacks if visual else self.router.text_fallbacks
        if (inc.text or visual) and fallbacks:
            await fallbacks[0](ctx)
        elif inc.voices:
            await ctx.say("errors.voice_not_here")
        elif inc.documents:
            await ctx.say("errors.not_a_photo")
        else:
            await ctx.say("errors.not_understood")


async def _no_files(ref: str) -> bytes:
    raise ServiceError("errors.file_unavailable")
